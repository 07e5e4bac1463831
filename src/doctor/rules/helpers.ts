import type { LogEventKind } from '../../core/log/classify-log-event.js';
import type { LogEvent } from '../../core/log/summarize-log.js';
import { type BufferLimits, bufferLimitsOf } from '../../core/parse-buffer-limits.js';
import type { ClientFields } from '../../core/parse-client-list.js';
import { infoNumber } from '../../core/parse-info.js';
import { DOCTOR_CONNECTION_NAME } from '../connect.js';
import type { Evidence, TargetIdentity } from '../evidence.js';
import type { Fix } from '../report/types.js';
import type { AdviceFacts } from './define-rule.js';

/** Where a redis-cli line goes: the target's identity, nothing read from the server. */
export type CliTarget = Pick<TargetIdentity, 'host' | 'port' | 'tls' | 'username' | 'hasAuth'>;

/** A redis-cli command line for this target; it asks for the password rather than printing one. */
export function redisCli(t: CliTarget, ...args: string[]): string {
  const parts = ['redis-cli', '-h', t.host, '-p', String(t.port)];
  if (t.tls) parts.push('--tls');
  if (t.username) parts.push('--user', t.username);
  if (t.hasAuth) parts.push('--askpass');
  for (const arg of args)
    parts.push(/[\s"'|&;$]/.test(arg) || arg === '' ? `'${arg.replace(/'/g, `'\\''`)}'` : arg);
  return parts.join(' ');
}

/** A CONFIG SET fix, followed by the CONFIG REWRITE that makes it survive a restart. */
export function configSetFix(
  target: CliTarget,
  name: string,
  value: string,
  note?: string,
  risk?: string,
): Fix[] {
  const set: Fix = { command: redisCli(target, 'CONFIG', 'SET', name, value) };
  if (note) set.note = note;
  if (risk) set.risk = risk;
  return [
    set,
    {
      command: redisCli(target, 'CONFIG', 'REWRITE'),
      note: 'persists the change to redis.conf (or edit the file / your managed-service parameter group)',
    },
  ];
}

/** Several CONFIG SET fixes on one server, then the one CONFIG REWRITE that persists them all. */
export function configSetFixes(
  target: CliTarget,
  settings: { name: string; value: string; note?: string; risk?: string }[],
): Fix[] {
  return settings.flatMap((s, i) =>
    configSetFix(target, s.name, s.value, s.note, s.risk).slice(0, i === settings.length - 1 ? 2 : 1),
  );
}

export const info = (e: Evidence, key: string): number | undefined =>
  e.info.status === 'ok' ? infoNumber(e.info.value, key) : undefined;

export const config = (e: Evidence, key: string): string | undefined =>
  e.config.status === 'ok' ? e.config.value[key] : undefined;

export const configNumber = (e: Evidence, key: string): number | undefined => settingNumber(config(e, key));

/** A CONFIG value as a number; undefined when it is missing or not a number. */
export const settingNumber = (value: string | undefined): number | undefined =>
  value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value);

/** Output-buffer limits from CONFIG, or Redis's defaults when CONFIG is not available. */
export const bufferLimits = (e: Evidence): { limits: BufferLimits; fromConfig: boolean } =>
  bufferLimitsIn(e.config.status === 'ok' ? e.config.value : undefined);

/** bufferLimits from CONFIG values (undefined: CONFIG could not be read). */
export function bufferLimitsIn(config: AdviceFacts['config']): { limits: BufferLimits; fromConfig: boolean } {
  return { limits: bufferLimitsOf(config), fromConfig: Boolean(config?.['client-output-buffer-limit']) };
}

/** A log event of the doctor's own connection: a tiny limit may have cut the doctor off, not the app. */
export const isDoctorConnection = (ev: LogEvent): boolean => ev.client?.name === DOCTOR_CONNECTION_NAME;

/** The facts a rule's advice is computed from, as the doctor collected them. */
export function adviceFacts(e: Evidence): AdviceFacts {
  return {
    target: e.target,
    ...(e.info.status === 'ok' ? { info: e.info.value } : {}),
    ...(e.config.status === 'ok' ? { config: e.config.value } : {}),
    ...(e.log.status === 'ok'
      ? {
          log: {
            events: e.log.value.events.filter((ev) => !isDoctorConnection(ev)),
            counts: e.log.value.counts,
          },
        }
      : {}),
    ...(e.clients.status === 'ok' ? { clients: e.clients.value.topOutputBuffers } : {}),
  };
}

/** "now" as the server sees it (INFO server_time_usec), so rules stay free of the local clock. */
export const serverNow = (e: Evidence): number | undefined => {
  const usec = info(e, 'server_time_usec');
  return usec === undefined ? undefined : usec / 1000;
};

/** The fields of a victim's client-info worth showing; never query-buffer contents. */
export function describeClient(fields: ClientFields | undefined): Record<string, string> {
  if (!fields) return {};
  const keep = [
    'id',
    'addr',
    'name',
    'lib-name',
    'lib-ver',
    'flags',
    'cmd',
    'omem',
    'qbuf',
    'tot-mem',
    'age',
    'idle',
  ];
  const out: Record<string, string> = {};
  for (const key of keep)
    if (fields[key] !== undefined && fields[key] !== '') out[key] = fields[key] as string;
  return out;
}

/** "name=worker lib-name=ioredis addr=10.0.0.5:51234": who it was, in one short phrase. */
export function whoIs(fields: Record<string, string>): string {
  const parts = [];
  // Valkey 8 hides names in log lines by default (hide-user-data-from-log yes): say so, don't guess.
  if (fields.name === '*redacted*') parts.push('name hidden by hide-user-data-from-log');
  else if (fields.name) parts.push(`name=${fields.name}`);
  if (fields['lib-name']) parts.push(`lib-name=${fields['lib-name']}`);
  if (fields.addr) parts.push(`addr=${fields.addr}`);
  if (fields.cmd) parts.push(`cmd=${fields.cmd}`);
  return parts.join(' ');
}

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

export const isoTime = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** Log events of one kind (the most recent ones kept by the summary) and how many the tail held. */
export function logEvents(e: Evidence, kind: LogEventKind): { events: LogEvent[]; count: number } {
  if (e.log.status !== 'ok') return { events: [], count: 0 };
  return {
    events: e.log.value.events.filter((ev) => ev.kind === kind),
    count: e.log.value.counts[kind] ?? 0,
  };
}

/** Who was closed, most recent last: client fields plus the time of the log line. */
export function recentVictims(events: LogEvent[], n = 5): Record<string, string>[] {
  return events.slice(-n).map((ev) => {
    const out = describeClient(ev.client);
    const at = isoTime(ev.at);
    if (at) out.at = at;
    return out;
  });
}
