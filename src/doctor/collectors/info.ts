import { ReplyError } from 'ioredis';
import { type Info, parseInfo } from '../../core/parse-info.js';
import { type Collected, ok } from '../evidence.js';
import type { CollectorContext } from './context.js';

/** INFO everything (7.0+) has every section, including commandstats and errorstats; older servers: INFO all. */
export async function collectInfo({ redis }: CollectorContext): Promise<Collected<Info>> {
  let text: string;
  try {
    text = String(await redis.call('INFO', 'everything'));
  } catch (error) {
    // Only the server's own refusal of the section: a cut or closed connection is the step's failure.
    if (!(error instanceof ReplyError)) throw error;
    text = String(await redis.call('INFO', 'all'));
  }
  return ok(parseInfo(text));
}
