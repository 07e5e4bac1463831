import type { Cause } from '../core/causes.js';
import { isCannotRun } from '../core/errors.js';
import { type ClassifiedMessage, classifyLogMessage } from '../core/log/classify-log-event.js';
import { parseLogLine } from '../core/log/parse-log-line.js';
import { clientClass } from '../core/parse-client-list.js';
import { describeReadError, inputError } from './input-error.js';
import { looksBinary, readChunks } from './read-chunks.js';
import type { Coverage, ServerEvent } from './server-events.js';
import type { TimeZone } from './time-zone.js';

/** Server events kept at most (the latest); a log with more is summarised, not held. */
const MAX_EVENTS = 100_000;

const CLASS_WORDS = { pubsub: 'pub/sub client', replica: 'replica', master: 'master link', normal: 'client' };

/** The client a kill line names, in a few words: "pub/sub client (name=slow-sub lib-name=ioredis addr=…)". */
function victim(c: ClassifiedMessage): { words: string; client: ServerEvent['client'] } {
  const f = c.client;
  if (!f) return { words: 'a client', client: undefined };
  const client: NonNullable<ServerEvent['client']> = {};
  if (f.id) client.id = f.id;
  if (f.name && f.name !== '*redacted*') client.name = f.name;
  if (f['lib-name'] && f['lib-name'] !== '*redacted*') client.libName = f['lib-name'];
  if (f.addr) client.addr = f.addr;
  if (f.flags) client.flags = f.flags;
  if (f.cmd) client.cmd = f.cmd;
  const facts = [
    client.name ? `name=${client.name}` : '',
    client.libName ? `lib-name=${client.libName}` : '',
    client.addr ? `addr=${client.addr}` : '',
    client.cmd ? `cmd=${client.cmd}` : '',
  ].filter(Boolean);
  return { words: `${CLASS_WORDS[clientClass(f)]}${facts.length ? ` (${facts.join(' ')})` : ''}`, client };
}

/** The events of a log's lines that drop or refuse connections, with their cause and title. */
function describe(
  c: ClassifiedMessage,
  run: RunState,
): { cause: Cause; title: string; client?: ServerEvent['client'] } | undefined {
  switch (c.kind) {
    case 'output-buffer-kill': {
      const v = victim(c);
      return {
        cause: 'output-buffer-limit',
        title: `${v.words} killed for its output buffer`,
        client: v.client,
      };
    }
    case 'query-buffer-kill': {
      const v = victim(c);
      return {
        cause: 'query-buffer-limit',
        title: `${v.words} closed for its query buffer`,
        client: v.client,
      };
    }
    case 'client-evicted': {
      const v = victim(c);
      return { cause: 'client-eviction', title: `${v.words} evicted (maxmemory-clients)`, client: v.client };
    }
    case 'client-eviction-exhausted':
      return {
        cause: 'client-eviction',
        title: 'over maxmemory-clients after evicting every evictable client',
      };
    case 'shutdown-requested':
      return { cause: 'server-restart', title: `shutdown requested (${c.detail?.how ?? 'signal'})` };
    case 'crash':
      return {
        cause: 'server-crash',
        title: `server crashed${c.detail?.signal ? ` (signal ${c.detail.signal})` : ''}`,
      };
    case 'start': {
      if (!run.seen) return { cause: 'server-restart', title: 'server started' };
      if (run.crashed) return { cause: 'server-crash', title: 'server started again after a crash' };
      if (run.shutdown) return { cause: 'server-restart', title: 'server started again after a shutdown' };
      return {
        cause: 'server-crash',
        title:
          'server started again; the previous run ended without a shutdown line (kill -9, the OOM killer, a host failure)',
      };
    }
    case 'alloc-failure':
      return { cause: 'oom-kill', title: 'out of memory allocating' };
    case 'maxclients-reduced':
      return {
        cause: 'maxclients',
        title: `maxclients reduced to ${c.detail?.maxclients ?? '?'} (file descriptor limit)`,
      };
    case 'accept-failed':
      return {
        cause: 'maxclients',
        title: `accepting a client connection failed: ${c.detail?.error ?? ''}`.trim(),
      };
    case 'role-change':
      return c.detail?.to
        ? {
            cause: 'failover',
            title: `role changed to ${c.detail.to}${c.detail.sentinel === 'true' ? ' (by Sentinel)' : ''}`,
          }
        : undefined;
    case 'cluster-failover':
      return c.detail?.step === 'election-won' || c.detail?.step === 'reconfigured-as-replica'
        ? { cause: 'failover', title: `cluster failover: ${c.detail.step}` }
        : undefined;
    case 'cluster-node-fail':
      return {
        cause: 'failover',
        title: `cluster node ${c.detail?.node?.slice(0, 8) ?? '?'} marked failing`,
      };
    default:
      return undefined;
  }
}

interface RunState {
  seen: boolean;
  shutdown: boolean;
  crashed: boolean;
}

export interface LogTimeline {
  events: ServerEvent[];
  coverage: Coverage | undefined;
  lines: number;
  parsed: number;
  droppedEvents: number;
  /** The log's last run ended (a shutdown, a crash): nothing after it is the server's silence. */
  ended: boolean;
}

/**
 * Streams a Redis or Valkey log (plain or gzip) into the events that drop connections. Redis writes
 * local time without an offset: `zone` reads it (this machine's, unless --log-tz says otherwise).
 */
export async function readServerLog(
  path: string,
  zone: TimeZone | undefined,
  firstId: number,
): Promise<LogTimeline> {
  const out: LogTimeline = {
    events: [],
    coverage: undefined,
    lines: 0,
    parsed: 0,
    droppedEvents: 0,
    ended: false,
  };
  const run: RunState = { seen: false, shutdown: false, crashed: false };
  let from: number | undefined;
  let to: number | undefined;
  let carry = '';
  let id = firstId;
  let first = true;
  const line = (raw: string) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text === '') return;
    out.lines++;
    const parsed = parseLogLine(text.length > 8192 ? text.slice(0, 8192) : text);
    let at = parsed?.at;
    if (parsed) {
      out.parsed++;
      if (at !== undefined && zone) {
        // Redis wrote the wall clock of its own zone; parseLogLine read it in ours: re-read it in --log-tz.
        const d = new Date(at);
        at = zone.toEpoch(
          d.getFullYear(),
          d.getMonth(),
          d.getDate(),
          d.getHours(),
          d.getMinutes(),
          d.getSeconds(),
          d.getMilliseconds(),
        );
      }
      if (at !== undefined) {
        from ??= at;
        to = at;
      }
    }
    at ??= to;
    const c = classifyLogMessage(parsed ? parsed.message : text);
    if (!c || at === undefined) return;
    const what = describe(c, run);
    if (c.kind === 'start') run.seen = true;
    if (c.kind === 'start') {
      run.shutdown = false;
      run.crashed = false;
      out.ended = false;
    }
    if (c.kind === 'shutdown-complete' || c.kind === 'crash') out.ended = true;
    if (c.kind === 'shutdown-requested') run.shutdown = true;
    if (c.kind === 'crash') run.crashed = true;
    if (!what) return;
    if (out.events.length >= MAX_EVENTS) {
      out.events.shift();
      out.droppedEvents++;
    }
    out.events.push({ id: id++, at, from: at, to: at, source: 'log', kind: c.kind, ...what });
  };
  try {
    for await (const chunk of readChunks(path)) {
      if (first) {
        first = false;
        if (looksBinary(chunk))
          throw inputError(path, 'binary data, not a Redis log (NUL or control bytes in its first 8 KB)');
      }
      const text = carry + chunk.toString('utf8');
      const parts = text.split('\n');
      carry = parts.pop() ?? '';
      if (carry.length > 1 << 20) carry = '';
      for (const p of parts) line(p);
    }
    if (carry) line(carry);
  } catch (error) {
    if (isCannotRun(error)) throw error;
    throw inputError(path, describeReadError(error));
  }
  if (out.lines > 0 && out.parsed === 0)
    throw inputError(path, `none of its ${out.lines} lines looks like a Redis or Valkey log line`);
  if (from !== undefined && to !== undefined) out.coverage = { source: 'log', what: path, from, to };
  return out;
}
