/**
 * An outside judge of Toxiproxy compatibility: toxiproxy-node-client (the Node client listed in
 * Toxiproxy's README) drives our control API through every endpoint it has, and each call's effect is
 * checked on real Redis traffic through the proxy (a throwaway redis-server on a free loopback port).
 * Every wait is bounded; conditions are awaited rather than slept on where the fault allows it.
 */
import { type Proxy as ClientProxy, Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ControlApi, startControlApi } from '../../src/lab/proxy/control-api.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { TOOL_VERSION } from '../../src/version.js';
import { connectClient, type WatchedSocket, withTimeout } from '../support/echo-server.js';
import { pingThrough, Wire } from '../support/wire.js';

const CALL_MS = 5_000;

/** A client call, bounded in time (the client's fetch has no timeout of its own). */
const bounded = <T>(promise: Promise<T>, what = 'toxiproxy client call'): Promise<T> =>
  withTimeout(promise, CALL_MS, what);

const portOf = (listen: string) => Number(listen.split(':').pop());

/**
 * RESP over a WatchedSocket (test/support/echo-server.ts, which records bytes, the FIN, the error and
 * when each came): commands out, replies as text. Half-open allowed, so a FIN is seen as it comes.
 */
class Resp {
  private constructor(private readonly watched: WatchedSocket) {}

  static async open(port: number): Promise<Resp> {
    return new Resp(await connectClient(port, { allowHalfOpen: true }));
  }

  get data(): Buffer {
    return this.watched.received;
  }
  get text(): string {
    return this.data.toString('latin1');
  }
  get endedAt(): number | undefined {
    return this.watched.endedAt;
  }
  get errorCode(): string | undefined {
    return this.watched.errorCode;
  }
  get errorAt(): number | undefined {
    return this.watched.errorAt;
  }
  get closed(): boolean {
    return this.watched.closedAt !== undefined;
  }

  send(...args: string[]): void {
    this.watched.write(
      `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    );
  }

  /** True once `check` holds; false when `ms` passes first. */
  until(check: () => boolean, ms: number): Promise<boolean> {
    return this.watched.until('a condition', check, ms).then(
      () => true,
      () => check(),
    );
  }

  /** Sends PING and waits for +PONG (after what arrived so far): ms taken, or undefined when none came. */
  async ping(ms = 2_000): Promise<number | undefined> {
    const before = this.data.length;
    const start = performance.now();
    this.send('PING');
    const ok = await this.until(() => this.data.subarray(before).toString().includes('+PONG\r\n'), ms);
    return ok ? performance.now() - start : undefined;
  }

  close(): void {
    this.watched.socket.destroy();
  }
}

describe('toxiproxy-node-client against the lifeline control API', () => {
  let redis: RedisServer;
  let api: ControlApi;
  let toxiproxy: Toxiproxy;
  let upstream: string;
  const opened: Resp[] = [];

  async function open(proxy: ClientProxy): Promise<Resp> {
    const resp = await Resp.open(portOf(proxy.listen));
    opened.push(resp);
    return resp;
  }

  /** A fresh proxy to Redis through the client, with PING proven to pass on a new connection. */
  async function redisProxy(name: string): Promise<{ proxy: ClientProxy; conn: Resp }> {
    const proxy = await bounded(toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream }));
    const conn = await open(proxy);
    expect(await conn.ping()).toBeDefined();
    return { proxy, conn };
  }

  beforeAll(async () => {
    [redis, api] = await Promise.all([startRedis(), startControlApi({ port: 0 })]);
    upstream = `127.0.0.1:${redis.port}`;
    toxiproxy = new Toxiproxy(api.url);
  });
  afterEach(async () => {
    for (const resp of opened.splice(0)) resp.close();
    await bounded(toxiproxy.reset());
    for (const proxy of Object.values(await bounded(toxiproxy.getAll()))) await bounded(proxy.remove());
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  it('getVersion, createProxy, get, getAll, update (down and up), remove', async () => {
    expect(JSON.parse(await bounded(toxiproxy.getVersion()))).toEqual({ version: TOOL_VERSION });

    const { proxy, conn } = await redisProxy('crud');
    expect(proxy).toMatchObject({ name: 'crud', upstream, enabled: true });
    expect(portOf(proxy.listen)).toBeGreaterThan(0);

    const got = await bounded(toxiproxy.get('crud'));
    expect(got.toJson()).toEqual(proxy.toJson());
    expect(Object.keys(await bounded(toxiproxy.getAll()))).toEqual(['crud']);

    // "down": disabled closes the connections through it and the listener
    const down = await bounded(proxy.update({ enabled: false, listen: proxy.listen, upstream }));
    expect(down.enabled).toBe(false);
    expect(await conn.until(() => conn.endedAt !== undefined || conn.closed, 2_000)).toBe(true);
    await expect(pingThrough(portOf(proxy.listen), 500)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const up = await bounded(proxy.update({ enabled: true, listen: proxy.listen, upstream }));
    expect(up.enabled).toBe(true);
    expect(await pingThrough(portOf(up.listen))).toBe(true);

    await bounded(proxy.remove());
    await expect(bounded(toxiproxy.get('crud'))).rejects.toBeInstanceOf(ToxiproxyError);
    await expect(pingThrough(portOf(proxy.listen), 500)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('populate creates proxies that carry Redis traffic, and is idempotent', async () => {
    const body = [
      { name: 'pop_a', listen: '127.0.0.1:0', upstream },
      { name: 'pop_b', listen: '127.0.0.1:0', upstream, enabled: false },
    ];
    const proxies = await bounded(toxiproxy.populate(body));
    expect(Object.keys(proxies).sort()).toEqual(['pop_a', 'pop_b']);
    const a = proxies.pop_a as ClientProxy;
    expect(await pingThrough(portOf(a.listen))).toBe(true);
    expect((proxies.pop_b as ClientProxy).enabled).toBe(false);

    const again = await bounded(toxiproxy.populate(body));
    expect((again.pop_a as ClientProxy).listen).toBe(a.listen); // kept, not replaced
  });

  it('latency: addToxic, getToxic, update, remove, each measured on PING', async () => {
    const { proxy, conn } = await redisProxy('latency');
    const toxic = await bounded(
      proxy.addToxic({
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 200, jitter: 0 },
      }),
    );
    expect(toxic.toJson()).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 200, jitter: 0 },
    });
    expect((await bounded(proxy.getToxic('latency_downstream'))).toJson()).toEqual(toxic.toJson());
    expect(await conn.ping()).toBeGreaterThanOrEqual(190);

    const updated = await bounded(
      toxic.update({ ...toxic.toJson(), attributes: { latency: 50, jitter: 0 } }),
    );
    expect(updated.attributes).toEqual({ latency: 50, jitter: 0 });
    const after = (await conn.ping()) as number;
    expect(after).toBeGreaterThanOrEqual(45);
    expect(after).toBeLessThan(190);

    await bounded(toxic.remove());
    expect(await conn.ping()).toBeLessThan(45);
    await expect(bounded(proxy.getToxic('latency_downstream'))).rejects.toBeInstanceOf(ToxiproxyError);
  });

  it('timeout: PING hangs; removing it closes the connection (no late reply); new connections work', async () => {
    const { proxy, conn } = await redisProxy('timeout');
    const toxic = await bounded(
      proxy.addToxic({
        name: 'timeout_downstream',
        type: 'timeout',
        stream: 'downstream',
        toxicity: 1,
        attributes: { timeout: 0 },
      }),
    );
    expect(await conn.ping(300)).toBeUndefined();
    expect(conn.closed).toBe(false);
    const before = conn.text;

    await bounded(toxic.remove());
    expect(await conn.until(() => conn.endedAt !== undefined, 2_000)).toBe(true);
    expect(conn.text).toBe(before); // the lost +PONG never arrives late
    expect(conn.errorCode).toBeUndefined();
    const fresh = await open(proxy);
    expect(await fresh.ping()).toBeDefined();
  });

  it('timeout with a timeout closes the connection after it', async () => {
    const { proxy, conn } = await redisProxy('timeout_t');
    await bounded(
      proxy.addToxic({
        name: 'timeout_upstream',
        type: 'timeout',
        stream: 'upstream',
        toxicity: 1,
        attributes: { timeout: 200 },
      }),
    );
    const start = performance.now();
    conn.send('PING');
    expect(await conn.until(() => conn.endedAt !== undefined, 2_000)).toBe(true);
    expect((conn.endedAt as number) - start).toBeGreaterThanOrEqual(190);
    expect(conn.text).toBe('+PONG\r\n'); // only the PING from before the toxic was answered
  });

  for (const stream of ['downstream', 'upstream'] as const) {
    it(`reset_peer (${stream}): ECONNRESET with no data first, only once data flows`, async () => {
      const { proxy, conn } = await redisProxy(`reset_${stream}`);
      const before = conn.data.length;
      await bounded(
        proxy.addToxic({
          name: `reset_peer_${stream}`,
          type: 'reset_peer',
          stream,
          toxicity: 1,
          attributes: { timeout: 150 },
        }),
      );
      expect(await conn.until(() => conn.closed, 200)).toBe(false); // idle: untouched
      const sent = performance.now();
      conn.send('PING');
      expect(await conn.until(() => conn.errorCode !== undefined, 2_000)).toBe(true);
      expect(conn.errorCode).toBe('ECONNRESET');
      expect(conn.data.length).toBe(before); // no +PONG before the RST
      expect(conn.endedAt).toBeUndefined(); // no FIN
      expect((conn.errorAt as number) - sent).toBeGreaterThanOrEqual(140);
    });
  }

  it('reset_peer resets every connection that sends, 20 of 20, each a bare RST', async () => {
    const { proxy } = await redisProxy('reset_many');
    await bounded(
      proxy.addToxic({
        name: 'reset_peer_downstream',
        type: 'reset_peer',
        stream: 'downstream',
        toxicity: 1,
        attributes: { timeout: 0 },
      }),
    );
    const conns = await Promise.all(Array.from({ length: 20 }, () => open(proxy)));
    for (const c of conns) c.send('PING');
    await Promise.all(conns.map((c) => c.until(() => c.closed, 2_000)));
    for (const c of conns) {
      expect(c.errorCode).toBe('ECONNRESET');
      expect(c.data.length).toBe(0);
      expect(c.endedAt).toBeUndefined();
    }
  });

  it('limit_data closes after N bytes', async () => {
    const { proxy, conn } = await redisProxy('limit');
    await bounded(
      proxy.addToxic({
        name: 'limit_data_downstream',
        type: 'limit_data',
        stream: 'downstream',
        toxicity: 1,
        attributes: { bytes: 10 },
      }),
    );
    conn.send('PING'); // +PONG\r\n: 7 bytes
    conn.send('PING'); // 7 more: cut at 10
    expect(await conn.until(() => conn.endedAt !== undefined, 2_000)).toBe(true);
    expect(conn.data.length).toBe(7 + 10);
    expect(conn.text).toBe('+PONG\r\n+PONG\r\n+PO');
  });

  it('bandwidth slows a large reply to about rate KB/s', async () => {
    const { proxy, conn } = await redisProxy('bandwidth');
    conn.send('SET', 'big', 'x'.repeat(40_000));
    expect(await conn.until(() => conn.text.endsWith('+OK\r\n'), 2_000)).toBe(true);
    const toxic = await bounded(
      proxy.addToxic({
        name: 'bandwidth_downstream',
        type: 'bandwidth',
        stream: 'downstream',
        toxicity: 1,
        attributes: { rate: 100 },
      }),
    );
    const before = conn.data.length;
    const start = performance.now();
    conn.send('GET', 'big');
    const expected = 40_000 + '$40000\r\n\r\n'.length;
    expect(await conn.until(() => conn.data.length - before >= expected, 3_000)).toBe(true);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(350); // 40 KB at 100 KB/s = 400 ms
    expect(elapsed).toBeLessThan(2_000);
    expect(conn.text.slice(before)).toBe(`$40000\r\n${'x'.repeat(40_000)}\r\n`);
    await bounded(toxic.remove());
  });

  it('slicer still delivers correct replies', async () => {
    const { proxy, conn } = await redisProxy('slicer');
    await bounded(
      proxy.addToxic({
        name: 'slicer_downstream',
        type: 'slicer',
        stream: 'downstream',
        toxicity: 1,
        attributes: { average_size: 3, size_variation: 1, delay: 100 },
      }),
    );
    await bounded(
      proxy.addToxic({
        name: 'slicer_up',
        type: 'slicer',
        stream: 'upstream',
        toxicity: 1,
        attributes: { average_size: 2, size_variation: 1, delay: 0 },
      }),
    );
    const before = conn.data.length;
    conn.send('SET', 'k', 'sliced value');
    conn.send('GET', 'k');
    conn.send('ECHO', 'a\r\nb');
    const want = '+OK\r\n$12\r\nsliced value\r\n$4\r\na\r\nb\r\n';
    expect(await conn.until(() => conn.data.length - before >= want.length, 3_000)).toBe(true);
    expect(conn.text.slice(before)).toBe(want);
  });

  it('slow_close delays the close the server starts', async () => {
    const { proxy, conn } = await redisProxy('slow_close');
    await bounded(
      proxy.addToxic({
        name: 'slow_close_downstream',
        type: 'slow_close',
        stream: 'downstream',
        toxicity: 1,
        attributes: { delay: 300 },
      }),
    );
    const start = performance.now();
    conn.send('QUIT'); // Redis answers +OK and closes
    expect(await conn.until(() => conn.text.endsWith('+OK\r\n'), 2_000)).toBe(true);
    expect(performance.now() - start).toBeLessThan(250);
    expect(await conn.until(() => conn.endedAt !== undefined, 2_000)).toBe(true);
    expect((conn.endedAt as number) - start).toBeGreaterThanOrEqual(290);
  });

  it('toxicity 0 through the client: the toxic is listed but never applies', async () => {
    const { proxy, conn } = await redisProxy('toxicity');
    const toxic = await bounded(
      proxy.addToxic({
        name: 'timeout_downstream',
        type: 'timeout',
        stream: 'downstream',
        toxicity: 0,
        attributes: { timeout: 0 },
      }),
    );
    expect(toxic.toxicity).toBe(0);
    expect(await conn.ping()).toBeDefined();
    const fresh = await open(proxy);
    expect(await fresh.ping()).toBeDefined();
  });

  it('reset: every proxy enabled again, every toxic gone', async () => {
    const { proxy } = await redisProxy('reset_all');
    await bounded(
      proxy.addToxic({
        name: 'latency_upstream',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 1_000, jitter: 0 },
      }),
    );
    await bounded(proxy.update({ enabled: false, listen: proxy.listen, upstream }));
    await bounded(toxiproxy.reset());
    const after = await bounded(toxiproxy.get('reset_all'));
    expect(after.enabled).toBe(true);
    await expect(bounded(proxy.getToxic('latency_upstream'))).rejects.toBeInstanceOf(ToxiproxyError);
    const conn = await open(after);
    expect(await conn.ping()).toBeLessThan(500);
  });

  it('errors come back as ToxiproxyError with the status in the message', async () => {
    await expect(bounded(toxiproxy.get('nope'))).rejects.toThrow(/status code 404/);
    const { proxy } = await redisProxy('errors');
    await expect(
      bounded(
        proxy.addToxic({
          name: 'nope',
          type: 'nope' as never,
          stream: 'downstream',
          toxicity: 1,
          attributes: {},
        }),
      ),
    ).rejects.toThrow(/status code 400/);
    await bounded(
      proxy.addToxic({
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 1, jitter: 0 },
      }),
    );
    await expect(
      bounded(
        proxy.addToxic({
          name: 'latency_downstream',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
          attributes: { latency: 1, jitter: 0 },
        }),
      ),
    ).rejects.toThrow(/status code 409/);
    // Wire is the raw client the other tests use; here only to prove the proxy still answers.
    const wire = await Wire.open(portOf(proxy.listen));
    wire.close();
  });
});
