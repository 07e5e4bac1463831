import { Redis } from 'ioredis';
import { CODES } from '../../client/errors.js';
import { FaultProxy } from '../proxy/proxy.js';
import { type RedisServer, startRedis } from '../redis-server/start-redis.js';
import { type ChaosLibrary, chaosClient } from './chaos-client.js';
import { type Fault, faultSchedule } from './fault-schedule.js';

export interface ChaosOptions {
  seed: number;
  durationMs: number;
  library: ChaosLibrary;
  /** Through lifeline(client), or the library as it is. */
  wrapped: boolean;
  /** Every command must have settled this long after it was sent (lifeline's deadline is 10 s). */
  deadlineMs?: number;
  /** redis-server binary (default: REDIS_SERVER_BIN or PATH). */
  binary?: string;
}

/** What a chaos run found, checked on the server after the faults stopped. */
export interface ChaosReport {
  seed: number;
  library: ChaosLibrary;
  wrapped: boolean;
  durationMs: number;
  faults: Fault[];
  commands: { sent: number; succeeded: number; failed: number; mayHaveRun: number };
  /** A unique-key INCR (or a MULTI's) found at 2 or more: a command ran twice. */
  ranTwice: number;
  /** Settled after their deadline, or never. */
  late: number;
  hung: number;
  /** Acknowledged, yet not on the server afterwards (the server persists every write: appendfsync always). */
  ackButLost: number;
  /** Failed with an error that does not say it may have run, yet it ran. */
  failedButRan: number;
  messages: { published: number; received: number; lost: number; lostUntold: number; gaps: number };
  rssMb: { start: number; end: number; peak: number };
}

/** What a client must never do under chaos, as sentences; empty when it kept every promise. */
export function chaosViolations(report: ChaosReport, rssGrowthMb = 50): string[] {
  const found: [string, number][] = [
    ['ran twice', report.ranTwice],
    ['settled late', report.late],
    ['never settled', report.hung],
    ['acknowledged but lost', report.ackButLost],
    ['failed but ran', report.failedButRan],
    ['messages lost without a gap event', report.messages.lostUntold],
  ];
  const violations = found.filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
  const growth = report.rssMb.end - report.rssMb.start;
  if (growth >= rssGrowthMb) violations.push(`RSS grew ${growth} MB`);
  return violations;
}

interface Ledger {
  kind: 'incr' | 'multi' | 'pipeline' | 'set';
  keys: string[];
  value?: string;
  sentAt: number;
  settledAt?: number;
  ok?: boolean;
  error?: { code?: string; written?: boolean };
}

const PACE_MS = 10;
const PUBLISH_EVERY_MS = 20;
/** A lost message counts as told if it lies within a gap window, give or take this much. */
const GAP_SLACK_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);

/** The error says the command may have run (lifeline's codes); anything else claims it failed. */
function mayHaveRun(error: Ledger['error']): boolean {
  const code = error?.code;
  return (
    code === CODES.maybeExecuted ||
    code === CODES.poisonCommand ||
    (code === CODES.timeout && error?.written !== false)
  );
}

/**
 * A seeded chaos run: faults from `faultSchedule(seed)` against one client (raw or wrapped) doing
 * unique-key INCRs, MULTI and pipelines of INCRs, SETs read back, and a numbered pub/sub stream;
 * afterwards every command's outcome is checked against the server. Bounded: the workload stops at
 * `durationMs`, and whatever has not settled `deadlineMs` later counts as hung.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { seed, durationMs, library, wrapped } = options;
  const deadlineMs = options.deadlineMs ?? 15_000;
  const faults = faultSchedule(seed, durationMs);
  const server = await startRedis({
    binary: options.binary,
    config: { appendonly: 'yes', appendfsync: 'always' },
  });
  const proxy = await new FaultProxy({ name: 'chaos', upstream: `127.0.0.1:${server.port}` }).start();
  const admin = new Redis({ host: '127.0.0.1', port: server.port, connectionName: 'chaos-admin' });
  admin.on('error', () => undefined);
  const publisher = new Redis({ host: '127.0.0.1', port: server.port, connectionName: 'chaos-publisher' });
  publisher.on('error', () => undefined);
  const client = chaosClient(library, wrapped, proxy.port);
  const ledger: Ledger[] = [];
  const published: { n: number; at: number }[] = [];
  const received = new Set<number>();
  const rss = { start: 0, end: 0, peak: 0 };
  try {
    await client.subscribe('chaos', (message) => received.add(Number(message)));
    await client.set('warm-up', '1');
    rss.start = rss.peak = rssMb();
    const started = performance.now();
    const stopAt = started + durationMs;
    const running = () => performance.now() < stopAt;
    let sequence = 0;
    let messageNumber = 0;
    const record = (entry: Ledger, p: Promise<unknown>) => {
      ledger.push(entry);
      return p
        .then(
          () => {
            entry.ok = true;
          },
          (error: Error & { code?: string; written?: boolean }) => {
            entry.ok = false;
            entry.error = { code: error?.code, written: error?.written };
          },
        )
        .finally(() => {
          entry.settledAt = performance.now();
        });
    };
    const loop = async (step: () => Promise<unknown>) => {
      while (running()) {
        await step();
        await sleep(PACE_MS);
      }
    };
    const key = (kind: string) => `${kind}:${++sequence}`;
    const workload = [
      loop(() => {
        const k = key('incr');
        return record({ kind: 'incr', keys: [k], sentAt: performance.now() }, client.incr(k));
      }),
      loop(() => {
        const [a, b] = [key('multi'), key('multi')];
        return record({ kind: 'multi', keys: [a, b], sentAt: performance.now() }, client.multiIncr(a, b));
      }),
      loop(() => {
        const k = key('pipeline');
        return record({ kind: 'pipeline', keys: [k], sentAt: performance.now() }, client.pipelineIncr(k));
      }),
      loop(async () => {
        const k = key('set');
        const value = `v${sequence}`;
        await record({ kind: 'set', keys: [k], value, sentAt: performance.now() }, client.set(k, value));
        await client.get(k).catch(() => undefined);
      }),
      loop(async () => {
        const n = ++messageNumber;
        const at = Date.now();
        const receivers = await publisher.publish('chaos', String(n)).catch(() => 0);
        // Counted only when the server had the subscriber then: otherwise nothing was owed to it.
        if (receivers > 0) published.push({ n, at });
        await sleep(PUBLISH_EVERY_MS - PACE_MS);
      }),
    ];
    const sampler = setInterval(() => {
      rss.peak = Math.max(rss.peak, rssMb());
    }, 1000);
    try {
      for (const fault of faults) {
        const wait = started + fault.atMs - performance.now();
        if (wait > 0) await sleep(wait);
        if (!running()) break;
        await inject(fault, proxy, server, admin);
      }
      // The workload runs to the end; each loop waits for its last command, within the deadline.
      await Promise.race([
        Promise.all(workload),
        sleep(Math.max(0, stopAt - performance.now()) + deadlineMs),
      ]);
      // Messages still in flight at the end are not lost yet.
      await sleep(500);
    } finally {
      clearInterval(sampler);
    }
    rss.end = rssMb();
    return {
      seed,
      library,
      wrapped,
      durationMs,
      faults,
      ...(await verify(ledger, admin, deadlineMs)),
      messages: messagesReport(published, received, client.gaps),
      rssMb: rss,
    };
  } finally {
    client.close();
    publisher.disconnect();
    admin.disconnect();
    await proxy.stop();
    await server.stop();
  }
}

async function inject(fault: Fault, proxy: FaultProxy, server: RedisServer, admin: Redis): Promise<void> {
  const hold = async (toxic: { name: string }, ms: number) => {
    await sleep(ms);
    proxy.removeToxic(toxic.name);
  };
  switch (fault.kind) {
    case 'reset':
      return hold(proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 0 } }), 200);
    case 'blackhole':
      return hold(proxy.addToxic({ type: 'blackhole' }), fault.holdMs);
    case 'reply-drop':
      return hold(proxy.addToxic({ type: 'reply_drop' }), 1000);
    case 'slow-replies':
      return hold(
        proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: fault.latencyMs } }),
        fault.holdMs,
      );
    case 'kill-9':
      return server.restart('crash', { downMs: fault.holdMs });
    case 'shutdown':
      return server.restart('shutdown', { downMs: fault.holdMs });
    case 'client-kill':
      for (const type of ['normal', 'pubsub'])
        await admin.call('CLIENT', 'KILL', 'TYPE', type, 'SKIPME', 'yes').catch(() => undefined);
      return;
    case 'idle-timeout':
      await admin.config('SET', 'timeout', '1').catch(() => undefined);
      await sleep(fault.holdMs);
      await admin.config('SET', 'timeout', '0').catch(() => undefined);
      return;
  }
}

/** Every command's outcome against what the server holds: one pipelined GET per key. */
async function verify(ledger: Ledger[], admin: Redis, deadlineMs: number) {
  const keys = ledger.flatMap((e) => e.keys);
  const values = new Map<string, string | null>();
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const replies = await admin.mget(...batch);
    for (const [j, k] of batch.entries()) values.set(k, replies[j] ?? null);
  }
  const report = { sent: ledger.length, succeeded: 0, failed: 0, mayHaveRun: 0 };
  let ranTwice = 0;
  let late = 0;
  let hung = 0;
  let ackButLost = 0;
  let failedButRan = 0;
  for (const entry of ledger) {
    if (entry.settledAt === undefined) hung++;
    else if (entry.settledAt - entry.sentAt > deadlineMs) late++;
    if (entry.ok) report.succeeded++;
    else if (entry.ok === false) {
      report.failed++;
      if (mayHaveRun(entry.error)) report.mayHaveRun++;
    }
    if (entry.kind === 'set') {
      if (entry.ok && values.get(entry.keys[0] as string) !== entry.value) ackButLost++;
      continue;
    }
    const counts = entry.keys.map((k) => Number(values.get(k) ?? 0));
    const ran = Math.max(...counts);
    if (ran >= 2) ranTwice++;
    if (entry.ok && Math.min(...counts) === 0) ackButLost++;
    if (entry.ok === false && ran > 0 && !mayHaveRun(entry.error)) failedButRan++;
  }
  return { commands: report, ranTwice, late, hung, ackButLost, failedButRan };
}

function messagesReport(
  published: { n: number; at: number }[],
  received: Set<number>,
  gaps: { from: string; to: string }[],
): ChaosReport['messages'] {
  const windows = gaps.map((g) => [Date.parse(g.from) - GAP_SLACK_MS, Date.parse(g.to) + GAP_SLACK_MS]);
  const lost = published.filter((m) => !received.has(m.n));
  const untold = lost.filter((m) => !windows.some(([from, to]) => m.at >= (from ?? 0) && m.at <= (to ?? 0)));
  return {
    published: published.length,
    received: received.size,
    lost: lost.length,
    lostUntold: untold.length,
    gaps: gaps.length,
  };
}
