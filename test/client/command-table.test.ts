import { list as commandNames, hasFlag } from '@ioredis/commands';
import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from '../../src/client/backoff.js';
import { blockingTimeoutMs, mayBlock, replaySafety, worstSafety } from '../../src/client/command-table.js';
import { attribute, type DisconnectFacts } from '../../src/client/disconnect-cause.js';

describe('replaySafety: what replaying a command that may have run would do', () => {
  it.each([
    ['get', ['k'], 'read'],
    ['mget', ['a', 'b'], 'read'],
    ['lrange', ['k', '0', '-1'], 'read'],
    ['set', ['k', 'v'], 'idempotent'],
    ['set', ['k', 'v', 'EX', '10'], 'idempotent'],
    ['set', ['k', 'v', 'NX'], 'unsafe'],
    ['set', ['k', 'v', 'xx'], 'unsafe'],
    ['set', ['k', 'v', 'GET'], 'unsafe'],
    ['expire', ['k', '10'], 'idempotent'],
    ['expire', ['k', '10', 'GT'], 'unsafe'],
    ['pexpire', ['k', '10', 'lt'], 'unsafe'],
    ['xadd', ['s', '1-1', 'f', 'v'], 'idempotent'],
    ['xadd', ['s', 'MAXLEN', '100', '*', 'f', 'v'], 'unsafe'],
    ['zadd', ['z', '1', 'a'], 'idempotent'],
    ['zadd', ['z', 'INCR', '1', 'a'], 'unsafe'],
    ['incr', ['n'], 'unsafe'],
    ['rpush', ['l', 'x'], 'unsafe'],
    ['publish', ['c', 'm'], 'unsafe'],
    ['blpop', ['q', '0'], 'unsafe'],
    ['eval', ['return 1', '0'], 'unsafe'],
    ['evalsha_ro', ['abc', '0'], 'read'],
    ['no-such-command', [], 'unsafe'],
  ])('%s %j is %s', (name, args, expected) => {
    expect(replaySafety(name, args)).toBe(expected);
  });

  it('EVAL/FCALL become idempotent only when the application declares them so', () => {
    expect(replaySafety('fcall', ['upsert', '1', 'k'], new Set(['upsert']))).toBe('idempotent');
    expect(replaySafety('fcall', ['counter', '1', 'k'], new Set(['upsert']))).toBe('unsafe');
  });

  it('a unit is as safe to replay as its least safe command', () => {
    expect(worstSafety([])).toBe('read');
    expect(worstSafety(['read', 'idempotent', 'read'])).toBe('idempotent');
    expect(worstSafety(['idempotent', 'unsafe', 'read'])).toBe('unsafe');
  });

  it('reads the blocking timeout from the arguments', () => {
    expect(blockingTimeoutMs('blpop', ['q', '2.5'])).toBe(2500);
    expect(blockingTimeoutMs('blpop', ['q', '0'])).toBe(0);
    expect(blockingTimeoutMs('xread', ['BLOCK', '1500', 'STREAMS', 's', '$'])).toBe(1500);
    expect(blockingTimeoutMs('xread', ['STREAMS', 's', '0'])).toBeUndefined();
    expect(blockingTimeoutMs('get', ['k'])).toBeUndefined();
  });

  it('lets through every command the table flags as blocking, as a string or a Buffer', () => {
    const blocking = commandNames.filter((name) => hasFlag(name, 'blocking'));
    expect(blocking).toContain('blpop');
    for (const name of blocking) {
      expect(mayBlock(name)).toBe(true);
      expect(mayBlock(Buffer.from(name.toUpperCase()))).toBe(true);
    }
    expect(mayBlock('GET')).toBe(false);
    expect(mayBlock(undefined)).toBe(false);
  });
});

describe('fullJitterDelay', () => {
  it('stays between 0 and the exponential cap', () => {
    const backoff = { baseMs: 50, capMs: 500 };
    expect(fullJitterDelay(1, backoff, () => 0.999)).toBe(50);
    expect(fullJitterDelay(3, backoff, () => 0.5)).toBe(100);
    expect(fullJitterDelay(20, backoff, () => 0.999)).toBe(500);
    expect(fullJitterDelay(20, backoff, () => 0)).toBe(0);
  });
});

describe('attribute: the cause of one disconnect', () => {
  const facts = (over: Partial<DisconnectFacts>): DisconnectFacts => ({
    error: undefined,
    killedBy: undefined,
    endpoint: '127.0.0.1:6380',
    quietMs: 10,
    inFlight: [],
    subscribed: false,
    serverTimeoutS: undefined,
    reconnectRefused: false,
    ...over,
  });
  const none = {
    runIdChanged: false,
    roleChanged: false,
    evictedClients: 0,
    outputBufferKills: 0,
    queryBufferKills: 0,
    clientKills: 0,
    rejectedConnections: 0,
  };

  it.each([
    [facts({ killedBy: 'heartbeat' }), undefined, 'half-open', 'high'],
    [
      facts({
        killedBy: 'failover',
        failover: { by: '+switch-master', masterName: 'm', from: 'a:1', to: 'b:2' },
      }),
      undefined,
      'failover',
      'high',
    ],
    // Back on another server: a failover, even though that server's run_id differs.
    [
      facts({ movedTo: '127.0.0.1:6381', error: { code: 'ECONNRESET', message: 'read ECONNRESET' } }),
      { ...none, runIdChanged: true },
      'failover',
      'high',
    ],
    [facts({ serverTimeoutS: 2, quietMs: 2300 }), undefined, 'idle-timeout', 'high'],
    [facts({ subscribed: true }), undefined, 'output-buffer-limit', 'medium'],
    [facts({ inFlight: [{ name: 'lrange', bytes: 20 }] }), undefined, 'output-buffer-limit', 'medium'],
    [
      facts({ error: { code: 'ECONNRESET', message: 'read ECONNRESET' }, quietMs: 3000 }),
      undefined,
      'lb-idle-reset',
      'medium',
    ],
    [
      facts({ error: { code: 'EPIPE', message: 'write EPIPE' }, inFlight: [{ name: 'set', bytes: 3e6 }] }),
      undefined,
      'query-buffer-limit',
      'medium',
    ],
    [facts({ error: { code: 'ETIMEDOUT', message: 'read ETIMEDOUT' } }), undefined, 'half-open', 'medium'],
    [facts({}), undefined, 'unknown', 'low'],
    // A subscriber's EOF while the server went down (kill -9): the refused reconnect decides.
    [facts({ subscribed: true, reconnectRefused: true }), undefined, 'server-restart', 'low'],
    [
      facts({ subscribed: true, reconnectRefused: true }),
      { ...none, runIdChanged: true },
      'server-restart',
      'high',
    ],
    [facts({}), { ...none, runIdChanged: true }, 'server-restart', 'high'],
    [facts({}), { ...none, evictedClients: 1 }, 'client-eviction', 'high'],
    [facts({}), { ...none, outputBufferKills: 1 }, 'output-buffer-limit', 'high'],
    [facts({}), { ...none, clientKills: 1 }, 'client-kill', 'medium'],
    [
      facts({ error: { message: "READONLY You can't write against a read only replica." } }),
      undefined,
      'failover',
      'high',
    ],
  ])('%#: %j → %s', (f, deltas, cause, confidence) => {
    expect(attribute(f, deltas)).toMatchObject({ cause, confidence });
  });
});
