import { isCause } from '../../core/causes.js';
import type { Confidence, Fix, Severity } from '../../doctor/report/types.js';
import {
  CAUSE_OF_INCIDENT,
  type Counters,
  type Gauges,
  type Incident,
  type IncidentKind,
  type Sample,
} from '../types.js';

/** A watch run's start record, with the targets it watched. */
export type StartRecord = {
  at: string;
  tool: { name: string; version: string };
  targets: string[];
  intervalMs: number;
};

/** One valid history line. */
export type ParsedRecord =
  | { type: 'sample'; sample: Sample }
  | { type: 'incident'; incident: Incident }
  | { type: 'start'; start: StartRecord }
  | { type: 'stop'; at: string };

/**
 * One NDJSON line of a history, validated as far as the report uses it; anything else about a record
 * is optional and defaulted. Undefined for a line that is not a valid record.
 */
export function parseHistoryRecord(line: string): ParsedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'sample': {
      const sample = asSample(value);
      return sample && { type: 'sample', sample };
    }
    case 'incident': {
      const incident = asIncident(value);
      return incident && { type: 'incident', incident };
    }
    case 'start': {
      if (!isTime(value.at) || !Array.isArray(value.targets)) return undefined;
      const tool = isObject(value.tool) ? value.tool : {};
      return {
        type: 'start',
        start: {
          at: value.at,
          tool: { name: str(tool.name, 'redis-lifeline'), version: str(tool.version, '?') },
          targets: value.targets.filter((t): t is string => typeof t === 'string'),
          intervalMs: count(value.intervalMs) ?? 0,
        },
      };
    }
    case 'stop':
      return isTime(value.at) ? { type: 'stop', at: value.at } : undefined;
    default:
      return undefined;
  }
}

function asSample(o: Record<string, unknown>): Sample | undefined {
  if (typeof o.target !== 'string' || typeof o.up !== 'boolean') return undefined;
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return undefined;
  const sample: Sample = { target: o.target, at: o.at, up: o.up, durationMs: count(o.durationMs) ?? 0 };
  if (typeof o.error === 'string') sample.error = o.error;
  // Server facts identify the process by run_id or, where a proxy hid it, by uptime alone.
  if (isObject(o.server) && (typeof o.server.runId === 'string' || count(o.server.uptimeS) !== undefined)) {
    const s = o.server;
    sample.server = {
      product: str(s.product, 'redis'),
      version: str(s.version, '?'),
      // Histories written before run_id could be absent hold '' for a hidden one.
      ...(typeof s.runId === 'string' && s.runId !== '' ? { runId: s.runId } : {}),
      pid: count(s.pid) ?? 0,
      uptimeS: count(s.uptimeS) ?? 0,
      role: str(s.role, '?'),
    };
  }
  if (isObject(o.counters)) {
    const c = o.counters;
    const counters: Counters = {
      connectionsReceived: count(c.connectionsReceived) ?? 0,
      rejectedConnections: count(c.rejectedConnections) ?? 0,
      clientKillCalls: count(c.clientKillCalls) ?? 0,
    };
    for (const key of ['evictedClients', 'outputBufferKills', 'queryBufferKills', 'errorReplies'] as const) {
      const n = count(c[key]);
      if (n !== undefined) counters[key] = n;
    }
    sample.counters = counters;
  }
  if (isObject(o.gauges) && count(o.gauges.connectedClients) !== undefined) {
    const g = o.gauges;
    const gauges: Gauges = {
      connectedClients: count(g.connectedClients) ?? 0,
      blockedClients: count(g.blockedClients) ?? 0,
      usedMemoryBytes: count(g.usedMemoryBytes) ?? 0,
      maxmemoryBytes: count(g.maxmemoryBytes) ?? 0,
    };
    const maxclients = count(g.maxclients);
    if (maxclients !== undefined) gauges.maxclients = maxclients;
    sample.gauges = gauges;
  }
  return sample;
}

const SEVERITIES = new Set<string>(['critical', 'warning', 'info']);
const CONFIDENCES = new Set<string>(['high', 'medium', 'low']);

function asIncident(o: Record<string, unknown>): Incident | undefined {
  // Histories written before incidents had a kind carry it in `cause`.
  const kind = typeof o.kind === 'string' ? o.kind : o.cause;
  if (typeof o.target !== 'string' || typeof kind !== 'string' || typeof o.message !== 'string')
    return undefined;
  if (typeof o.severity !== 'string' || !SEVERITIES.has(o.severity) || !isTime(o.at)) return undefined;
  const fix: Fix[] = [];
  for (const f of Array.isArray(o.fix) ? o.fix : []) {
    if (!isObject(f) || typeof f.command !== 'string') continue;
    fix.push({
      command: f.command,
      ...(typeof f.note === 'string' ? { note: f.note } : {}),
      ...(typeof f.risk === 'string' ? { risk: f.risk } : {}),
    });
  }
  return {
    id: str(o.id, ''),
    target: o.target,
    // A kind this version does not know is still shown as written, its cause unknown.
    kind: kind as IncidentKind,
    cause: isCause(o.cause) ? o.cause : (CAUSE_OF_INCIDENT[kind as IncidentKind] ?? 'unknown'),
    severity: o.severity as Severity,
    confidence: (typeof o.confidence === 'string' && CONFIDENCES.has(o.confidence)
      ? o.confidence
      : 'low') as Confidence,
    title: str(o.title, kind),
    message: o.message,
    evidence: isObject(o.evidence) ? o.evidence : {},
    fix,
    docs: str(o.docs, ''),
    at: o.at,
    occurrences: Math.max(1, count(o.occurrences) ?? 1),
    firstAt: isTime(o.firstAt) ? o.firstAt : o.at,
    lastAt: isTime(o.lastAt) ? o.lastAt : o.at,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
