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

/** The command (a name, any case) can have an unbounded reply (see UNBOUNDED_REPLIES). */
export const mayReplyUnbounded = (name: string): boolean => UNBOUNDED_REPLIES.has(name.toLowerCase());

/** The command (a name, any case) reads a range: its reply is unbounded only for the whole range. */
export const isRangeRead = (name: string): boolean => RANGE_READS.has(name.toLowerCase());
