/**
 * Why connections dropped: one id per cause across the product (DESIGN.md, "One cause vocabulary").
 * Client events, watch incidents, metric labels and doctor results carry `cause` from this list;
 * doctor rule ids and watch incident kinds stay what they are and each names the cause it is about.
 * Ids are only ever added, never renamed: dashboards and alert rules match on them.
 */
export const CAUSES = [
  'idle-timeout',
  'lb-idle-reset',
  'half-open',
  'server-restart',
  'server-crash',
  'oom-kill',
  'maxclients',
  'output-buffer-limit',
  'query-buffer-limit',
  'client-eviction',
  'client-kill',
  'failover',
  'network',
  'unknown',
  // Words of a client that mean something other than a dropped connection (lifeline explain):
  /** A TLS handshake or certificate failed: the connection never carried a command. */
  'tls',
  /** The app misused its client: a connection shared across fork() or threads, a blocked event loop. */
  'app-misuse',
  /** A defect of the client library itself, fixed in a named version. */
  'client-bug',
] as const;

export type Cause = (typeof CAUSES)[number];

export const isCause = (value: unknown): value is Cause =>
  typeof value === 'string' && (CAUSES as readonly string[]).includes(value);

/**
 * Causes the server's own evidence shows (counters, config, log): a check there that finds nothing
 * rules them out. The others happen on the path or in the client, invisible from the server.
 */
export const SERVER_SIDE_CAUSES: readonly Cause[] = [
  'idle-timeout',
  'server-restart',
  'server-crash',
  'oom-kill',
  'maxclients',
  'output-buffer-limit',
  'query-buffer-limit',
  'client-eviction',
  'client-kill',
];
