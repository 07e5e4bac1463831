import { readFileSync } from 'node:fs';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RedisTarget } from '../../core/redis-url.js';
import { type Collected, ok, type PathProbeFacts, unavailable } from '../evidence.js';

export const PATH_PROBE_DEFAULTS = {
  /** PINGs sent one after another: 20 give a median and a slowest one in well under a second. */
  pings: 20,
} as const;

export interface PathProbeOptions {
  /** Bound for the whole probe, ms: PINGs stop when it is spent (those answered are kept). */
  timeoutMs: number;
  pings?: number;
  tlsCaFile?: string | undefined;
  tlsInsecure?: boolean | undefined;
}

// The probe's local ports, so that reading this host's sockets leaves them out (a closed probe may sit
// in TIME_WAIT here for 60 s). Kept 2 minutes, at most 256.
const PORT_TTL_MS = 120_000;
const probePorts = new Map<number, number>();

/** Local ports of probes this process ran within the last two minutes. */
export function probeLocalPorts(now = Date.now()): Set<number> {
  const ports = new Set<number>();
  for (const [port, at] of probePorts) {
    if (now - at <= PORT_TTL_MS) ports.add(port);
    else probePorts.delete(port);
  }
  return ports;
}

function rememberPort(port: number | undefined): void {
  if (port === undefined) return;
  probePorts.delete(port);
  probePorts.set(port, Date.now());
  for (const oldest of probePorts.keys()) {
    if (probePorts.size <= 256) break;
    probePorts.delete(oldest);
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

type Failure = NonNullable<PathProbeFacts['failure']>;

function failureOf(error: NodeJS.ErrnoException): Failure {
  const code = error.code ?? '';
  const message = `${code ? `${code}: ` : ''}${error.message.split('\n')[0] ?? ''}`.slice(0, 200);
  if (code === 'ECONNREFUSED') return { kind: 'refused', message };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { kind: 'reset', message };
  if (code === 'ETIMEDOUT') return { kind: 'timeout', message };
  return { kind: 'error', message };
}

/**
 * What `telnet host port` then a few PINGs tell by hand: from this host, one new TCP connection (and TLS
 * handshake) timed, then `pings` PINGs one at a time, each round trip timed; any reset, close or timeout
 * on the way is recorded. Sends no credentials: a server that wants AUTH answers -NOAUTH, which is a
 * round trip all the same. Closes with QUIT, so the TIME_WAIT lands on the server's side. Never throws.
 */
export async function collectPathProbe(
  target: Pick<RedisTarget, 'host' | 'port' | 'tls'>,
  options: PathProbeOptions,
): Promise<Collected<PathProbeFacts>> {
  const planned = options.pings ?? PATH_PROBE_DEFAULTS.pings;
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  const address = host.includes(':') ? `[${host}]:${target.port}` : `${host}:${target.port}`;
  const deadline = performance.now() + options.timeoutMs;
  const facts: PathProbeFacts = {
    address,
    connectMs: undefined,
    pingsPlanned: planned,
    pingsAnswered: 0,
    samplesMs: [],
  };
  let ca: Buffer | undefined;
  if (target.tls && options.tlsCaFile) {
    try {
      ca = readFileSync(options.tlsCaFile);
    } catch (error) {
      return unavailable(`cannot read the TLS CA file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  let socket: Socket | undefined;
  // Everything the socket says, as one queue the steps below wait on.
  let buffered = '';
  let ended: Failure | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Until `ready()` holds, the socket ends, or the deadline: false on the last two. */
  const until = async (ready: () => boolean, by: number): Promise<boolean> => {
    for (;;) {
      if (ready()) return true;
      if (ended) return false;
      const left = by - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  try {
    const started = performance.now();
    let connectedAt: number | undefined;
    let secureAt: number | undefined;
    const raw = tcpConnect({ host, port: target.port });
    socket = raw;
    raw.setNoDelay(true);
    raw.once('connect', () => {
      connectedAt = performance.now();
      notify();
    });
    raw.on('error', (error: NodeJS.ErrnoException) => {
      ended ??= failureOf(error);
      notify();
    });
    raw.on('close', () => {
      ended ??= { kind: 'closed', message: 'the connection was closed by the other end' };
      notify();
    });
    if (!(await until(() => connectedAt !== undefined, deadline))) {
      facts.failure = ended ?? { kind: 'timeout', message: `no TCP connect within ${options.timeoutMs} ms` };
      return ok(facts);
    }
    facts.connectMs = round((connectedAt ?? started) - started);
    rememberPort(raw.localPort);

    let stream: Socket = raw;
    if (target.tls) {
      const secure = tlsConnect({
        socket: raw,
        servername: isIP(host) ? undefined : host,
        ...(ca ? { ca } : {}),
        rejectUnauthorized: !options.tlsInsecure,
      });
      stream = secure;
      socket = secure;
      secure.on('error', (error: NodeJS.ErrnoException) => {
        ended ??= failureOf(error);
        notify();
      });
      secure.once('secureConnect', () => {
        secureAt = performance.now();
        notify();
      });
      const tlsStarted = performance.now();
      if (!(await until(() => secureAt !== undefined, deadline))) {
        facts.failure = ended ?? { kind: 'timeout', message: 'no TLS handshake within the bound' };
        return ok(facts);
      }
      facts.tlsMs = round((secureAt ?? tlsStarted) - tlsStarted);
    }
    // An error other than AUTH's (-ERR max number of clients reached, -DENIED …) is the server
    // refusing the connection, not the path: kept so that the failure after it can say so.
    let serverSaid: string | undefined;
    stream.on('data', (chunk: Buffer) => {
      // Replies are one line (+PONG, -NOAUTH …); the tail is all that needs keeping.
      buffered = (buffered + chunk.toString('latin1')).slice(-4096);
      const error = /^-(?!NOAUTH)(.*)\r\n/m.exec(buffered)?.[1];
      if (error !== undefined) serverSaid ??= error.slice(0, 200);
      notify();
    });

    for (let i = 0; i < planned; i++) {
      if (performance.now() >= deadline) break;
      buffered = '';
      const sent = performance.now();
      stream.write('PING\r\n');
      if (!(await until(() => buffered.includes('\r\n'), deadline))) {
        facts.failure = ended ?? {
          kind: 'timeout',
          message: `PING ${i + 1} unanswered within the probe's ${options.timeoutMs} ms`,
        };
        break;
      }
      facts.samplesMs.push(round(performance.now() - sent));
    }
    if (serverSaid !== undefined)
      facts.failure = {
        ...(facts.failure ?? { kind: 'error', message: 'the server answered PING with an error' }),
        serverSaid,
      };
    facts.pingsAnswered = facts.samplesMs.length;
    const sorted = [...facts.samplesMs].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    if (p50 !== undefined) facts.p50Ms = p50;
    if (p99 !== undefined) facts.p99Ms = p99;
    if (sorted.length > 0) facts.maxMs = sorted[sorted.length - 1];
    if (!facts.failure) {
      // The server closes after +OK: the socket's TIME_WAIT is the server's, not this host's.
      stream.write('QUIT\r\n');
      await until(() => false, Math.min(deadline, performance.now() + 200));
    }
    return ok(facts);
  } catch (error) {
    facts.failure = failureOf(error as NodeJS.ErrnoException);
    return ok(facts);
  } finally {
    socket?.destroy();
  }
}
