/** One server log line, from the legacy format or Valkey's logfmt (log-format logfmt, Valkey 8.1+). */
export interface LogLine {
  pid: number;
  /** M master/primary, S replica, C child (RDB/AOF, or before the role is known), X sentinel. */
  role: string;
  /** Epoch milliseconds in this machine's time zone (Redis writes local time), or undefined. */
  at: number | undefined;
  level: 'debug' | 'verbose' | 'notice' | 'warning';
  message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LEVEL_CHARS: Record<string, LogLine['level']> = {
  '.': 'debug',
  '-': 'verbose',
  '*': 'notice',
  '#': 'warning',
};
const LOGFMT_LEVELS: Record<string, LogLine['level']> = {
  debug: 'debug',
  verbose: 'verbose',
  info: 'verbose',
  notice: 'notice',
  warning: 'warning',
};
const LOGFMT_ROLES: Record<string, string> = { primary: 'M', replica: 'S', 'RDB/AOF': 'C', sentinel: 'X' };

// serverLogRaw: "%d:%c %s %c %s" = pid:role "18 Oct 2024 10:00:00.123" level message
const LEGACY =
  /^(\d+):([A-Z]) (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))? ([.\-*#]) (.*)$/;
const LOGFMT_FIELD = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;

export function parseLogLine(line: string): LogLine | undefined {
  const legacy = LEGACY.exec(line);
  if (legacy) {
    const [, pid, role, day, mon, year, hh, mm, ss, ms, levelChar, message] = legacy;
    const month = MONTHS.indexOf(mon ?? '');
    const at =
      month < 0
        ? undefined
        : new Date(
            Number(year),
            month,
            Number(day),
            Number(hh),
            Number(mm),
            Number(ss),
            Number(ms ?? 0),
          ).getTime();
    return {
      pid: Number(pid),
      role: role ?? '?',
      at,
      level: LEVEL_CHARS[levelChar ?? ''] ?? 'notice',
      message: message ?? '',
    };
  }
  if (line.startsWith('pid=')) return parseLogfmt(line);
  return undefined;
}

function parseLogfmt(line: string): LogLine | undefined {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(LOGFMT_FIELD)) {
    const raw = match[2] ?? '';
    fields[match[1] ?? ''] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  if (fields.pid === undefined || fields.message === undefined) return undefined;
  const at = fields.timestamp ? Date.parse(fields.timestamp) : Number.NaN;
  return {
    pid: Number(fields.pid),
    role: LOGFMT_ROLES[fields.role ?? ''] ?? '?',
    at: Number.isNaN(at) ? undefined : at,
    level: LOGFMT_LEVELS[fields.level ?? ''] ?? 'notice',
    message: fields.message,
  };
}
