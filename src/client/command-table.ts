import { exists, hasFlag } from '@ioredis/commands';

/**
 * What replaying a command that may already have run would do:
 * - 'read': nothing (it changes no data), replay freely;
 * - 'idempotent': the data ends the same (the reply of the replay may differ, e.g. a count of 0);
 * - 'unsafe': it may apply twice or answer wrongly (INCR, RPUSH, SET NX, EVAL...), never replay blindly.
 */
export type ReplaySafety = 'read' | 'idempotent' | 'unsafe';

/** Writes whose repetition leaves the same data behind, unless a conditional argument changes that. */
const IDEMPOTENT_WRITES = new Set([
  'set',
  'setex',
  'psetex',
  'mset',
  'del',
  'unlink',
  'hset',
  'hmset',
  'hdel',
  'sadd',
  'srem',
  'zadd',
  'zrem',
  'expire',
  'pexpire',
  'expireat',
  'pexpireat',
  'persist',
  'xadd',
  'xack',
  'xdel',
  'select',
  'ping',
  'echo',
  'client',
  'hello',
  'auth',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);

const upper = (args: readonly unknown[]) => args.map((a) => String(a).toUpperCase());

/**
 * Argument-sensitive classification. `declaredSafe` lists scripts or functions the application
 * vouches for (EVAL/EVALSHA/FCALL are unsafe otherwise).
 */
export function replaySafety(
  name: string,
  args: readonly unknown[] = [],
  declaredSafe: ReadonlySet<string> = new Set(),
): ReplaySafety {
  const command = name.toLowerCase();
  const words = upper(args);
  switch (command) {
    case 'set':
      // SET ... GET returns the old value (the replay would return the new one); NX/XX answer wrongly.
      return words.some((w) => w === 'GET' || w === 'NX' || w === 'XX') ? 'unsafe' : 'idempotent';
    case 'expire':
    case 'pexpire':
    case 'expireat':
    case 'pexpireat':
      return words.slice(2).some((w) => ['NX', 'XX', 'GT', 'LT'].includes(w)) ? 'unsafe' : 'idempotent';
    case 'zadd':
      return words.some((w) => ['INCR', 'NX', 'XX', 'GT', 'LT'].includes(w)) ? 'unsafe' : 'idempotent';
    case 'xadd': {
      // XADD key [NOMKSTREAM] [MAXLEN|MINID ...] <* | id> field value ...: only an explicit id is safe.
      return words.includes('*') ? 'unsafe' : 'idempotent';
    }
    case 'eval':
    case 'evalsha':
    case 'eval_ro':
    case 'evalsha_ro':
    case 'fcall':
    case 'fcall_ro': {
      if (command.endsWith('_ro')) return 'read';
      const script = String(args[0] ?? '');
      return declaredSafe.has(script) ? 'idempotent' : 'unsafe';
    }
    case 'client':
      return words[0] === 'KILL' || words[0] === 'PAUSE' ? 'unsafe' : 'idempotent';
  }
  if (IDEMPOTENT_WRITES.has(command)) return 'idempotent';
  if (exists(command) && hasFlag(command, 'readonly') && !hasFlag(command, 'write')) return 'read';
  // Unknown or any other write (INCR, LPUSH, RPOPLPUSH, PUBLISH, GETDEL, BLPOP, MULTI/EXEC...): unsafe.
  return 'unsafe';
}

const RANK: Record<ReplaySafety, number> = { read: 0, idempotent: 1, unsafe: 2 };

/**
 * The least safe of several commands that stand or fall together (a pipeline, a MULTI/EXEC
 * transaction): it decides for them all (a transaction with one INCR is unsafe as a whole).
 */
export const worstSafety = (all: readonly ReplaySafety[]): ReplaySafety =>
  all.reduce<ReplaySafety>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'read');

const [B, X, W] = [0x62, 0x78, 0x77];

/**
 * Only B*, X* and W* commands can block (BLPOP, XREAD BLOCK, WAIT...): a test cheap enough to run per
 * command before `blockingTimeoutMs`'s table lookup. `name` as a client holds it: string or Buffer.
 */
export function mayBlock(name: unknown): boolean {
  const code = typeof name === 'string' ? name.charCodeAt(0) : Buffer.isBuffer(name) ? name[0] : 0;
  const first = (code ?? 0) | 0x20;
  return first === B || first === X || first === W;
}

/** A blocking command's own timeout (see blockingTimeoutMs); cheap for every other command. */
export const blockingMsOf = (name: unknown, args: readonly unknown[]): number | undefined =>
  mayBlock(name) ? blockingTimeoutMs(String(name), args) : undefined;

/** Blocking commands and their own server-side timeout (ms; 0 = block forever), from their arguments. */
export function blockingTimeoutMs(name: string, args: readonly unknown[]): number | undefined {
  const command = name.toLowerCase();
  if (!exists(command) || !hasFlag(command, 'blocking')) {
    return undefined;
  }
  const words = upper(args);
  if (command === 'xread' || command === 'xreadgroup') {
    const i = words.indexOf('BLOCK');
    return i >= 0 ? Number(args[i + 1]) || 0 : undefined;
  }
  if (command === 'wait' || command === 'waitaof') return Number(args.at(-1)) || 0;
  // BLPOP/BRPOP/BZPOPMIN/BLMOVE...: the timeout (seconds, may be fractional) is the last argument;
  // BLMPOP/BZMPOP put it first.
  const seconds = command === 'blmpop' || command === 'bzmpop' ? Number(args[0]) : Number(args.at(-1));
  return Number.isFinite(seconds) ? seconds * 1000 : 0;
}
