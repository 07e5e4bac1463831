import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlApi, startControlApi } from '../../src/lab/proxy/control-api.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { TOXICS } from '../../src/lab/toxics/index.js';
import { TOOL_VERSION } from '../../src/version.js';
import { connectError, pingThrough, Wire } from '../support/wire.js';

interface Answer {
  status: number;
  contentType: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
  body: any;
}

describe('control API (Toxiproxy-compatible)', () => {
  let redis: RedisServer;
  let api: ControlApi;
  let upstream: string;

  /** One request, bounded in time; `body` is sent as JSON unless it is already a string. */
  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: text ? JSON.parse(text) : undefined,
    };
  }

  /** Toxiproxy's error body: {"error": "...", "status": N} (we add a stable `code`). */
  function expectError(answer: Answer, status: number, pattern?: RegExp) {
    expect(answer.status).toBe(status);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({
      error: expect.any(String),
      status,
      code: expect.stringMatching(/^ERR_/),
    });
    if (pattern) expect(answer.body.error).toMatch(pattern);
  }

  const portOf = (listen: string) => Number(listen.split(':').pop());

  async function createProxy(name: string, fields: Record<string, unknown> = {}) {
    const answer = await call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, ...fields });
    expect(answer.status).toBe(201);
    return answer.body as {
      name: string;
      listen: string;
      upstream: string;
      enabled: boolean;
      toxics: unknown[];
    };
  }

  beforeAll(async () => {
    [redis, api] = await Promise.all([startRedis(), startControlApi({ port: 0 })]);
    upstream = `127.0.0.1:${redis.port}`;
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  it('listens on loopback on the port it was given (0: a free one)', () => {
    expect(api.host).toBe('127.0.0.1');
    expect(api.port).toBeGreaterThan(0);
    expect(api.port).not.toBe(8474);
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`);
  });

  it('GET /version', async () => {
    const answer = await call('GET', '/version');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ version: TOOL_VERSION });
  });

  it('POST /proxies creates a proxy (201) that shows the real port and passes PING through', async () => {
    const created = await createProxy('create');
    expect(created).toEqual({
      name: 'create',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream,
      enabled: true,
      toxics: [],
    });
    expect(portOf(created.listen)).toBeGreaterThan(0);
    expect(await pingThrough(portOf(created.listen))).toBe(true);

    // listen defaults to a free loopback port, as with port 0
    const defaulted = await call('POST', '/proxies', { name: 'create-default', upstream });
    expect(defaulted.status).toBe(201);
    expect(portOf(defaulted.body.listen)).toBeGreaterThan(0);
    // enabled: false creates it without listening
    const disabled = await call('POST', '/proxies', { name: 'create-disabled', upstream, enabled: false });
    expect(disabled.status).toBe(201);
    expect(disabled.body.enabled).toBe(false);
  });

  it('POST /proxies: 409 when the name exists or the listen port is busy, 400 for bad fields', async () => {
    const first = await createProxy('dup');
    expectError(await call('POST', '/proxies', { name: 'dup', upstream }), 409, /already exists/);
    expectError(
      await call('POST', '/proxies', { name: 'busy', listen: first.listen, upstream }),
      409,
      /cannot listen/,
    );
    expectError(await call('POST', '/proxies', { upstream }), 400, /missing required field: name/);
    expectError(await call('POST', '/proxies', { name: 'x' }), 400, /missing required field: upstream/);
    expectError(await call('POST', '/proxies', '{"name": '), 400, /bad request body/);
    expectError(await call('POST', '/proxies', ''), 400, /bad request body/);
    expectError(await call('POST', '/proxies', [1, 2]), 400, /bad request body/);
    expectError(await call('POST', '/proxies', { name: 7, upstream }), 400, /name must be a string/);
    expectError(await call('POST', '/proxies', { name: 'x', upstream, enabled: 'yes' }), 400, /enabled/);
    expectError(await call('POST', '/proxies', { name: 'x', upstream: '10.0.0.1:6379' }), 400, /loopback/);
    expectError(
      await call('POST', '/proxies', { name: 'x', upstream, listen: '0.0.0.0:0' }),
      400,
      /loopback/,
    );
    expectError(await call('POST', '/proxies', { name: 'x', upstream: 'nonsense' }), 400, /host:port/);
    // none of the failed creations left a proxy behind
    const all = await call('GET', '/proxies');
    expect(Object.keys(all.body)).not.toContain('x');
    expect(Object.keys(all.body)).not.toContain('busy');
  });

  it('two concurrent creations of one name: one 201, one 409', async () => {
    const answers = await Promise.all([
      call('POST', '/proxies', { name: 'race', upstream }),
      call('POST', '/proxies', { name: 'race', upstream }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  it('GET /proxies is an object keyed by name; GET /proxies/{proxy} shows one; 404 for an unknown one', async () => {
    const created = await createProxy('listed');
    const all = await call('GET', '/proxies');
    expect(all.status).toBe(200);
    expect(all.body.listed).toEqual(created);
    for (const [name, proxy] of Object.entries(all.body)) expect(proxy).toMatchObject({ name });
    const one = await call('GET', '/proxies/listed');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(created);
    expectError(await call('GET', '/proxies/nope'), 404, /proxy not found/);
  });

  it('a timeout toxic added via the API makes PING hang; removing it closes the connections it held (no desync), new ones pass', async () => {
    const proxy = await createProxy('timeout');
    const port = portOf(proxy.listen);
    const wire = await Wire.open(port);
    try {
      // bytes pass both ways before the toxic
      wire.send('PING\r\n');
      expect(await wire.waitFor((d) => d === '+PONG\r\n', 2_000)).toBe(true);

      const added = await call('POST', '/proxies/timeout/toxics', { type: 'timeout' });
      expect(added.status).toBe(200); // Toxiproxy answers 200 here, not 201
      expect(added.body).toEqual({
        name: 'timeout_downstream',
        type: 'timeout',
        stream: 'downstream',
        toxicity: 1,
        attributes: { timeout: 0 },
      });

      wire.send('PING\r\n');
      expect(await wire.waitFor((d) => d !== '+PONG\r\n', 400)).toBe(false); // the reply is dropped
      expect(wire.closed).toBe(false); // timeout 0: the connection stays open
      expect(await pingThrough(port, 400)).toBe(false); // new connections hang too

      const listed = await call('GET', '/proxies/timeout/toxics');
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([added.body]);
      expect((await call('GET', '/proxies/timeout')).body.toxics).toEqual([added.body]);

      const removed = await call('DELETE', '/proxies/timeout/toxics/timeout_downstream');
      expect(removed.status).toBe(204);
      expect(removed.body).toBeUndefined();

      // Toxiproxy's TimeoutToxic.Cleanup closes the connection it held: the dropped reply must never
      // reach the client as the answer to its next command (a Redis protocol desync).
      expect(await wire.waitFor(() => wire.closed, 2_000)).toBe(true);
      expect(wire.data).toBe('+PONG\r\n'); // only the reply from before the toxic
      expect(wire.error).toBeUndefined(); // a FIN, not a RST
      expect(await pingThrough(port)).toBe(true); // new connections pass
      expect((await call('GET', '/proxies/timeout/toxics')).body).toEqual([]);
    } finally {
      wire.close();
    }
  });

  it('toxic fields: name, stream, toxicity and attributes; GET and POST (update) one toxic', async () => {
    await createProxy('toxics');
    const added = await call('POST', '/proxies/toxics/toxics', {
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { latency: 20 },
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { latency: 20, jitter: 0 },
    });
    const shown = await call('GET', '/proxies/toxics/toxics/slow');
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(added.body);

    // update changes only toxicity and attributes (merged); name/type/stream in the body are ignored
    const updated = await call('POST', '/proxies/toxics/toxics/slow', {
      name: 'renamed',
      type: 'bandwidth',
      stream: 'downstream',
      toxicity: 1,
      attributes: { jitter: 5 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...added.body, toxicity: 1, attributes: { latency: 20, jitter: 5 } });
    const patched = await call('PATCH', '/proxies/toxics/toxics/slow', { attributes: { latency: 30 } });
    expect(patched.status).toBe(200);
    expect(patched.body.attributes).toEqual({ latency: 30, jitter: 5 });
    expect(patched.body.toxicity).toBe(1);

    // an empty name means the default <type>_<stream>, as in Toxiproxy
    const unnamed = await call('POST', '/proxies/toxics/toxics', {
      name: '',
      type: 'slicer',
      stream: 'upstream',
    });
    expect(unnamed.body.name).toBe('slicer_upstream');
    // our own toxics are just more types
    const middlebox = await call('POST', '/proxies/toxics/toxics', {
      type: 'idle_reset',
      attributes: { timeout: 60_000 },
    });
    expect(middlebox.status).toBe(200);
    expect(middlebox.body).toMatchObject({ name: 'idle_reset_downstream', attributes: { timeout: 60_000 } });

    const list = await call('GET', '/proxies/toxics/toxics');
    expect(list.body.map((t: { name: string }) => t.name)).toEqual([
      'slow',
      'slicer_upstream',
      'idle_reset_downstream',
    ]);
  });

  it('toxic errors: 400 bad fields, 404 unknown proxy or toxic, 409 a name that exists', async () => {
    await createProxy('toxic-errors');
    const base = '/proxies/toxic-errors/toxics';
    expectError(await call('POST', base, { type: 'nope' }), 400, /toxic type/);
    expectError(await call('POST', base, {}), 400, /missing required field: type/);
    expectError(await call('POST', base, { type: 'latency', stream: 'sideways' }), 400, /stream/);
    expectError(await call('POST', base, { type: 'latency', toxicity: 2 }), 400, /toxicity/);
    expectError(await call('POST', base, { type: 'latency', toxicity: '1' }), 400, /toxicity/);
    expectError(await call('POST', base, { type: 'latency', attributes: { latency: 'x' } }), 400, /latency/);
    expectError(await call('POST', base, { type: 'latency', attributes: { latency: -1 } }), 400, /latency/);
    expectError(
      await call('POST', base, { type: 'latency', attributes: { nope: 1 } }),
      400,
      /no attribute "nope"/,
    );
    expectError(await call('POST', base, { type: 'latency', attributes: [1] }), 400, /attributes/);
    expectError(await call('POST', base, '{oops'), 400, /bad request body/);
    expect((await call('POST', base, { type: 'latency' })).status).toBe(200);
    expectError(await call('POST', base, { type: 'latency' }), 409, /already exists/);
    expectError(await call('POST', `${base}/latency_downstream`, { toxicity: -1 }), 400, /toxicity/);
    expectError(await call('POST', `${base}/latency_downstream`, 'nope'), 400, /bad request body/);

    expectError(await call('GET', '/proxies/nope/toxics'), 404, /proxy not found/);
    expectError(await call('POST', '/proxies/nope/toxics', { type: 'latency' }), 404, /proxy not found/);
    expectError(await call('GET', `${base}/nope`), 404, /toxic not found|not found/);
    expectError(await call('POST', `${base}/nope`, { toxicity: 1 }), 404, /not found/);
    expectError(await call('DELETE', `${base}/nope`), 404, /not found/);
    expectError(await call('GET', '/proxies/nope/toxics/latency_downstream'), 404, /proxy not found/);
    // nothing was added by the failed requests
    expect((await call('GET', base)).body.map((t: { name: string }) => t.name)).toEqual([
      'latency_downstream',
    ]);
  });

  it('POST /proxies/{proxy} updates enabled, listen and upstream (PATCH too)', async () => {
    const proxy = await createProxy('update');
    const port = portOf(proxy.listen);

    const down = await call('POST', '/proxies/update', { enabled: false });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ name: 'update', enabled: false, listen: proxy.listen });
    expect(await connectError(port)).toBe('ECONNREFUSED');

    const up = await call('PATCH', '/proxies/update', { enabled: true });
    expect(up.body.enabled).toBe(true);
    expect(await pingThrough(port)).toBe(true);

    const moved = await call('POST', '/proxies/update', { listen: '127.0.0.1:0' });
    expect(moved.status).toBe(200);
    const newPort = portOf(moved.body.listen);
    expect(newPort).not.toBe(port);
    expect(await pingThrough(newPort)).toBe(true);
    expect(await connectError(port)).toBe('ECONNREFUSED');

    // an upstream with nothing behind it: connections through the proxy are closed
    const elsewhere = await call('POST', '/proxies/update', { upstream: '127.0.0.1:1' });
    expect(elsewhere.body.upstream).toBe('127.0.0.1:1');
    expect(await pingThrough(newPort, 1_000)).toBe(false);
    await call('POST', '/proxies/update', { upstream });
    expect(await pingThrough(newPort)).toBe(true);

    expectError(await call('POST', '/proxies/update', { enabled: 'no' }), 400, /enabled/);
    expectError(await call('POST', '/proxies/update', { upstream: '192.168.1.1:6379' }), 400, /loopback/);
    expectError(await call('POST', '/proxies/update', { listen: 5 }), 400, /listen must be a string/);
    expectError(await call('POST', '/proxies/update', '{'), 400, /bad request body/);
    expectError(await call('POST', '/proxies/nope', { enabled: false }), 404, /proxy not found/);
    expect((await call('GET', '/proxies/update')).body).toMatchObject({ enabled: true, upstream });
  });

  it('DELETE /proxies/{proxy}: 204, its port closes, then 404', async () => {
    const proxy = await createProxy('delete');
    const deleted = await call('DELETE', '/proxies/delete');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(await connectError(portOf(proxy.listen))).toBe('ECONNREFUSED');
    expectError(await call('GET', '/proxies/delete'), 404);
    expectError(await call('DELETE', '/proxies/delete'), 404);
  });

  it('POST /populate creates, keeps matching proxies (idempotent) and replaces ones whose addresses differ', async () => {
    const list = [
      { name: 'pop-a', listen: '127.0.0.1:0', upstream },
      { name: 'pop-b', upstream, enabled: false },
    ];
    const first = await call('POST', '/populate', list);
    expect(first.status).toBe(201);
    expect(first.body.proxies).toHaveLength(2);
    expect(first.body.proxies[0]).toMatchObject({ name: 'pop-a', upstream, enabled: true, toxics: [] });
    expect(first.body.proxies[1]).toMatchObject({ name: 'pop-b', enabled: false });
    const a = first.body.proxies[0];
    expect(await pingThrough(portOf(a.listen))).toBe(true);

    // a toxic on pop-a survives populating the same list again: nothing changed
    await call('POST', '/proxies/pop-a/toxics', { type: 'latency' });
    const again = await call('POST', '/populate', list);
    expect(again.status).toBe(201);
    expect(again.body.proxies[0].listen).toBe(a.listen);
    expect(again.body.proxies[0].toxics).toHaveLength(1);
    // the exact listen address also matches
    const exact = await call('POST', '/populate', [{ name: 'pop-a', listen: a.listen, upstream }]);
    expect(exact.body.proxies[0].toxics).toHaveLength(1);

    // a different upstream replaces the proxy: a new one, without the old toxics
    const replaced = await call('POST', '/populate', [
      { name: 'pop-a', listen: a.listen, upstream: '127.0.0.1:1' },
    ]);
    expect(replaced.status).toBe(201);
    expect(replaced.body.proxies).toEqual([
      { name: 'pop-a', listen: a.listen, upstream: '127.0.0.1:1', enabled: true, toxics: [] },
    ]);
    expect((await call('GET', '/proxies/pop-a')).body.upstream).toBe('127.0.0.1:1');
  });

  it('POST /populate checks the whole list before changing anything', async () => {
    expectError(await call('POST', '/populate', { name: 'x', upstream }), 400, /array/);
    expectError(await call('POST', '/populate', '[{'), 400, /bad request body/);
    expectError(
      await call('POST', '/populate', [{ name: 'pop-ok', upstream }, { upstream }]),
      400,
      /missing required field: name at proxy 2/,
    );
    expectError(
      await call('POST', '/populate', [
        { name: 'pop-ok', upstream },
        { name: 'pop-ok', upstream },
      ]),
      400,
      /duplicate/,
    );
    expectError(
      await call('POST', '/populate', [
        { name: 'pop-ok', upstream },
        { name: 'pop-bad', upstream: '8.8.8.8:53' },
      ]),
      400,
      /loopback/,
    );
    expectError(await call('POST', '/populate', ['nope']), 400, /bad request body/);
    expectError(await call('GET', '/proxies/pop-ok'), 404);
    const empty = await call('POST', '/populate', []);
    expect(empty.status).toBe(201);
    expect(empty.body).toEqual({ proxies: [] });
  });

  it('POST /reset enables every proxy and removes every toxic (204)', async () => {
    const one = await createProxy('reset-1');
    await createProxy('reset-2');
    await call('POST', '/proxies/reset-1/toxics', { type: 'timeout' });
    await call('POST', '/proxies/reset-2/toxics', { type: 'latency', stream: 'upstream' });
    await call('POST', '/proxies/reset-1', { enabled: false });
    expect(await connectError(portOf(one.listen))).toBe('ECONNREFUSED');

    const reset = await call('POST', '/reset');
    expect(reset.status).toBe(204);
    const all = await call('GET', '/proxies');
    for (const proxy of Object.values(all.body) as { enabled: boolean; toxics: unknown[] }[]) {
      expect(proxy.enabled).toBe(true);
      expect(proxy.toxics).toEqual([]);
    }
    expect(all.body['reset-1'].listen).toBe(one.listen);
    expect(await pingThrough(portOf(one.listen))).toBe(true);
  });

  it('GET /toxics/types (extension) lists every toxic type with its attribute docs', async () => {
    const answer = await call('GET', '/toxics/types');
    expect(answer.status).toBe(200);
    expect(answer.body.map((t: { type: string }) => t.type)).toEqual(TOXICS.map((t) => t.type));
    for (const toxic of TOXICS) {
      const shown = answer.body.find((t: { type: string }) => t.type === toxic.type);
      expect(shown).toEqual({
        type: toxic.type,
        description: toxic.description,
        scope: toxic.scope,
        attributes: toxic.attributes,
      });
    }
    for (const type of ['idle_reset', 'silent_drop', 'blackhole', 'reply_drop', 'timeout', 'latency']) {
      expect(answer.body.map((t: { type: string }) => t.type)).toContain(type);
    }
  });

  it('unknown endpoints 404, /metrics is not implemented (404), wrong methods 405, all as JSON errors', async () => {
    expectError(await call('GET', '/nope'), 404, /no endpoint/);
    expectError(await call('GET', '/proxies/a/b/c/d/e'), 404);
    expectError(await call('GET', '/metrics'), 404, /not implemented/);
    const wrong = await fetch(`${api.url}/version`, { method: 'DELETE', signal: AbortSignal.timeout(5_000) });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(await wrong.json()).toMatchObject({ status: 405 });
    expectError(await call('PUT', '/proxies'), 405);
  });

  it('refuses browsers (as Toxiproxy) and foreign Host headers (DNS rebinding): 403', async () => {
    const raw = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: api.port, path: '/version', headers, timeout: 5_000 },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('request timed out')));
        req.on('error', reject);
        req.end();
      });
    const browser = await raw({ 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect(browser.status).toBe(403);
    expect(JSON.parse(browser.body)).toMatchObject({ error: 'User agent not allowed', status: 403 });
    const rebound = await raw({ Host: 'attacker.example:8474' });
    expect(rebound.status).toBe(403);
    expect((await raw({ Host: `localhost:${api.port}` })).status).toBe(200);
    expect((await raw({ Host: `[::1]:${api.port}` })).status).toBe(200);
  });

  it('names with URL-special characters round-trip through the path', async () => {
    await createProxy('a b/c');
    const shown = await call('GET', `/proxies/${encodeURIComponent('a b/c')}`);
    expect(shown.status).toBe(200);
    expect(shown.body.name).toBe('a b/c');
    expect((await call('DELETE', `/proxies/${encodeURIComponent('a b/c')}`)).status).toBe(204);
  });

  it('a path with a bad %-escape is a bad request: 400 (as Toxiproxy) with ERR_LIFELINE_BAD_REQUEST', async () => {
    for (const path of ['/proxies/%ZZ', '/proxies/x/toxics/%E0%A4%A', '/%']) {
      const answer = await call('GET', path);
      expectError(answer, 400, /malformed path/);
      expect(answer.body.code).toBe('ERR_LIFELINE_BAD_REQUEST');
    }
  });
});

describe('startControlApi', () => {
  it('refuses a non-loopback host', async () => {
    await expect(startControlApi({ host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'ERR_LIFELINE_CONTROL_ADDRESS',
      message: expect.stringMatching(/not a loopback address/),
    });
    await expect(startControlApi({ host: '127.0.0.1', port: 70000 })).rejects.toMatchObject({
      code: 'ERR_LIFELINE_CONTROL_ADDRESS',
    });
  });

  it('says so when the port is in use', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(startControlApi({ port })).rejects.toMatchObject({
        code: 'ERR_LIFELINE_CONTROL_LISTEN',
        message: expect.stringMatching(/in use/),
      });
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('close() stops the proxies too, and is safe to call twice', async () => {
    const redis = await startRedis();
    const api = await startControlApi({ port: 0 });
    try {
      const proxy = await api.registry.create({ name: 'p', upstream: `127.0.0.1:${redis.port}` });
      expect(await pingThrough(proxy.port)).toBe(true);
      await Promise.all([api.close(), api.close()]);
      expect(await connectError(proxy.port)).toBe('ECONNREFUSED');
      expect(await connectError(api.port)).toBe('ECONNREFUSED');
      await api.registry.close(); // again: fine
      await expect(
        api.registry.create({ name: 'late', upstream: `127.0.0.1:${redis.port}` }),
      ).rejects.toMatchObject({ code: 'ERR_LIFELINE_PROXY_CLOSED', status: 503 });
    } finally {
      await api.close();
      await redis.stop();
    }
  });
});

describe('docs/proxy.md', () => {
  it('documents every toxic type with each attribute and its unit, and every endpoint', async () => {
    const doc = await readFile(new URL('../../docs/proxy.md', import.meta.url), 'utf8');
    for (const toxic of TOXICS) {
      const heading = `### \`${toxic.type}\``;
      expect(doc, `section ${heading}`).toContain(heading);
      const start = doc.indexOf(heading) + heading.length;
      const next = doc.slice(start).search(/\n#{1,3} /);
      const section = next === -1 ? doc.slice(start) : doc.slice(start, start + next);
      for (const [name, spec] of Object.entries(toxic.attributes)) {
        expect(section, `${toxic.type}.${name}`).toContain(
          `- \`${name}\`: ${spec.doc} (default ${spec.default})`,
        );
      }
      if (Object.keys(toxic.attributes).length === 0) expect(section).toContain('No attributes.');
    }
    for (const endpoint of [
      'GET /version',
      'GET /proxies',
      'POST /proxies',
      'POST /populate',
      'GET /proxies/{proxy}',
      'POST /proxies/{proxy}',
      'DELETE /proxies/{proxy}',
      'GET /proxies/{proxy}/toxics',
      'POST /proxies/{proxy}/toxics',
      'GET /proxies/{proxy}/toxics/{toxic}',
      'POST /proxies/{proxy}/toxics/{toxic}',
      'DELETE /proxies/{proxy}/toxics/{toxic}',
      'POST /reset',
      'GET /toxics/types',
      'GET /metrics',
    ]) {
      expect(doc).toContain(`| \`${endpoint}\` |`);
    }
  });
});
