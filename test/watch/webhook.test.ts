import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isCannotRun } from '../../src/core/errors.js';
import { TOOL_VERSION } from '../../src/version.js';
import { WebhookSink } from '../../src/watch/alerts/webhook.js';
import type { Incident } from '../../src/watch/types.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP server on loopback that records each request and answers with `handler`. */
async function hookServer(handler: Handler): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const answer = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
  res.statusCode = status;
  res.end(status < 300 ? 'ok' : 'nope');
};

function incident(n: number): Incident {
  const at = new Date(Date.UTC(2024, 0, 1, 12, 0, n)).toISOString();
  return {
    id: `redis://127.0.0.1:7001/#${n}`,
    target: 'redis://127.0.0.1:7001/',
    kind: 'output-buffer-kills',
    cause: 'output-buffer-limit',
    severity: 'critical',
    confidence: 'high',
    title: 'Clients closed for client-output-buffer-limit',
    message: `${n} clients were closed.`,
    evidence: { outputBufferKills: n },
    fix: [{ command: 'CONFIG SET client-output-buffer-limit "pubsub 64mb 16mb 60"' }],
    docs: 'docs/rules/output-buffer-kills.md',
    at,
    occurrences: 1,
    firstAt: at,
    lastAt: at,
  };
}

/** Polls until check() holds; fails after timeoutMs. */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WebhookSink', () => {
  it('posts the incident as JSON with its content type and user agent', async () => {
    const hook = await hookServer(answer(200));
    const sink = new WebhookSink({ url: `${hook.url}/hooks/lifeline` });
    sink.send(incident(1));
    await sink.flush(5000);
    expect(sink.stats).toEqual({ sent: 1, failed: 0, dropped: 0, retries: 0, queued: 0 });
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received as [Received];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/lifeline');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe(`redis-lifeline/${TOOL_VERSION}`);
    expect(request.headers['x-lifeline-incident']).toBe('redis://127.0.0.1:7001/#1');
    expect(JSON.parse(request.body)).toEqual({ type: 'incident', ...incident(1) });
  });

  it('sends URL credentials as Basic auth, not in the URL', async () => {
    const hook = await hookServer(answer(204));
    const sink = new WebhookSink({ url: hook.url.replace('http://', 'http://alerts:s3cr%40t@') });
    sink.send(incident(1));
    await sink.flush(5000);
    expect(sink.stats.sent).toBe(1);
    expect(hook.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('alerts:s3cr@t').toString('base64')}`,
    );
  });

  it('retries 500 twice then delivers once on 200', async () => {
    const hook = await hookServer((req, res, i) => answer(i < 2 ? 500 : 200)(req, res));
    const errors: string[] = [];
    const sink = new WebhookSink({ url: hook.url, baseDelayMs: 20, onError: (m) => errors.push(m) });
    sink.send(incident(1));
    await sink.flush(5000);
    expect(sink.stats).toEqual({ sent: 1, failed: 0, dropped: 0, retries: 2, queued: 0 });
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
    expect(errors).toEqual([]);
  });

  it('gives up after maxAttempts and reports one line without the URL secrets', async () => {
    const hook = await hookServer(answer(503));
    const errors: string[] = [];
    const secretUrl = `${hook.url.replace('http://', 'http://bot:hunter22@')}/services/T0/B0/XyZsecret?token=abc123`;
    const sink = new WebhookSink({
      url: secretUrl,
      maxAttempts: 3,
      baseDelayMs: 10,
      onError: (m) => errors.push(m),
    });
    sink.send(incident(7));
    await sink.flush(5000);
    expect(hook.received).toHaveLength(3);
    expect(sink.stats).toEqual({ sent: 0, failed: 1, dropped: 0, retries: 2, queued: 0 });
    expect(errors).toHaveLength(1);
    const [line] = errors as [string];
    expect(line).not.toContain('\n');
    expect(line).toContain('#7');
    expect(line).toContain('HTTP 503');
    expect(line).toContain('3 attempts');
    for (const secret of ['hunter22', 'bot:', 'XyZsecret', 'abc123', 'token'])
      expect(line).not.toContain(secret);
  });

  it('does not retry a 4xx other than 408/429', async () => {
    const hook = await hookServer(answer(400));
    const errors: string[] = [];
    const sink = new WebhookSink({ url: hook.url, baseDelayMs: 10, onError: (m) => errors.push(m) });
    sink.send(incident(1));
    await sink.flush(5000);
    expect(hook.received).toHaveLength(1);
    expect(sink.stats).toMatchObject({ sent: 0, failed: 1, retries: 0 });
    expect(errors[0]).toContain('HTTP 400');
  });

  it('retries a refused connection and reports it', async () => {
    const hook = await hookServer(answer(200));
    await cleanups.pop()?.(); // the port is now closed
    const errors: string[] = [];
    const sink = new WebhookSink({
      url: hook.url,
      maxAttempts: 2,
      baseDelayMs: 10,
      onError: (m) => errors.push(m),
    });
    sink.send(incident(1));
    await sink.flush(5000);
    expect(sink.stats).toMatchObject({ sent: 0, failed: 1, retries: 1 });
    expect(errors[0]).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('bounds each attempt by timeoutMs when the server never answers, and send() never waits', async () => {
    const hook = await hookServer(() => undefined); // reads the request, never responds
    const errors: string[] = [];
    const sink = new WebhookSink({
      url: hook.url,
      timeoutMs: 150,
      maxAttempts: 2,
      baseDelayMs: 10,
      onError: (m) => errors.push(m),
    });
    const before = performance.now();
    sink.send(incident(1));
    const sendTook = performance.now() - before;
    expect(sendTook).toBeLessThan(5);

    const started = Date.now();
    await until('the sink to give up', () => errors.length === 1, 5000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250); // two attempts of 150 ms each
    expect(took).toBeLessThan(3000);
    expect(errors[0]).toContain('no answer within 150 ms');
    expect(hook.received).toHaveLength(2);
    expect(sink.stats).toMatchObject({ sent: 0, failed: 1, retries: 1, queued: 0 });

    // While the server hangs, more sends still return at once.
    const t = performance.now();
    for (let i = 0; i < 100; i += 1) sink.send(incident(i));
    expect(performance.now() - t).toBeLessThan(50);

    // close() abandons the rest at once: the one in flight and the queued ones count as dropped.
    await until('the next delivery to start', () => hook.received.length === 3, 5000);
    sink.close();
    await sink.flush(2000);
    expect(sink.stats).toMatchObject({ sent: 0, failed: 1, dropped: 100, queued: 0 });
    sink.send(incident(1));
    expect(sink.stats.queued).toBe(0);
  });

  it('flush() is bounded even when deliveries are stuck', async () => {
    const hook = await hookServer(() => undefined);
    const sink = new WebhookSink({ url: hook.url, timeoutMs: 10_000 });
    sink.send(incident(1));
    const started = Date.now();
    await sink.flush(200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sink.stats.queued).toBe(1);
    sink.close();
  });

  it('drops the oldest alerts when the queue overflows, and says so once', async () => {
    const hook = await hookServer(answer(200));
    const errors: string[] = [];
    const sink = new WebhookSink({ url: hook.url, maxQueue: 2, onError: (m) => errors.push(m) });
    for (let n = 1; n <= 5; n += 1) sink.send(incident(n));
    expect(sink.stats).toMatchObject({ dropped: 3, queued: 2 });
    await sink.flush(5000);
    expect(hook.received.map((r) => JSON.parse(r.body).id)).toEqual([
      'redis://127.0.0.1:7001/#4',
      'redis://127.0.0.1:7001/#5',
    ]);
    expect(sink.stats).toEqual({ sent: 2, failed: 0, dropped: 3, retries: 0, queued: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/dropping the oldest/);
  });

  it('honours Retry-After on 429', async () => {
    const hook = await hookServer((_req, res, i) => {
      res.statusCode = i === 0 ? 429 : 200;
      if (i === 0) res.setHeader('Retry-After', '0.3');
      res.end();
    });
    const sink = new WebhookSink({ url: hook.url, baseDelayMs: 1, random: () => 0 });
    const started = Date.now();
    sink.send(incident(1));
    await sink.flush(5000);
    expect(sink.stats).toMatchObject({ sent: 1, retries: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('never throws from send(), even for an incident that cannot be serialised', () => {
    const errors: string[] = [];
    const sink = new WebhookSink({ url: 'http://127.0.0.1:9/', onError: (m) => errors.push(m) });
    const bad = { ...incident(1), evidence: { big: 1n } } as unknown as Incident;
    expect(() => sink.send(bad)).not.toThrow();
    expect(sink.stats).toMatchObject({ failed: 1, queued: 0 });
    expect(errors[0]).toMatch(/cannot be serialised/);
  });

  it('rejects a URL that is not http(s) with ERR_LIFELINE_BAD_WEBHOOK', () => {
    for (const url of ['redis://127.0.0.1:6379', 'not a url', 'file:///etc/passwd']) {
      let caught: unknown;
      try {
        new WebhookSink({ url });
      } catch (error) {
        caught = error;
      }
      expect(isCannotRun(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe('ERR_LIFELINE_BAD_WEBHOOK');
    }
  });
});
