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
] as const;

export type Cause = (typeof CAUSES)[number];

export const isCause = (value: unknown): value is Cause =>
  typeof value === 'string' && (CAUSES as readonly string[]).includes(value);
