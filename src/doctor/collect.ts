import type { Redis } from 'ioredis';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { endpointOf, type RedisTarget } from '../core/redis-url.js';
import {
  type CappedCommand,
  capReply,
  cutConnection,
  REPLY_CAPS,
  ReplyTooLargeError,
} from '../core/reply-cap.js';
import { identifyServer, versionAtLeast } from '../core/server-product.js';
import { TOOL_VERSION } from '../version.js';
import { collectClients } from './collectors/clients.js';
import { collectConfig } from './collectors/config.js';
import { type CollectorContext, notPermitted } from './collectors/context.js';
import { collectHost } from './collectors/host.js';
import { collectHostSockets } from './collectors/host-sockets.js';
import { collectInfo } from './collectors/info.js';
import { collectLatency } from './collectors/latency.js';
import { collectServerLog } from './collectors/server-log.js';
import { collectSlowlog } from './collectors/slowlog.js';
import {
  type Collected,
  type DoctorSettings,
  type Evidence,
  ok,
  targetIdentity,
  unavailable,
} from './evidence.js';

/**
 * The doctor's connection. A step that has to cut it (no answer in time, a reply past its cap) leaves
 * it closed, so that nothing more is read from that reply; the next step opens a new one.
 */
class Session {
  constructor(
    public redis: Redis,
    private readonly reopen: () => Promise<Redis>,
  ) {}

  async live(): Promise<Redis> {
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      this.redis = await this.reopen();
    }
    return this.redis;
  }

  cut(): void {
    cutConnection(this.redis);
  }
}

type Step = CappedCommand | 'host facts' | 'host sockets' | 'server log';

/**
 * Runs every collector, each bounded in time and in reply size. A step that fails becomes
 * "unavailable: <reason>", except PING and INFO: without them there is nothing to diagnose, and a
 * server that cannot answer them is reported as such (exit 2, naming the target).
 */
export async function collectEvidence(
  redis: Redis,
  target: RedisTarget,
  ctx: Omit<CollectorContext, 'redis' | 'target'> & { reopen: () => Promise<Redis> },
  settings: DoctorSettings,
): Promise<Evidence> {
  const { reopen, ...rest } = ctx;
  const session = new Session(redis, reopen);
  const where = endpointOf(target);
  const step = async <T>(
    what: Step,
    fn: (full: CollectorContext) => Promise<Collected<T>>,
    essential = false,
  ): Promise<Collected<T>> => {
    const failed = (reason: string): Collected<T> => {
      if (!essential) return unavailable(`${what} ${reason}`);
      throw new CannotRunError(
        ERROR_CODES.notRedis,
        `${where}: ${what} ${reason}. A Redis server answers it at once: check that this is a Redis port and that the server is healthy (or raise --timeout).`,
      );
    };
    // Host facts and the log are read on this machine: a connection cut earlier is not theirs to reopen.
    const needsRedis = what in REPLY_CAPS;
    let live = session.redis;
    try {
      if (needsRedis) live = await session.live();
    } catch (error) {
      return failed(`not run: reconnecting failed (${(error as Error).message})`);
    }
    const full: CollectorContext = { ...rest, redis: live, target };
    const run = () => fn(full);
    const outcome = await bounded(
      needsRedis ? () => capReply(live, what as CappedCommand, run) : run,
      ctx.timeoutMs,
    );
    if (outcome === 'timeout') {
      session.cut();
      return failed(`did not answer within ${ctx.timeoutMs} ms`);
    }
    if ('value' in outcome) return outcome.value;
    const error = outcome.error;
    if (error instanceof CannotRunError) throw error;
    if (error instanceof ReplyTooLargeError) return failed(`failed: ${error.reason}`);
    const denied = notPermitted(error);
    if (denied) return unavailable(`${what} is not permitted (${denied})`);
    if (live.status === 'end' || live.status === 'close')
      return failed('failed: the server closed the connection');
    return failed(`failed: ${redactText((error as Error).message, [target.password])}`);
  };

  try {
    const pingStarted = performance.now();
    await step('PING', async ({ redis }) => ok(await redis.ping()), true);
    const pingMs = performance.now() - pingStarted;

    const info = await step('INFO', collectInfo, true);
    const identity = info.status === 'ok' ? identifyServer(info.value) : undefined;
    // Name our connection's library (7.2+) so our own handshake is never mistaken for an app's churn.
    const hasSetinfo =
      identity?.product === 'valkey' ||
      (identity?.product === 'redis' && versionAtLeast(identity.version, '7.2'));
    if (hasSetinfo) {
      const live = await session.live();
      await live.call('CLIENT', 'SETINFO', 'LIB-NAME', 'lifeline').catch(() => undefined);
      await live.call('CLIENT', 'SETINFO', 'LIB-VER', TOOL_VERSION).catch(() => undefined);
    }

    const config = await step('CONFIG GET', collectConfig);
    // One Redis command at a time, so that what arrives on the socket is that step's reply.
    const clients = await step('CLIENT LIST', (full) => collectClients(full, info, config));
    const slowlog = await step('SLOWLOG GET', collectSlowlog);
    const latency = await step('LATENCY LATEST', collectLatency);
    const host = await step('host facts', (full) => collectHost(full, info));
    const log = await step('server log', (full) => collectServerLog(full, config, info));
    const hostSockets = await step('host sockets', collectHostSockets);

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
      hostSockets,
      settings,
    };
  } finally {
    // The connection run.ts opened is its to close; one reopened here is ours.
    if (session.redis !== redis) session.redis.disconnect();
  }
}

/** `fn`'s outcome, or 'timeout' after `timeoutMs`. */
async function bounded<T>(
  fn: () => Promise<T>,
  timeoutMs: number,
): Promise<{ value: T } | { error: unknown } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      fn().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
