import { describe, expect, it } from 'vitest';
import { mayReplyUnbounded, replyUnbounded } from '../../src/core/command-facts.js';
import { crashed } from '../../src/core/log/run-end.js';
import { parseInfo } from '../../src/core/parse-info.js';
import { protectedModeRefuses } from '../../src/core/protected-mode.js';
import { killsDelta, serverKillCounts } from '../../src/core/server-kills.js';
import { reapedByTimeout } from '../../src/core/timeout-reaping.js';

describe('Redis facts with one home in core', () => {
  it('kill counters: read by their INFO names, absent when the server lacks one, summed by the run rules', () => {
    const info = parseInfo('evicted_clients:3\r\nclient_output_buffer_limit_disconnections:2\r\n');
    expect(serverKillCounts(info)).toEqual({ evictedClients: 3, outputBufferKills: 2 });
    const before = { evictedClients: 1, outputBufferKills: 2, queryBufferKills: 5 };
    const now = { evictedClients: 3, outputBufferKills: 4, queryBufferKills: 1 };
    // The query-buffer counter went down in the same run (CONFIG RESETSTAT): all of it is new.
    expect(killsDelta(before, now, 'same')).toBe(2 + 2 + 1);
    expect(killsDelta(before, now, 'replaced')).toBe(0);
  });

  it('timeout reaps every client but replicas, MONITOR, masters, blocked clients and subscribers', () => {
    expect(reapedByTimeout({ flags: 'N' })).toBe(true);
    expect(reapedByTimeout({ flags: 'x' })).toBe(true);
    for (const flags of ['S', 'O', 'M', 'b', 'P']) expect(reapedByTimeout({ flags })).toBe(false);
  });

  it('a range read is unbounded only over the whole range; by name only, any range read may be', () => {
    expect(replyUnbounded('LRANGE', ['k', '0', '-1'])).toBe(true);
    expect(replyUnbounded('lrange', ['k', '0', '9'])).toBe(false);
    expect(replyUnbounded('ZRANGE', ['k', '0', '-1', 'WITHSCORES'])).toBe(true);
    expect(replyUnbounded('XRANGE', ['k', '-', '+'])).toBe(true);
    expect(replyUnbounded('XRANGE', ['k', '-', '+', 'COUNT', '10'])).toBe(false);
    expect(replyUnbounded('HGETALL', ['k'])).toBe(true);
    expect(replyUnbounded('GET', ['k'])).toBe(false);
    expect(mayReplyUnbounded('LRANGE')).toBe(true);
  });

  it('protected mode refuses outside peers only without a password and with a reachable bind', () => {
    const redis7 = { product: 'redis', version: '7.2.4' };
    const on = { 'protected-mode': 'yes', requirepass: '', bind: '* -::*' };
    expect(protectedModeRefuses(on, redis7)).toBe(true);
    expect(protectedModeRefuses({ ...on, bind: '127.0.0.1 -::1' }, redis7)).toBe(false);
    expect(protectedModeRefuses({ ...on, requirepass: 'secret' }, redis7)).toBe(false);
    // Before 7.0 a configured bind address turned it off.
    expect(protectedModeRefuses(on, { product: 'redis', version: '6.2.14' })).toBe(false);
    expect(protectedModeRefuses({ ...on, bind: '' }, { product: 'redis', version: '6.2.14' })).toBe(true);
    expect(protectedModeRefuses(undefined, redis7)).toBe(false);
  });

  it('a run that did not exit cleanly crashed', () => {
    expect(crashed('clean')).toBe(false);
    for (const end of ['crash-report', 'killed', 'shutdown-unfinished'] as const)
      expect(crashed(end)).toBe(true);
  });
});
