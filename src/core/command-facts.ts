/**
 * What Redis commands are like, where both the client (attributing a drop) and the doctor (reading
 * the server's evidence) need to know it: one list, so that the two cannot drift apart.
 */

/**
 * Range reads: their reply is bounded by their arguments, unless these ask for the whole range
 * (`LRANGE key 0 -1`, `XRANGE key - +`), which is as big as the collection.
 */
const RANGE_READS: ReadonlySet<string> = new Set(['lrange', 'zrange', 'zrevrange', 'xrange', 'xrevrange']);

/**
 * Commands whose reply can be unbounded (lower case): a whole keyspace, a whole big collection, the
 * values of many keys. Such a reply can exceed an output-buffer limit however fast it is read (the
 * server then closes the connection, and a client that resends it loops), and it blocks the server
 * while it is built. Not SCAN: each call returns one COUNT-sized batch, which is its whole point.
 */
export const UNBOUNDED_REPLIES: ReadonlySet<string> = new Set([
  'keys',
  'smembers',
  'hgetall',
  'hkeys',
  'hvals',
  'sunion',
  'sinter',
  'sdiff',
  'mget',
  ...RANGE_READS,
]);

/**
 * The command (a name, any case) can have an unbounded reply (see UNBOUNDED_REPLIES). By name only, so
 * every range read counts: for where the arguments are unknown (the client's commands in flight).
 * With the arguments, replyUnbounded tells `LRANGE key 0 -1` from `LRANGE key 0 9`.
 */
export const mayReplyUnbounded = (name: string): boolean => UNBOUNDED_REPLIES.has(name.toLowerCase());

/** The command (a name, any case) reads a range: its reply is unbounded only for the whole range. */
export const isRangeRead = (name: string): boolean => RANGE_READS.has(name.toLowerCase());

const STREAM_ENDS = new Set(['-', '+']);

/**
 * A call whose reply has no bound: an unbounded command that reads no range, or a range read over the
 * whole range (`LRANGE key 0 -1`, `ZRANGE key 0 -1 WITHSCORES`, `XRANGE key - +` without COUNT).
 * `args` follow the name, key first.
 */
export function replyUnbounded(name: string, args: readonly string[]): boolean {
  if (!mayReplyUnbounded(name)) return false;
  if (!isRangeRead(name)) return true;
  const [, start = '', stop = '', ...rest] = args;
  if (name.toLowerCase().startsWith('x'))
    return STREAM_ENDS.has(start) && STREAM_ENDS.has(stop) && rest.length === 0;
  return start === '0' && stop === '-1' && rest.every((a) => /^(WITHSCORES|REV)$/i.test(a));
}
