/**
 * lifeline explain: the words (socket events, clients, templates), the server's answer re-ordering the
 * causes, and the CLI end to end against throwaway servers where each cause was just reproduced.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/core/causes.js';
import { CAUSE_CHECKS } from '../../src/explain/cause-checks.js';
import { clientOf } from '../../src/explain/client-signature.js';
import { explainText } from '../../src/explain/explain-text.js';
import { explainWithReport } from '../../src/explain/explain-with-doctor.js';
import { templateOf, templatePattern } from '../../src/explain/message-template.js';
import { socketEventOf } from '../../src/explain/socket-event.js';
import { expectOneLineError, runCli } from '../support/run-cli.js';
import { callOnce, waitFor, withRedis } from '../support/with-redis.js';

describe('the words', () => {
  it.each([
    ['Error: read ECONNRESET', 'reset'],
    ['Redis::ConnectionError: Connection lost (ECONNRESET)', 'reset'],
    ['redis.exceptions.ConnectionError: Error 32 while writing to socket. Broken pipe.', 'reset'],
    ['SocketClosedUnexpectedlyError: Socket closed unexpectedly', 'eof'],
    ['redis.exceptions.ConnectionError: Connection closed by server.', 'eof'],
    ['Error: connect ECONNREFUSED 10.0.0.5:6379', 'refused'],
    ['redis.exceptions.TimeoutError: Timeout reading from socket', 'timeout'],
    ['Error: Connection is closed.', 'closed'],
    ["ReplyError: READONLY You can't write against a read only replica.", 'server-error'],
    ['SimpleError: ERR max number of clients reached', 'server-error'],
    ['Error: getaddrinfo ENOTFOUND redis.internal', 'unreachable'],
    ['Error: self-signed certificate in certificate chain', 'tls'],
    ['redis.exceptions.InvalidResponse: Protocol Error: b"1", b"2"', 'protocol'],
    ['the weather is nice', undefined],
  ])('%s → %s', (text, event) => {
    expect(socketEventOf(text)).toBe(event);
  });

  it('names a client by its own words only, never by errno words they share', () => {
    expect(clientOf('redis.exceptions.ConnectionError: x')).toEqual({
      client: 'redis-py',
      language: 'python',
    });
    expect(
      clientOf('Redis::CannotConnectError: Error connecting to Redis on h:1 (Errno::ECONNREFUSED)').client,
    ).toBe('redis-rb');
    expect(
      clientOf('PHP Fatal error: Uncaught RedisException: read error on connection to h:6379').client,
    ).toBe('phpredis');
    expect(clientOf('[ioredis] Unhandled error event: Error: read ECONNRESET').client).toBe('ioredis');
    // Either JavaScript client writes Node's socket errors; ioredis's path inside a stack is not redis-rb's lib/redis/.
    expect(clientOf('Error: read ECONNRESET')).toEqual({ language: 'javascript' });
    expect(
      clientOf('at close (/app/node_modules/ioredis/lib/redis/event_handler.js:1:1) Connection is closed.')
        .client,
    ).toBe('ioredis');
    expect(clientOf('Connection reset by peer')).toEqual({});
  });

  it('templates hide addresses, and find the words inside a longer line with any address', () => {
    const template = templateOf('Error 111 connecting to 127.0.0.1:40211. Connection refused.');
    expect(template).toBe('Error 111 connecting to <host>:<port>. Connection refused.');
    expect(
      templatePattern(template).test(
        'ERROR app: Error 111 connecting to redis.prod:6379. Connection refused.',
      ),
    ).toBe(true);
    expect(
      templatePattern(template).test('Error 113 connecting to redis.prod:6379. Connection refused.'),
    ).toBe(false);
    expect(templateOf('read error on connection to [::1]:6379 and localhost:7000')).toBe(
      'read error on connection to <host>:<port> and <host>:<port>',
    );
  });

  it('every cause has its one check, and likelihoods are a distribution, most likely first', () => {
    for (const cause of CAUSES) expect(CAUSE_CHECKS[cause], cause).toBeTruthy();
    for (const text of [
      'Error: read ECONNRESET',
      'Socket closed unexpectedly',
      'Error: connect ETIMEDOUT',
      'Error: Connection is closed.',
    ]) {
      const { causes } = explainText(text);
      const sum = causes.reduce((a, c) => a + c.likelihood, 0);
      expect(sum, text).toBeGreaterThan(0.97);
      expect(sum, text).toBeLessThan(1.03);
      expect(causes.map((c) => c.likelihood)).toEqual(
        [...causes.map((c) => c.likelihood)].sort((a, b) => b - a),
      );
    }
  });

  it('a known client defect is listed with the version past it', () => {
    const e = explainText('Redis::ConnectionError (EOFError)');
    expect(e.client).toBe('redis-rb');
    const bug = e.causes.find((c) => c.cause === 'client-bug');
    expect(bug?.basis).toMatch(/redis-client to 0\.13\.0\+.*redis-rb\/issues\/1180/);
  });

  it('bounded: a megabyte of garbage is read in bounded time and recognised as nothing', () => {
    const garbage = Buffer.alloc(1 << 20, 0xfe).toString('latin1');
    const started = performance.now();
    const e = explainText(garbage);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e).toMatchObject({ recognised: false, client: null, socketEvent: null, causes: [] });
  });
});

describe("the server's answer re-orders the causes", () => {
  const words = explainText('SocketClosedUnexpectedlyError: Socket closed unexpectedly');
  const result = (
    ruleId: string,
    cause: (typeof CAUSES)[number],
    status: 'finding' | 'pass',
    message = '',
  ) => ({
    ruleId,
    cause,
    status,
    message,
    ...(status === 'finding' ? { severity: 'warning' as const } : {}),
  });

  it('found first (the doctor’s most likely at the top), then not checked, then ruled out', () => {
    const answered = explainWithReport(words, {
      mostLikelyCause: {
        ruleId: 'client-kills-observed',
        cause: 'client-kill',
        title: 't',
        confidence: 'medium',
      },
      results: [
        result('server-restarted', 'server-restart', 'pass'),
        result('idle-timeout-reaping', 'idle-timeout', 'finding', 'timeout is 300'),
        result('client-kills-observed', 'client-kill', 'finding', 'CLIENT KILL was called 1 time'),
      ],
    });
    expect(answered.causes.slice(0, 2).map((c) => [c.cause, c.status])).toEqual([
      ['client-kill', 'found'],
      ['idle-timeout', 'found'],
    ]);
    expect(answered.causes.at(-1)).toMatchObject({ cause: 'server-restart', status: 'ruled-out' });
    expect(answered.answer).toMatchObject({
      cause: 'client-kill',
      ruleId: 'client-kills-observed',
      otherwise: null,
    });
  });

  it('nothing found: no answer; a doctor finding the words do not mean is told apart', () => {
    const answered = explainWithReport(explainText('Error: connect ECONNREFUSED 1.2.3.4:6379'), {
      mostLikelyCause: {
        ruleId: 'output-buffer-kills',
        cause: 'output-buffer-limit',
        title: 'kills',
        confidence: 'high',
      },
      results: [result('output-buffer-kills', 'output-buffer-limit', 'finding')],
    });
    expect(answered.answer).toMatchObject({ cause: null, otherwise: { cause: 'output-buffer-limit' } });
  });
});

/** A raw connection the server will close, and the words node-redis says when it does. */
const NODE_REDIS_CLOSED = 'SocketClosedUnexpectedlyError: Socket closed unexpectedly';

describe('lifeline explain (CLI)', () => {
  it('without a URL: the causes with their checks, exit 0; --json is the contract', async () => {
    const text = await runCli(['explain', NODE_REDIS_CLOSED], { REDIS_URL: '' });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/node-redis's \(javascript\) words/);
    expect(text.stdout).toMatch(/1\. \S+ +\d+%/);
    expect(text.stdout).toMatch(/Give the server URL/);
    const json = await runCli(['explain', NODE_REDIS_CLOSED, '--json'], { REDIS_URL: '' });
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ client: 'node-redis', language: 'javascript', socketEvent: 'eof' });
    for (const c of parsed.causes) {
      expect(CAUSES).toContain(c.cause);
      expect(c.likelihood).toBeGreaterThan(0);
      expect(typeof c.check).toBe('string');
    }
    const md = await runCli(['explain', NODE_REDIS_CLOSED, '--format', 'markdown'], { REDIS_URL: '' });
    expect(md.stdout).toMatch(/^## lifeline explain/);
    expect(md.stdout).toMatch(/\| 1 \| `[a-z-]+` \| \d+% \|/);
  });

  it('reads the text from stdin with "-" (a pasted stack trace)', async () => {
    const trace =
      '[ioredis] Unhandled error event: Error: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)\n';
    const result = await runCli(['explain', '-', '--json'], { REDIS_URL: '' }, 20_000, trace);
    expect(JSON.parse(result.stdout)).toMatchObject({ client: 'ioredis', socketEvent: 'reset' });
  });

  it.each([
    ['CLIENT KILL', 'client-kill', 'client-kills-observed', NODE_REDIS_CLOSED],
    ['a restart', 'server-restart', 'server-restarted', NODE_REDIS_CLOSED],
    ['maxclients', 'maxclients', 'maxclients-reached', 'SimpleError: ERR max number of clients reached'],
  ])(
    'with a URL, after %s: names it first, with the finding',
    async (_, cause, ruleId, words) => {
      await withRedis({}, async (server) => {
        if (cause === 'client-kill') {
          const socket = connect(server.port, '127.0.0.1');
          socket.on('error', () => undefined);
          await new Promise((resolve) => socket.once('connect', resolve));
          socket.write('CLIENT SETNAME victim\r\n');
          await waitFor('the victim named', async () =>
            String(await callOnce(server.port, 'CLIENT', 'LIST')).includes('name=victim'),
          );
          await callOnce(server.port, 'CLIENT', 'KILL', 'SKIPME', 'no', 'TYPE', 'normal');
          socket.destroy();
        }
        if (cause === 'server-restart') await server.restart('shutdown', { downMs: 100 });
        if (cause === 'maxclients') {
          // Lowering maxclients keeps the connections there are: the admin holds the one slot, the next
          // connection is refused with the error reply, then there is room again (the rejection stays counted).
          const { Redis } = await import('ioredis');
          const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
          admin.on('error', () => undefined);
          try {
            await admin.call('CONFIG', 'SET', 'maxclients', '1');
            const refused = await new Promise<string>((resolve) => {
              const s = connect(server.port, '127.0.0.1');
              s.on('data', (d) => resolve(String(d)));
              s.on('error', () => resolve(''));
              s.on('close', () => resolve(''));
            });
            expect(refused).toMatch(/ERR max number of clients reached/);
            await admin.call('CONFIG', 'SET', 'maxclients', '10000');
          } finally {
            admin.disconnect();
          }
        }
        const result = await runCli(['explain', words, server.url, '--json'], {}, 30_000);
        const parsed = JSON.parse(result.stdout);
        expect(parsed.answer).toMatchObject({ cause, ruleId });
        expect(parsed.causes[0]).toMatchObject({ cause, status: 'found' });
        expect(result.code).toBe(1); // a warning or worse was found (--fail-on warning, as the doctor)
      });
    },
    60_000,
  );

  it('with $REDIS_URL and text output: the answer line, passwords never shown', async () => {
    await withRedis({ config: { requirepass: 's3cret-pw' } }, async (server) => {
      await callOnceAuth(server.port, 's3cret-pw', 'CONFIG', 'SET', 'timeout', '300');
      const url = `redis://:s3cret-pw@127.0.0.1:${server.port}`;
      const result = await runCli(['explain', NODE_REDIS_CLOSED], { REDIS_URL: url }, 30_000);
      expect(result.stdout).toMatch(/^Answer: idle-timeout/m);
      expect(result.stdout + result.stderr).not.toContain('s3cret-pw');
    });
  }, 40_000);

  it('words it does not know: says so, then the full doctor, exit as the doctor', async () => {
    await withRedis({}, async (server) => {
      const garbage = '\u0000\u0001\u00ff binary garbage \u0002';
      const result = await runCli(['explain', '-', server.url, '--fail-on', 'none'], {}, 30_000, garbage);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/not a Redis client error it knows; the full doctor follows/);
      expect(result.stdout).toMatch(/redis-server|Redis 7|127\.0\.0\.1/);
    });
  }, 40_000);

  it.each([
    ['empty text', ['explain', '  '], /explain needs the error text: it was empty/],
    ['a malformed URL', ['explain', 'read ECONNRESET', 'redis://[nope'], /URL/i],
    ['an unreachable server', ['explain', 'read ECONNRESET', 'redis://127.0.0.1:1'], /127\.0\.0\.1:1/],
  ])('bad input, %s: one line, exit 2', async (_, args, message) => {
    expectOneLineError(await runCli(args, { REDIS_URL: '' }, 20_000), message);
  });
});

async function callOnceAuth(port: number, password: string, ...args: string[]) {
  const { Redis } = await import('ioredis');
  const redis = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}
