/**
 * The lab's fault proxy against real sockets on 127.0.0.1, in Toxiproxy's test style: every test first
 * proves bytes pass both ways through the proxy, then adds one toxic and checks that exactly the named
 * fault happens, seen from the client and from the server (a FIN shows as 'end', a RST as ECONNRESET).
 * Every wait is bounded; everything opened is closed in afterEach. Times are kept small.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/lab/proxy/errors.js';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { connectClient, sleep, type WatchedSocket, withTimeout } from '../support/echo-server.js';
import { ProxyLab } from '../support/with-proxy.js';

let lab: ProxyLab;
beforeEach(() => {
  lab = new ProxyLab();
});
afterEach(async () => {
  await lab.close();
});

/** A silent peer server, a proxy in front of it, and one connection proven to pass bytes both ways. */
async function established(options: { allowHalfOpen?: boolean } = {}) {
  const peer = await lab.peer();
  const proxy = await lab.proxy(peer.address);
  const { client, server } = await lab.established(proxy, peer, options);
  return { peer, proxy, client, server };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Round trip of one small message through an echo path: ms from write to the echo arriving. */
async function echoRoundTrip(client: WatchedSocket, message: string, timeoutMs = 3_000): Promise<number> {
  const before = client.receivedLength;
  const start = performance.now();
  client.write(message);
  await client.receive(before + message.length, timeoutMs);
  return performance.now() - start;
}

/** Catches what `fn` throws (or rejects with), failing when it does not. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

async function expectProxyError(fn: () => unknown, code: string, status: number): Promise<void> {
  const error = await thrown(fn);
  expect(error).toBeInstanceOf(ProxyError);
  expect(error).toMatchObject({ code, status });
}

describe('the proxy itself', () => {
  it('passes bytes both ways and sees the FIN of either side', async () => {
    const { client, server } = await established();
    server.write('hello from the server');
    await client.receiveText('hello from the server', 2_000);
    client.socket.end('bye');
    await server.receiveText('bye', 2_000);
    await server.waitEnd(2_000);
    expect(server.errorCode).toBeUndefined();
    expect(client.errorCode).toBeUndefined();
  });

  it.each<{ type: string; attributes: Record<string, number> }>([
    { type: 'latency', attributes: { latency: 30 } },
    { type: 'bandwidth', attributes: { rate: 5_000 } },
    { type: 'slicer', attributes: { average_size: 2_000, delay: 200 } },
  ])(
    'loses no byte of 5 MB while a $type toxic is added and removed mid-transfer',
    async ({ type, attributes }) => {
      const peer = await lab.peer({ echo: true });
      const proxy = await lab.proxy(peer.address);
      const client = await lab.client(proxy.port);
      expect(await echoRoundTrip(client, 'ping')).toBeLessThan(1_000);
      client.clearReads();

      const payload = randomBytes(5 * 1024 * 1024);
      const total = payload.length;
      // Paced writes, so the transfer is still running when the toxic comes and goes.
      const writing = (async () => {
        for (let offset = 0; offset < total; offset += 64 * 1024) {
          client.write(payload.subarray(offset, offset + 64 * 1024));
          if ((offset / (64 * 1024)) % 8 === 7) await sleep(5);
        }
      })();
      await client.until('1 MB echoed', () => client.receivedLength >= 1024 * 1024, 10_000);
      proxy.addToxic({ name: 'mid', type, stream: 'downstream', attributes });
      proxy.addToxic({ name: 'mid_up', type, stream: 'upstream', attributes });
      const whileToxic = client.receivedLength;
      await client.until('some bytes through the toxic', () => client.receivedLength > whileToxic, 10_000);
      await client.until('3 MB echoed', () => client.receivedLength >= 3 * 1024 * 1024, 10_000);
      proxy.removeToxic('mid');
      proxy.removeToxic('mid_up');
      await writing;

      const received = await client.receive(total, 10_000);
      expect(received.length).toBe(total);
      expect(sha256(received)).toBe(sha256(payload));
    },
  );

  it('echoes correctly on 200 concurrent connections', async () => {
    const peer = await lab.peer({ echo: true });
    const proxy = await lab.proxy(peer.address);
    const clients = await Promise.all(Array.from({ length: 200 }, () => lab.client(proxy.port)));
    const payloads = clients.map((_, i) => Buffer.concat([Buffer.from(`#${i}:`), randomBytes(2_000)]));
    clients.forEach((client, i) => {
      client.write(payloads[i] as Buffer);
    });
    await Promise.all(
      clients.map(async (client, i) => {
        const payload = payloads[i] as Buffer;
        const received = await client.receive(payload.length, 10_000);
        expect(received.equals(payload)).toBe(true);
      }),
    );
    expect(proxy.connectionCount).toBe(200);
    for (const client of clients) client.socket.end();
    await Promise.all(clients.map((client) => client.waitClose(5_000)));
    await peer.accepted[199]?.waitClose(5_000);
    await waitUntil('the proxy to drop its connections', () => proxy.connectionCount === 0, 5_000);
  });

  it('delivers a delayed reply whole when the server closes right after sending it', async () => {
    // The client half-closes after its request (like `nc -N`); the server answers and closes.
    const { proxy, client, server } = await established({ allowHalfOpen: true });
    proxy.addToxic({ type: 'latency', attributes: { latency: 100 } });
    client.socket.end('request');
    await server.waitEnd(2_000);
    server.socket.end('the whole reply');
    await client.waitEnd(2_000);
    expect(client.received.toString()).toBe('the whole reply');
  });

  it('delivers a 4 MB reply whole when the server closes right after sending it (no toxic)', async () => {
    const { client, server } = await established({ allowHalfOpen: true });
    const reply = randomBytes(4 * 1024 * 1024);
    client.socket.end('request');
    await server.waitEnd(2_000);
    server.socket.end(reply);
    await client.waitEnd(5_000);
    expect(client.receivedLength).toBe(reply.length);
    expect(sha256(client.received)).toBe(sha256(reply));
  });

  it('delivers a delayed request whole when the client closes right after sending it', async () => {
    // The mirror image: the server half-closed first, the client sends a last message and closes.
    const { proxy, client, server } = await established({ allowHalfOpen: true });
    proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
    server.socket.end();
    await client.waitEnd(2_000);
    client.socket.end('last words');
    await server.waitEnd(2_000);
    expect(server.received.toString()).toBe('last words');
  });

  it('stop() closes every connection and frees the listen port', async () => {
    const peer = await lab.peer();
    const proxy = await lab.proxy(peer.address);
    const first = await lab.established(proxy, peer);
    const second = await lab.established(proxy, peer);
    proxy.addToxic({ type: 'latency', attributes: { latency: 50 } });
    const third = await lab.established(proxy, peer);
    const port = proxy.port;
    expect(proxy.connectionCount).toBe(3);

    await withTimeout(proxy.stop(), 2_000, 'proxy.stop()');

    for (const { client, server } of [first, second, third]) {
      await client.waitClose(2_000);
      await server.until(
        'the proxy to close its side',
        () => server.endedAt !== undefined || server.errorCode !== undefined,
        2_000,
      );
    }
    expect(proxy.enabled).toBe(false);
    expect(proxy.toxics).toEqual([]);
    await waitUntil('no connection left', () => proxy.connectionCount === 0, 2_000);
    // Nothing listens there any more, and the port can be bound again.
    const refused = await thrown(() => connectClient(port));
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    const again = createServer();
    again.listen(port, '127.0.0.1');
    await withTimeout(once(again, 'listening'), 2_000, 'listening again on the freed port');
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});

describe('latency', () => {
  it('delays data by about latency, and not once removed', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'latency', attributes: { latency: 150 } });
    const start = performance.now();
    server.write('late');
    await client.receiveText('late', 2_000);
    const delay = performance.now() - start;
    expect(delay).toBeGreaterThanOrEqual(140);
    expect(delay).toBeLessThan(600);

    proxy.removeToxic('latency_downstream');
    const after = performance.now();
    server.write('prompt');
    await client.receiveText('prompt', 2_000);
    expect(performance.now() - after).toBeLessThan(100);
  });

  it('passes a waiting chunk on at once when removed mid-wait (never drops it)', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'latency', attributes: { latency: 2_000 } });
    server.write('waiting');
    await sleep(100);
    expect(client.quiet, client.summary).toBe(true);
    const removed = performance.now();
    proxy.removeToxic('latency_downstream');
    await client.receiveText('waiting', 1_000);
    expect(performance.now() - removed).toBeLessThan(200);
  });

  it('takes a new latency from an update, for data sent afterwards', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'latency', attributes: { latency: 1_000 } });
    proxy.updateToxic('latency_downstream', { attributes: { latency: 100 } });
    const start = performance.now();
    server.write('updated');
    await client.receiveText('updated', 2_000);
    const delay = performance.now() - start;
    expect(delay).toBeGreaterThanOrEqual(90);
    expect(delay).toBeLessThan(500);
  });

  it('varies the delay within latency ± jitter', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'latency', attributes: { latency: 40, jitter: 30 } });
    const delays: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      server.write(`m${i};`);
      await client.receiveText(`m${i};`, 2_000);
      delays.push(performance.now() - start);
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...delays)).toBeLessThan(70 + 150);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThanOrEqual(15);
  });

  it('delays only the stream it was added to (upstream here)', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 150 } });
    expect(proxy.toxics.map((t) => t.name)).toEqual(['latency_upstream']);

    const up = performance.now();
    client.write('to server');
    await server.receiveText('to server', 2_000);
    expect(performance.now() - up).toBeGreaterThanOrEqual(140);

    const down = performance.now();
    server.write('to client');
    await client.receiveText('to client', 2_000);
    expect(performance.now() - down).toBeLessThan(100);
  });
});

describe('bandwidth', () => {
  it('limits throughput to rate KB/s', async () => {
    const { proxy, client, server } = await established();
    const data = randomBytes(10_000);
    const fast = performance.now();
    server.write(data);
    await client.receive(data.length, 2_000);
    expect(performance.now() - fast).toBeLessThan(200);
    client.clearReads();

    proxy.addToxic({ type: 'bandwidth', attributes: { rate: 20 } }); // 20 KB/s: 10 KB takes ~500 ms
    const start = performance.now();
    server.write(data);
    const received = await client.receive(data.length, 3_000);
    const elapsed = performance.now() - start;
    expect(received.equals(data)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_500);
  });
});

describe('slow_close', () => {
  it('holds back the FIN for delay, not the data before it', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'slow_close', attributes: { delay: 300 } });
    const start = performance.now();
    server.socket.end('last bytes');
    await client.receiveText('last bytes', 2_000);
    expect(performance.now() - start).toBeLessThan(150);
    expect(client.endedAt).toBeUndefined();
    await client.waitEnd(2_000);
    expect((client.endedAt as number) - start).toBeGreaterThanOrEqual(290);
    expect((client.endedAt as number) - start).toBeLessThan(900);
    expect(client.errorCode).toBeUndefined();
  });
});

describe('timeout', () => {
  it('drops data on its stream and closes the connection (FIN) after timeout', async () => {
    const { proxy, client, server } = await established();
    const added = performance.now();
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 300 } });
    client.write('still goes up');
    await server.receiveText('still goes up', 2_000);
    server.write('dropped');
    await client.waitEnd(2_000);
    const closedAfter = (client.endedAt as number) - added;
    expect(closedAfter).toBeGreaterThanOrEqual(290);
    expect(closedAfter).toBeLessThan(900);
    expect(client.received.length).toBe(0);
    expect(client.errorCode).toBeUndefined();
    await server.waitEnd(2_000);
    expect(server.errorCode).toBeUndefined();
  });

  it('restarts its wait with every chunk it drops (Toxiproxy: time.After per loop)', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 300 } });
    const start = performance.now();
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      server.write('dropped');
    }
    await client.waitEnd(2_000);
    expect((client.endedAt as number) - start).toBeGreaterThanOrEqual(850);
    expect(client.received.length).toBe(0);
  });

  it('with timeout 0 never closes; once removed it closes the connections it held (FIN), new ones pass', async () => {
    const { peer, proxy, client, server } = await established();
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    server.write('dropped');
    await sleep(400);
    expect(client.quiet, client.summary).toBe(true);
    expect(server.endedAt).toBeUndefined();

    proxy.removeToxic('timeout_downstream'); // Toxiproxy: TimeoutToxic.Cleanup closes the stub
    await client.waitEnd(2_000);
    await server.waitEnd(2_000);
    expect(client.received.length).toBe(0);
    expect(client.errorCode).toBeUndefined();
    expect(server.errorCode).toBeUndefined();

    const { client: fresh, server: freshServer } = await lab.established(proxy, peer);
    freshServer.write('after');
    await fresh.receiveText('after', 2_000);
  });

  it('updated (not removed) keeps the connection open and restarts with the new timeout', async () => {
    const { proxy, client } = await established();
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    await sleep(50);
    const updated = performance.now();
    proxy.updateToxic('timeout_downstream', { attributes: { timeout: 200 } });
    await client.waitEnd(2_000);
    expect((client.endedAt as number) - updated).toBeGreaterThanOrEqual(190);
  });

  it('with toxicity 0 holds nothing, so removing it closes nothing', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'timeout', toxicity: 0, attributes: { timeout: 0 } });
    proxy.removeToxic('timeout_downstream');
    server.write('still here');
    await client.receiveText('still here', 2_000);
    await sleep(100);
    expect(client.endedAt).toBeUndefined();
  });
});

describe('reset_peer', () => {
  it('waits for data: an idle connection is not reset', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 0 } });
    await sleep(200);
    expect(client.quiet, client.summary).toBe(true);
    expect(server.quiet, server.summary).toBe(true);
  });

  it('drops the first chunk and resets both sides after timeout: a bare RST, no data, no FIN', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 250 } });
    await sleep(100);
    const sent = performance.now();
    server.write('never arrives');
    await sleep(50);
    server.write('nor this');
    await client.waitError(2_000);
    expect(client.errorCode).toBe('ECONNRESET');
    const after = (client.errorAt as number) - sent;
    expect(after).toBeGreaterThanOrEqual(240);
    expect(after).toBeLessThan(900);
    expect(client.received.length).toBe(0);
    expect(client.endedAt).toBeUndefined(); // a RST, not a FIN
    await server.waitError(2_000);
    expect(server.errorCode).toBe('ECONNRESET');
  });

  it('on the upstream stream: the request never reaches the server, both sides get a RST', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    client.write('lost request');
    await client.waitError(2_000);
    expect(client.errorCode).toBe('ECONNRESET');
    await server.waitError(2_000);
    expect(server.errorCode).toBe('ECONNRESET');
    expect(server.received.length).toBe(0);
    expect(client.received.length).toBe(0);
  });

  it('once triggered, removing it does not call the reset off, and nothing passes meanwhile', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 200 } });
    server.write('dropped');
    await sleep(50);
    proxy.removeToxic('reset_peer_downstream');
    server.write('still dropped');
    await client.waitError(2_000);
    expect(client.errorCode).toBe('ECONNRESET');
    expect(client.received.length).toBe(0);
  });

  it('with toxicity 0 passes everything', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'reset_peer', toxicity: 0, attributes: { timeout: 0 } });
    server.write('passes');
    await client.receiveText('passes', 2_000);
    await sleep(50);
    expect(client.errorCode).toBeUndefined();
  });
});

describe('limit_data', () => {
  it('passes exactly bytes bytes downstream, then closes both sides with a FIN', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'limit_data', attributes: { bytes: 10 } });
    server.write('abcdefgh');
    await client.receive(8, 2_000);
    server.write('ijklmnop');
    await client.waitEnd(2_000);
    await sleep(50);
    expect(client.received.toString()).toBe('abcdefghij');
    expect(client.errorCode).toBeUndefined();
    await server.waitEnd(2_000);
  });

  it('passes exactly bytes bytes upstream, then the server gets a FIN', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 5 } });
    client.write('0123456789');
    await server.waitEnd(2_000);
    expect(server.received.toString()).toBe('01234');
    expect(server.errorCode).toBeUndefined();
    await client.waitEnd(2_000);
  });

  it('keeps its count across an update (Toxiproxy keeps the stub state)', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'limit_data', attributes: { bytes: 10 } });
    server.write('abcdef');
    await client.receive(6, 2_000);
    proxy.updateToxic('limit_data_downstream', { attributes: { bytes: 12 } });
    server.write('ghijklmnop');
    await client.waitEnd(2_000);
    expect(client.received.toString()).toBe('abcdefghijkl');
  });

  it('still delivers the bytes up to the limit when a later toxic delays them', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'limit_data', attributes: { bytes: 4 } });
    proxy.addToxic({ type: 'latency', attributes: { latency: 50 } });
    server.write('0123456789');
    await client.waitEnd(2_000);
    expect(client.received.toString()).toBe('0123');
  });
});

describe('slicer', () => {
  it('delivers the same bytes in many small reads', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'slicer', attributes: { average_size: 100, size_variation: 0, delay: 2_000 } });
    const data = randomBytes(3_200);
    server.write(data);
    const received = await client.receive(data.length, 3_000);
    expect(received.equals(data)).toBe(true);
    expect(client.reads.length).toBeGreaterThanOrEqual(10);
    // Toxiproxy halves until a piece is at most average_size: 3200 -> ... -> 32 pieces of 100.
    for (const read of client.reads) expect(read.data.length % 100).toBe(0);
  });

  it('varies slice sizes by size_variation', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'slicer', attributes: { average_size: 50, size_variation: 40, delay: 2_000 } });
    const data = randomBytes(2_000);
    server.write(data);
    expect((await client.receive(data.length, 3_000)).equals(data)).toBe(true);
    expect(new Set(client.reads.map((r) => r.data.length)).size).toBeGreaterThanOrEqual(3);
  });
});

describe('toxicity', () => {
  async function roundTrips(toxicity: number, connections: number): Promise<number[]> {
    const peer = await lab.peer({ echo: true });
    const proxy = await lab.proxy(peer.address);
    proxy.addToxic({ type: 'latency', toxicity, attributes: { latency: 200 } });
    const clients = await Promise.all(Array.from({ length: connections }, () => lab.client(proxy.port)));
    return Promise.all(clients.map((client) => echoRoundTrip(client, 'x')));
  }

  it('0 never applies the toxic', async () => {
    const times = await roundTrips(0, 20);
    expect(Math.max(...times)).toBeLessThan(150);
  });

  it('1 always applies the toxic', async () => {
    const times = await roundTrips(1, 20);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(190);
  });

  it('0.5 applies it to some connections and not others', async () => {
    const times = await roundTrips(0.5, 40);
    expect(times.filter((t) => t >= 190).length).toBeGreaterThan(0);
    expect(times.filter((t) => t < 150).length).toBeGreaterThan(0);
  });
});

describe('idle_reset', () => {
  it('does not fire while traffic flows, then resets both sides after timeout of idle', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'idle_reset', attributes: { timeout: 300 } });
    for (let i = 0; i < 8; i++) {
      client.write(`k${i};`);
      await server.receiveText(`k${i};`, 1_000);
      await sleep(100);
    }
    expect(client.errorCode).toBeUndefined();
    expect(server.errorCode).toBeUndefined();
    const lastTraffic = performance.now() - 100;

    await client.waitError(2_000);
    expect(client.errorCode).toBe('ECONNRESET');
    const idle = (client.errorAt as number) - lastTraffic;
    expect(idle).toBeGreaterThanOrEqual(280);
    expect(idle).toBeLessThan(1_000);
    await server.waitError(2_000);
    expect(server.errorCode).toBe('ECONNRESET');
  });
});

describe('silent_drop', () => {
  it('forgets an idle flow: the next client write gets a RST, the server keeps a ghost', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'silent_drop', attributes: { timeout: 300 } });
    for (let i = 0; i < 5; i++) {
      client.write(`k${i};`);
      await server.receiveText(`k${i};`, 1_000);
      await sleep(100);
    }
    server.clearReads();

    await sleep(500); // idle past timeout: nothing happens on either side
    expect(client.quiet, client.summary).toBe(true);
    expect(server.quiet, server.summary).toBe(true);
    server.write('into the void'); // the server's bytes to a forgotten flow vanish too
    await sleep(100);
    expect(client.quiet, client.summary).toBe(true);

    client.write('anyone there?');
    await client.waitError(1_000);
    expect(client.errorCode).toBe('ECONNRESET');
    expect(client.received.length).toBe(0);

    await sleep(300); // the server hears nothing: no bytes, no FIN, no RST
    expect(server.quiet, server.summary).toBe(true);
    expect(server.socket.destroyed).toBe(false);
    expect(proxy.connectionCount).toBe(1);

    // The ghost goes once the server gives up on it.
    server.socket.end();
    await waitUntil('the ghost to go', () => proxy.connectionCount === 0, 2_000);
  });
  it('is closed by stop(): the server side of a ghost gets its FIN', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'silent_drop', attributes: { timeout: 100 } });
    await sleep(250);
    client.write('too late');
    await client.waitError(1_000);
    expect(proxy.connectionCount).toBe(1);
    await withTimeout(proxy.stop(), 2_000, 'proxy.stop()');
    await server.waitEnd(2_000);
    expect(server.received.length).toBe(0);
    await waitUntil('no connection left', () => proxy.connectionCount === 0, 2_000);
  });
});

describe('blackhole', () => {
  it('passes no bytes either way and no FIN, no RST while it lasts', async () => {
    const { client, server, proxy } = await established();
    proxy.addToxic({ type: 'blackhole' });
    client.write('lost upstream');
    server.write('lost downstream');
    server.socket.end(); // the server's FIN vanishes too
    await sleep(400);
    expect(client.quiet, client.summary).toBe(true);
    expect(server.received.length).toBe(0);
    expect(server.errorCode).toBeUndefined();
    expect(proxy.connectionCount).toBe(1);
  });

  it('once removed, resets the connections it held, and new connections work again', async () => {
    // The flow's state is gone and bytes vanished, so the held connections cannot carry on: RST both.
    const { peer, proxy, client, server } = await established();
    proxy.addToxic({ type: 'blackhole' });
    client.write('lost upstream');
    await sleep(100);
    expect(client.quiet, client.summary).toBe(true);

    proxy.removeToxic('blackhole_downstream');
    await client.waitError(1_000);
    expect(client.errorCode).toBe('ECONNRESET');
    await server.waitError(1_000);
    expect(server.errorCode).toBe('ECONNRESET');
    expect(server.received.length).toBe(0);

    const fresh = await lab.established(proxy, peer);
    fresh.client.write('works again');
    await fresh.server.receiveText('works again', 2_000);
  });

  it('with toxicity 0 holds nothing, so removing it resets nothing', async () => {
    const { proxy, client, server } = await established();
    proxy.addToxic({ type: 'blackhole', toxicity: 0 });
    client.write('passes');
    await server.receiveText('passes', 2_000);
    proxy.removeToxic('blackhole_downstream');
    await sleep(100);
    expect(client.errorCode).toBeUndefined();
    server.write('still open');
    await client.receiveText('still open', 2_000);
  });
});

describe('reply_drop (real redis-server)', () => {
  it('runs the INCR once on the server while the client gets ECONNRESET and no reply', async () => {
    const redis = await startRedis();
    lab.defer(() => redis.stop());
    const proxy = await lab.proxy(`127.0.0.1:${redis.port}`);
    const admin = await lab.client(redis.port);
    const client = await lab.client(proxy.port);
    client.write('PING\r\n');
    await client.receiveText('+PONG\r\n', 2_000);
    client.clearReads();

    proxy.addToxic({ type: 'reply_drop' });
    client.write('*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n');
    await client.waitError(2_000);
    expect(client.errorCode).toBe('ECONNRESET');
    expect(client.received.length).toBe(0);

    admin.write('GET counter\r\n');
    await admin.receiveText('\r\n1\r\n', 2_000);
    expect(admin.received.toString()).toBe('$1\r\n1\r\n');

    // It fires once: the next connection gets its reply.
    const next = await lab.client(proxy.port);
    next.write('INCR counter\r\n');
    await next.receiveText(':2\r\n', 2_000);
    expect(next.errorCode).toBeUndefined();
  });
});

describe('toxic API', () => {
  const proxy = () => new FaultProxy({ name: 'api', upstream: '127.0.0.1:9' });

  it('fills in Toxiproxy defaults: name type_stream, downstream, toxicity 1, attribute defaults', () => {
    const p = proxy();
    expect(p.addToxic({ type: 'latency' })).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 0, jitter: 0 },
    });
  });

  it.each([
    ['an unknown type', { type: 'nope' }, 'ERR_LIFELINE_TOXIC_TYPE', 400],
    ['a bad stream', { type: 'latency', stream: 'sideways' }, 'ERR_LIFELINE_TOXIC_STREAM', 400],
    [
      'an unknown attribute',
      { type: 'latency', attributes: { latency: 1, lag: 2 } },
      'ERR_LIFELINE_TOXIC_ATTRIBUTE',
      400,
    ],
    [
      'a negative attribute',
      { type: 'latency', attributes: { latency: -1 } },
      'ERR_LIFELINE_TOXIC_ATTRIBUTE',
      400,
    ],
    [
      'a non-number attribute',
      { type: 'latency', attributes: { latency: '10' } },
      'ERR_LIFELINE_TOXIC_ATTRIBUTE',
      400,
    ],
    [
      'a NaN attribute',
      { type: 'bandwidth', attributes: { rate: Number.NaN } },
      'ERR_LIFELINE_TOXIC_ATTRIBUTE',
      400,
    ],
    ['toxicity above 1', { type: 'latency', toxicity: 1.5 }, 'ERR_LIFELINE_TOXIC_TOXICITY', 400],
    ['toxicity below 0', { type: 'latency', toxicity: -0.1 }, 'ERR_LIFELINE_TOXIC_TOXICITY', 400],
    ['toxicity NaN', { type: 'latency', toxicity: Number.NaN }, 'ERR_LIFELINE_TOXIC_TOXICITY', 400],
  ])('refuses %s and adds nothing', async (_, input, code, status) => {
    const p = proxy();
    await expectProxyError(() => p.addToxic(input as never), code as string, status as number);
    expect(p.toxics).toEqual([]);
  });

  it('refuses a duplicate name with 409', async () => {
    const p = proxy();
    p.addToxic({ type: 'latency' });
    await expectProxyError(() => p.addToxic({ type: 'latency' }), 'ERR_LIFELINE_TOXIC_EXISTS', 409);
    p.addToxic({ name: 'other', type: 'latency' });
    await expectProxyError(
      () => p.addToxic({ name: 'other', type: 'slicer' }),
      'ERR_LIFELINE_TOXIC_EXISTS',
      409,
    );
    expect(p.toxics.map((t) => t.name)).toEqual(['latency_downstream', 'other']);
  });

  it('refuses to update or remove a toxic that does not exist (404), and a bad update changes nothing', async () => {
    const p = proxy();
    await expectProxyError(() => p.removeToxic('ghost'), 'ERR_LIFELINE_TOXIC_NOT_FOUND', 404);
    await expectProxyError(
      () => p.updateToxic('ghost', { toxicity: 0.5 }),
      'ERR_LIFELINE_TOXIC_NOT_FOUND',
      404,
    );
    p.addToxic({ type: 'latency', attributes: { latency: 10 } });
    await expectProxyError(
      () => p.updateToxic('latency_downstream', { toxicity: 2 }),
      'ERR_LIFELINE_TOXIC_TOXICITY',
      400,
    );
    await expectProxyError(
      () => p.updateToxic('latency_downstream', { attributes: { latency: -5 } }),
      'ERR_LIFELINE_TOXIC_ATTRIBUTE',
      400,
    );
    expect(p.toxics[0]).toMatchObject({ toxicity: 1, attributes: { latency: 10, jitter: 0 } });
  });

  it.each([
    ['listen', { listen: '0.0.0.0:0', upstream: '127.0.0.1:9' }],
    ['listen', { listen: '192.168.1.10:7000', upstream: '127.0.0.1:9' }],
    ['upstream', { upstream: '10.0.0.5:7000' }],
    ['upstream', { upstream: 'redis.example.com:7000' }],
    ['upstream', { upstream: '[2001:db8::1]:7000' }],
    ['upstream', { upstream: '127.0.0.1:0' }],
    ['upstream', { upstream: '127.0.0.1' }],
  ])('refuses a non-loopback or malformed %s address: %j', async (_, options) => {
    await expectProxyError(
      () => new FaultProxy({ name: 'bad', ...options }),
      'ERR_LIFELINE_PROXY_ADDRESS',
      400,
    );
  });

  it('refuses to move a proxy to a non-loopback address, and keeps it where it was', async () => {
    const p = proxy();
    await expectProxyError(() => p.update({ listen: '0.0.0.0:7001' }), 'ERR_LIFELINE_PROXY_ADDRESS', 400);
    await expectProxyError(() => p.update({ upstream: '8.8.8.8:53' }), 'ERR_LIFELINE_PROXY_ADDRESS', 400);
    expect(p.listen).toBe('127.0.0.1:0');
    expect(p.upstream).toBe('127.0.0.1:9');
  });

  it('accepts localhost and ::1', () => {
    expect(new FaultProxy({ name: 'ok', listen: 'localhost:0', upstream: '[::1]:7000' })).toMatchObject({
      listen: '127.0.0.1:0',
      upstream: '[::1]:7000',
    });
  });
});

/** Polls `check` every 10 ms until it holds, or fails naming `what` after `timeoutMs`. */
async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
