import { isRangeRead } from '../../core/command-facts.js';
import { type Collected, ok, type SlowlogEntry } from '../evidence.js';
import type { CollectorContext } from './context.js';

export const SLOWLOG_ENTRIES = 32;

export async function collectSlowlog({ redis }: CollectorContext): Promise<Collected<SlowlogEntry[]>> {
  const reply = (await redis.call('SLOWLOG', 'GET', String(SLOWLOG_ENTRIES))) as unknown[][];
  return ok(
    reply.map((entry) => ({
      id: Number(entry[0]),
      at: Number(entry[1]) * 1000,
      durationUs: Number(entry[2]),
      // Only the command name and the shape of its arguments: values may be user data.
      command: describeArgs(entry[3] as unknown[]),
      client: String(entry[4] ?? ''),
    })),
  );
}

function describeArgs(args: unknown[]): string {
  const name = String(args[0] ?? '').toUpperCase();
  // Range bounds and modifiers tell whether a read was bounded; anything else may be user data.
  if (isRangeRead(name)) {
    const shape = args.slice(2).map((a) => {
      const text = String(a);
      return /^([-+]|\(?-?\d+(\.\d+)?|COUNT|LIMIT|BYSCORE|BYLEX|REV|WITHSCORES)$/i.test(text) ? text : '…';
    });
    return `${name} key ${shape.join(' ')}`;
  }
  return args.length > 1 ? `${name} (${args.length - 1} args)` : name;
}
