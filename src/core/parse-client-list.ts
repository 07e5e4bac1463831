/** One CLIENT LIST line (or the client-info string embedded in a log line), fields as written. */
export type ClientFields = Record<string, string>;

export type ClientClass = 'normal' | 'replica' | 'pubsub' | 'master';

/**
 * Parses `id=1 addr=... name= ... cmd=client|list`. Values never contain spaces except where Redis puts
 * none; unknown fields are kept, so forks with extra fields parse too.
 */
export function parseClientFields(line: string): ClientFields {
  const out: ClientFields = {};
  for (const token of line.trim().split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0) out[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return out;
}

export function parseClientList(text: string): ClientFields[] {
  const out: ClientFields[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() !== '') out.push(parseClientFields(line));
  }
  return out;
}

/**
 * The output-buffer class Redis applies (networking.c getClientType): replicas, pub/sub subscribers,
 * masters; MONITOR clients count as normal.
 */
export function clientClass(fields: ClientFields): ClientClass {
  const flags = fields.flags ?? '';
  if (flags.includes('M')) return 'master';
  if (flags.includes('S') && !flags.includes('O')) return 'replica';
  if (flags.includes('P')) return 'pubsub';
  return 'normal';
}

export const num = (fields: ClientFields, key: string): number => Number(fields[key] ?? 0) || 0;

/** Lines parsed at most from one reply: a server with 100,000 clients must not make us slow or hungry. */
export const MAX_CLIENT_LINES = 50_000;

/**
 * Walks a CLIENT LIST reply line by line, never splitting it whole: blank lines and the reader's own
 * connection (`ownId`) are passed over, every other line counts in `total`, and the first
 * MAX_CLIENT_LINES of them are parsed and handed to `visit`.
 */
export function walkClientList(
  text: string,
  ownId: string | undefined,
  visit: (fields: ClientFields) => void,
): { total: number; visited: number } {
  const own = ownId ? `id=${ownId} ` : undefined;
  let total = 0;
  let visited = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || (own !== undefined && line.startsWith(own))) continue;
    total++;
    if (visited >= MAX_CLIENT_LINES) continue;
    visited++;
    visit(parseClientFields(line));
  }
  return { total, visited };
}
