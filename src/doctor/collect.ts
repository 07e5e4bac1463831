import type { Redis } from 'ioredis';
import { CannotRunError } from '../core/errors.js';
import type { RedisTarget } from '../core/redis-url.js';
import { identifyServer, versionAtLeast } from '../core/server-product.js';
import { TOOL_VERSION } from '../version.js';
import { collectClients } from './collectors/clients.js';
import { collectConfig } from './collectors/config.js';
import { type CollectorContext, notPermitted } from './collectors/context.js';
import { collectHost } from './collectors/host.js';
import { collectInfo } from './collectors/info.js';
import { collectLatency } from './collectors/latency.js';
import { collectServerLog } from './collectors/server-log.js';
import { collectSlowlog } from './collectors/slowlog.js';
import {
  type Collected,
  type DoctorSettings,
  type Evidence,
  targetIdentity,
  unavailable,
} from './evidence.js';

/** Runs every collector, each bounded in time; a failing one becomes "unavailable: <reason>". */
export async function collectEvidence(
  redis: Redis,
  target: RedisTarget,
  ctx: Omit<CollectorContext, 'redis' | 'target'>,
  settings: DoctorSettings,
): Promise<Evidence> {
  const full: CollectorContext = { ...ctx, redis, target };
  const step = <T>(what: string, fn: () => Promise<Collected<T>>) => bounded(what, fn, ctx.timeoutMs);

  const pingStarted = performance.now();
  await redis.ping();
  const pingMs = performance.now() - pingStarted;

  const info = await step('INFO', () => collectInfo(full));
  const identity = info.status === 'ok' ? identifyServer(info.value) : undefined;
  // Name our connection's library (7.2+) so our own handshake is never mistaken for an app's churn.
  const hasSetinfo =
    identity?.product === 'valkey' ||
    (identity?.product === 'redis' && versionAtLeast(identity.version, '7.2'));
  if (hasSetinfo) {
    await redis.call('CLIENT', 'SETINFO', 'LIB-NAME', 'lifeline').catch(() => undefined);
    await redis.call('CLIENT', 'SETINFO', 'LIB-VER', TOOL_VERSION).catch(() => undefined);
  }

  const config = await step('CONFIG GET', () => collectConfig(full));
  const [clients, slowlog, latency, host] = await Promise.all([
    step('CLIENT LIST', () => collectClients(full, info, config)),
    step('SLOWLOG GET', () => collectSlowlog(full)),
    step('LATENCY LATEST', () => collectLatency(full)),
    step('host facts', () => collectHost(full, info)),
  ]);
  const log = await step('server log', () => collectServerLog(full, config));

  return {
    target: {
      ...targetIdentity(target),
      product: identity?.product ?? 'unknown',
      version: identity?.version ?? 'unknown',
      mode: identity?.mode ?? 'unknown',
      role: identity?.role ?? 'unknown',
      pingMs: Math.round(pingMs * 100) / 100,
    },
    info,
    config,
    clients,
    slowlog,
    latency,
    log,
    host,
    settings,
  };
}

async function bounded<T>(
  what: string,
  fn: () => Promise<Collected<T>>,
  timeoutMs: number,
): Promise<Collected<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Collected<T>>((resolve) => {
    timer = setTimeout(
      () => resolve(unavailable(`${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      fn().catch((error: unknown) => {
        if (error instanceof CannotRunError) throw error;
        const denied = notPermitted(error);
        return unavailable<T>(
          denied ? `${what} is not permitted (${denied})` : `${what} failed: ${(error as Error).message}`,
        );
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
