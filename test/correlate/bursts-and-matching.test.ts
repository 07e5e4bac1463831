import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Burst, groupBursts } from '../../src/correlate/bursts.js';
import { ErrorStore } from '../../src/correlate/error-store.js';
import { matchBursts } from '../../src/correlate/match-bursts.js';
import { Recognizer } from '../../src/correlate/recognise-error.js';
import { scanAppLog } from '../../src/correlate/scan-app-log.js';
import type { Coverage, ServerEvent } from '../../src/correlate/server-events.js';
import { timeZone } from '../../src/correlate/time-zone.js';

const UTC = timeZone('UTC');
if (!UTC) throw new Error('no UTC');
const T0 = Date.parse('2026-12-07T12:00:00Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-correlate-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scan(name: string, content: string | Buffer, gapMs = 5000) {
  const path = join(dir, name);
  await writeFile(path, content);
  const store = new ErrorStore();
  const result = await scanAppLog(path, {
    zone: UTC as NonNullable<typeof UTC>,
    now: T0,
    store,
    recognizer: new Recognizer(),
    secrets: [],
  });
  return { result, bursts: groupBursts(store, gapMs) };
}

describe('finding Redis errors in an app log', () => {
  it('counts one error per record: a stack trace under its line is not another error', async () => {
    const log = [
      `${iso(0)} INFO started`,
      `${iso(1000)} ERROR [ioredis] Unhandled error event: Error: read ECONNRESET`,
      '    at TCP.onStreamRead (node:internal/stream_base_commons:217:20) {',
      "  code: 'ECONNRESET'",
      '}',
      `${iso(1100)} INFO request timeout on /api/orders (upstream http)`,
      `${iso(1200)} ERROR GET failed`,
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      'redis.exceptions.ConnectionError: Error 111 connecting to 10.0.3.7:6379. Connection refused.',
    ].join('\n');
    const { result, bursts } = await scan('trace.log', log);
    expect(result.errors).toBe(2); // the ioredis error, the traceback under "GET failed"; not the HTTP timeout
    expect(bursts).toHaveLength(1);
    expect(bursts[0]?.first).toBe(T0 + 1000);
    expect(bursts[0]?.last).toBe(T0 + 1200);
    expect(bursts[0]?.peers).toEqual(['10.0.3.7:6379']);
    expect(bursts[0]?.clients).toEqual(['ioredis', 'redis-py']);
  });

  it('reads gzip by its magic bytes, and JSON lines with their host', async () => {
    const lines = [0, 100, 200].map((ms, i) =>
      JSON.stringify({
        time: T0 + ms,
        hostname: `web-${i}`,
        msg: 'redis error',
        err: { message: 'read ECONNRESET' },
      }),
    );
    const { result, bursts } = await scan('app.log.1', gzipSync(`${lines.join('\n')}\n`));
    expect(result.errors).toBe(3);
    expect(bursts[0]?.hosts).toEqual(['web-0', 'web-1', 'web-2']);
  });

  it('splits bursts at the gap, and merges files', async () => {
    const log = [0, 500, 900, 10_000, 10_200]
      .map((ms) => `${iso(ms)} ERROR redis: read ECONNRESET`)
      .join('\n');
    const { bursts } = await scan('gap.log', log, 5000);
    expect(bursts.map((b) => b.count)).toEqual([3, 2]);
  });

  it('reads redis-py\'s "Connection not ready" as the server refusing before the first command', async () => {
    const log = `2026-12-07 12:00:00,100 ERROR app: redis connect failed: Connection not ready\n`;
    const { bursts } = await scan('not-ready.log', log);
    expect(bursts[0]?.events).toEqual([{ event: 'server-error', count: 1 }]);
    const [c] = matchBursts(bursts, [], covered, { url: 'redis://x', counters: { rejected_connections: 3 } });
    expect(c?.verdict.cause).toBe('maxclients');
  });

  it('never prints a password from a line', async () => {
    const log = `${iso(0)} ERROR cannot reach redis://app:s3cretpass@10.0.0.5:6379: connect ECONNREFUSED 10.0.0.5:6379 password=hunter22\n`;
    const { bursts } = await scan('secret.log', log);
    const shown = JSON.stringify(bursts);
    expect(shown).not.toContain('s3cretpass');
    expect(shown).not.toContain('hunter22');
  });
});

const burst = (first: number, last: number, text: string, event: string, clients: string[] = []): Burst =>
  ({
    id: 1,
    first,
    last,
    count: 3,
    precisionMs: 1,
    events: [{ event, count: 3 }],
    clients,
    languages: [],
    files: ['app.log'],
    hosts: [],
    peers: [],
    messages: [{ text, event, client: clients[0] ?? null, count: 3, sample: text }],
    causes: [],
  }) as Burst;

let nextId = 1;
const event = (
  at: number,
  cause: ServerEvent['cause'],
  kind: string,
  client?: ServerEvent['client'],
): ServerEvent => ({
  id: nextId++,
  at,
  from: at,
  to: at,
  source: 'log',
  kind,
  cause,
  title: kind,
  ...(client ? { client } : {}),
});
const covered: Coverage[] = [{ source: 'log', what: 'redis.log', from: T0 - 3_600_000, to: T0 + 3_600_000 }];

describe('matching bursts to server events', () => {
  it('takes the latest compatible event just before the burst', () => {
    const kill = event(T0 - 100, 'output-buffer-limit', 'output-buffer-kill');
    const older = event(T0 - 4000, 'server-restart', 'start');
    const [c] = matchBursts(
      [burst(T0, T0 + 50, 'read ECONNRESET', 'reset')],
      [older, kill],
      covered,
      undefined,
    );
    expect(c?.cause?.id).toBe(kill.id);
    expect(c?.ruledOut.map((r) => r.event.id)).toEqual([older.id]);
  });

  it('never matches an event long after the first error, nor one before the window', () => {
    const after = event(T0 + 2000, 'output-buffer-limit', 'output-buffer-kill');
    const before = event(T0 - 6000, 'output-buffer-limit', 'output-buffer-kill');
    const [c] = matchBursts(
      [burst(T0, T0 + 5000, 'read ECONNRESET', 'reset')],
      [after, before],
      covered,
      undefined,
    );
    expect(c?.cause).toBeUndefined();
    expect(c?.during.map((e) => e.id)).toEqual([after.id]);
    expect(c?.verdict.cause).toBe('network');
  });

  it('allows the skew plus the timestamp resolution after the first error', () => {
    const kill = event(T0 + 400, 'client-eviction', 'client-evicted');
    const [c] = matchBursts([burst(T0, T0, 'write ECONNRESET', 'reset')], [kill], covered, undefined);
    expect(c?.cause?.id).toBe(kill.id);
    const seconds = { ...burst(T0, T0, 'write ECONNRESET', 'reset'), precisionMs: 1000 };
    const late = event(T0 + 1400, 'client-eviction', 'client-evicted');
    expect(matchBursts([seconds], [late], covered, undefined)[0]?.cause?.id).toBe(late.id);
  });

  it('rules out events that cannot end in these errors, or closed another client', () => {
    const restart = event(T0 - 500, 'server-restart', 'start');
    const full = matchBursts(
      [burst(T0, T0, 'max number of clients reached', 'server-error')],
      [restart],
      covered,
      {
        url: 'redis://x',
        counters: { rejected_connections: 12 },
      },
    )[0];
    expect(full?.cause).toBeUndefined();
    expect(full?.verdict.cause).toBe('maxclients');
    expect(full?.verdict.evidence.join(' ')).toContain('rejected_connections=12');
    const pyKill = event(T0 - 100, 'output-buffer-limit', 'output-buffer-kill', { libName: 'redis-py' });
    const nodeBurst = matchBursts(
      [burst(T0, T0, 'read ECONNRESET', 'reset', ['ioredis'])],
      [pyKill],
      covered,
      undefined,
    )[0];
    expect(nodeBurst?.cause).toBeUndefined();
    expect(nodeBurst?.ruledOut[0]?.why).toMatch(/redis-py client/);
    const refused = matchBursts(
      [burst(T0, T0, 'connect ECONNREFUSED <host>:<port>', 'refused')],
      [pyKill],
      covered,
      undefined,
    )[0];
    expect(refused?.cause).toBeUndefined();
  });

  it('calls unmatched bursts what they are, and says when the server timeline does not cover them', () => {
    const timeout = matchBursts(
      [burst(T0, T0, 'Command timed out', 'timeout', ['ioredis'])],
      [],
      covered,
      undefined,
    )[0];
    expect(timeout?.verdict.title).toMatch(/client-side timeout/);
    const idle = matchBursts([burst(T0, T0, 'read ECONNRESET', 'reset')], [], covered, {
      url: 'redis://x',
      counters: {},
      idleTimeoutS: 300,
    })[0];
    expect(idle?.verdict.cause).toBe('idle-timeout');
    const outside: Coverage[] = [
      { source: 'log', what: 'redis.log', from: T0 - 7_200_000, to: T0 - 3_600_000 },
    ];
    const unknown = matchBursts([burst(T0, T0, 'read ECONNRESET', 'reset')], [], outside, undefined)[0];
    expect(unknown?.verdict.cause).toBe('unknown');
    expect(unknown?.verdict.evidence.join(' ')).toMatch(/does not cover/);
  });
});
