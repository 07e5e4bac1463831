import { parseConfigReply } from '../../core/parse-config.js';
import { redactConfig } from '../../core/redact.js';
import { type Collected, ok } from '../evidence.js';
import type { CollectorContext } from './context.js';

/** The parameters the rules read; secrets among them are redacted before they enter the evidence. */
export const CONFIG_PARAMETERS = [
  'timeout',
  'tcp-keepalive',
  'tcp-backlog',
  'maxclients',
  'client-output-buffer-limit',
  'client-query-buffer-limit',
  'proto-max-bulk-len',
  'maxmemory',
  'maxmemory-policy',
  'maxmemory-clients',
  'protected-mode',
  'requirepass',
  'repl-timeout',
  'repl-backlog-size',
  'logfile',
  'dir',
  'loglevel',
  'bind',
  'port',
  'save',
  'appendonly',
  'latency-monitor-threshold',
  'slowlog-log-slower-than',
  'hide-user-data-from-log',
  'max-new-connections-per-cycle',
];

export async function collectConfig({ redis }: CollectorContext): Promise<Collected<Record<string, string>>> {
  let reply: unknown[];
  try {
    // Several patterns in one CONFIG GET needs 7.0; older servers get one call per parameter.
    reply = (await redis.call('CONFIG', 'GET', ...CONFIG_PARAMETERS)) as unknown[];
  } catch (error) {
    if (!/wrong number of arguments/i.test((error as Error).message)) throw error;
    reply = [];
    for (const name of CONFIG_PARAMETERS)
      reply.push(...((await redis.call('CONFIG', 'GET', name)) as unknown[]));
  }
  return ok(redactConfig(parseConfigReply(reply)));
}
