import { infoNumber } from '../core/parse-info.js';
import { redactUrl } from '../core/redact.js';
import { parseRedisUrl } from '../core/redis-url.js';
import { collectNodeEvidence } from '../doctor/run.js';
import { readHistory } from '../watch/history/read-history.js';
import type { Coverage, ServerEvent, ServerFacts } from './server-events.js';

/** INFO counters worth showing next to bursts (cumulative since the server started). */
const COUNTERS = [
  'rejected_connections',
  'client_output_buffer_limit_disconnections',
  'client_query_buffer_limit_disconnections',
  'evicted_clients',
  'total_connections_received',
  'connected_clients',
];

/**
 * What a live server tells: INFO (run_id, uptime: when this process started; counters) and CONFIG
 * (idle timeout, maxclients), read the doctor's way (read-only, bounded), and where its log is when it
 * runs on this host. `now` is when INFO was read.
 */
export async function readServerFacts(
  url: string,
  options: { timeoutMs: number; tlsCaFile?: string; tlsInsecure?: boolean },
): Promise<ServerFacts> {
  const target = parseRedisUrl(url);
  const evidence = await collectNodeEvidence(target, {
    url,
    timeoutMs: options.timeoutMs,
    ...(options.tlsCaFile ? { tlsCaFile: options.tlsCaFile } : {}),
    ...(options.tlsInsecure ? { tlsInsecure: true } : {}),
  });
  const readAt = Date.now();
  const facts: ServerFacts = { url: redactUrl(url), counters: {} };
  if (evidence.info.status === 'ok') {
    const info = evidence.info.value;
    facts.runId = info.fields.run_id;
    facts.version = info.fields.redis_version ?? info.fields.valkey_version;
    const uptime = infoNumber(info, 'uptime_in_seconds');
    if (uptime !== undefined) {
      facts.uptimeS = uptime;
      facts.startedAt = readAt - uptime * 1000;
    }
    for (const key of COUNTERS) {
      const v = infoNumber(info, key);
      if (v !== undefined) facts.counters[key] = v;
    }
    const maxclients = infoNumber(info, 'maxclients');
    if (maxclients !== undefined) facts.maxclients = maxclients;
  }
  if (evidence.config.status === 'ok') {
    const timeout = Number(evidence.config.value.timeout);
    if (Number.isFinite(timeout)) facts.idleTimeoutS = timeout;
    const maxclients = Number(evidence.config.value.maxclients);
    if (Number.isFinite(maxclients) && maxclients > 0) facts.maxclients = maxclients;
  }
  if (evidence.log.status === 'ok') facts.logPath = evidence.log.value.path;
  else facts.logUnavailable = evidence.log.reason;
  return facts;
}

/** The start of the running process (INFO uptime, whole seconds, read a moment after): a span. */
export function startEvent(facts: ServerFacts, id: number): ServerEvent | undefined {
  if (facts.startedAt === undefined) return undefined;
  return {
    id,
    at: facts.startedAt,
    from: facts.startedAt - 2000,
    to: facts.startedAt + 1000,
    source: 'info',
    kind: 'started',
    cause: 'server-restart',
    title: `the running server started (INFO uptime ${facts.uptimeS} s, run_id ${facts.runId?.slice(0, 8) ?? '?'})`,
  };
}

/**
 * Watch's incidents from its NDJSON history. An incident is seen at a sample, after the fact: what it
 * reports happened since the sample before, so its span opens one sampling interval earlier.
 */
export async function readHistoryEvents(
  path: string,
  firstId: number,
): Promise<{ events: ServerEvent[]; coverage: Coverage }> {
  const history = await readHistory(path);
  const intervalMs = history.starts.at(-1)?.intervalMs ?? 5000;
  let id = firstId;
  const events = history.incidents.map((incident): ServerEvent => {
    const firstAt = Date.parse(incident.firstAt || incident.at);
    const lastAt = Date.parse(incident.lastAt || incident.at);
    return {
      id: id++,
      at: firstAt,
      from: firstAt - intervalMs,
      to: lastAt,
      source: 'history',
      kind: incident.kind,
      cause: incident.cause,
      title: `${incident.title} (watch, ${incident.target})`,
    };
  });
  return { events, coverage: { source: 'history', what: path, from: history.firstAt, to: history.lastAt } };
}
