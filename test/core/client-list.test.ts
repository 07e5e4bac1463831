/**
 * CLIENT LIST has one reader (core/parse-client-list.ts walkClientList) and one safety guard
 * (core/client-list-guard.ts) for the doctor and watch alike.
 */
import { describe, expect, it } from 'vitest';
import { clientListRisk } from '../../src/core/client-list-guard.js';
import { bufferLimitsOf, DEFAULT_BUFFER_LIMITS } from '../../src/core/parse-buffer-limits.js';
import { MAX_CLIENT_LINES, walkClientList } from '../../src/core/parse-client-list.js';
import { parseInfo } from '../../src/core/parse-info.js';
import { collectClients, summarizeClientList } from '../../src/doctor/collectors/clients.js';
import type { CollectorContext } from '../../src/doctor/collectors/context.js';
import { ok } from '../../src/doctor/evidence.js';
import { briefClientList } from '../../src/watch/sampling/read-client-list.js';

const line = (id: number) =>
  `id=${id} addr=10.0.0.5:${40000 + id} name=w${id} age=9 idle=1 flags=N omem=0 cmd=get`;

describe('walkClientList', () => {
  it("skips blank lines and the reader's own connection, and parses each other line once", () => {
    const text = `${line(1)}\n\n${line(2)}\r\n  \n${line(23)}\n`;
    const ids: string[] = [];
    expect(walkClientList(text, '2', (f) => ids.push(f.id ?? ''))).toEqual({ total: 2, visited: 2 });
    expect(ids).toEqual(['1', '23']);
    // No own id (or an unknown one): every line counts; "id=2" is not a prefix of "id=23".
    expect(walkClientList(text, undefined, () => undefined).total).toBe(3);
    expect(walkClientList(text, '', () => undefined).total).toBe(3);
  });

  it('counts every line but parses at most MAX_CLIENT_LINES, for the doctor and watch alike', () => {
    const text = Array.from({ length: MAX_CLIENT_LINES + 5 }, (_, i) => line(i + 10)).join('\n');
    let visited = 0;
    expect(walkClientList(text, undefined, () => visited++)).toEqual({
      total: MAX_CLIENT_LINES + 5,
      visited: MAX_CLIENT_LINES,
    });
    const summary = summarizeClientList(text, '10');
    const watched = briefClientList(text, '10', DEFAULT_BUFFER_LIMITS, 1);
    expect([summary.total, summary.summarised]).toEqual([MAX_CLIENT_LINES + 4, MAX_CLIENT_LINES]);
    expect([watched.facts.total, watched.clients.size]).toEqual([MAX_CLIENT_LINES + 4, MAX_CLIENT_LINES]);
  });
});

describe('clientListRisk: CLIENT LIST must not get the asking connection killed', () => {
  it('no normal-class limit (the Redis default): always safe', () => {
    expect(clientListRisk(1_000_000, DEFAULT_BUFFER_LIMITS)).toBeUndefined();
    expect(clientListRisk(1_000_000, bufferLimitsOf(undefined))).toBeUndefined();
  });

  it('a reply expected at half of the normal-class limit or more is skipped', () => {
    const limits = bufferLimitsOf({ 'client-output-buffer-limit': 'normal 1mb 256kb 60' });
    // The soft limit kills first: 256 KB, so 375 clients (~128 KB) is the edge.
    expect(clientListRisk(374, limits)).toBeUndefined();
    expect(clientListRisk(375, limits)).toEqual({
      connected: 375,
      expectedBytes: 375 * 350,
      limitBytes: 256 * 1024,
    });
  });

  it('the doctor skips the step without sending CLIENT LIST', async () => {
    const calls: string[][] = [];
    const redis = {
      call: async (...args: string[]) => {
        calls.push(args);
        return args[1] === 'ID' ? '1' : line(5);
      },
    } as unknown as CollectorContext['redis'];
    const info = ok(parseInfo('connected_clients:1000\r\n'));
    const config = ok({ 'client-output-buffer-limit': 'normal 512kb 0 0' });
    const skipped = await collectClients({ redis } as CollectorContext, info, config);
    expect(skipped).toEqual({
      status: 'unavailable',
      reason:
        'CLIENT LIST for 1000 clients (~341.8kb) could exceed the normal-class output buffer limit (512kb) and get this connection killed',
    });
    expect(calls).toEqual([]);
    const listed = await collectClients({ redis } as CollectorContext, info, ok({}));
    expect(listed).toMatchObject({ status: 'ok', value: { total: 1 } });
  });
});
