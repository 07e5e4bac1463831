// Proxy process for bench/proxy-overhead.mjs (not a benchmark itself: bench/run.mjs only runs bench/*.mjs).
// Listens on a free loopback port and forwards every connection to 127.0.0.1:UPSTREAM, in its own
// process (as `lifeline proxy` runs), so that the proxy's CPU is not taken from the client measuring it.
//
//   node bench/lib/proxy-process.mjs fault <upstream-port>   the lab's FaultProxy (dist/lab), no toxic
//   node bench/lib/proxy-process.mjs relay <upstream-port>   the floor: a bare Node socket relay
//
// Needs an IPC channel: sends { type: 'ready', port } once listening, stops when the parent says
// "close", disconnects, or a hard deadline passes.
import { connect, createServer } from 'node:net';
import { LAB } from './paths.mjs';

const [kind, upstreamArg] = process.argv.slice(2);
const upstreamPort = Number(upstreamArg);
const HARD_DEADLINE_MS = 6 * 60_000; // never outlive the benchmark, even if the parent vanished

if (!process.send) throw new Error('proxy-process.mjs must be started with an IPC channel');
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0 || upstreamPort === 6379)
  throw new Error(`refusing upstream port ${upstreamArg}`);
if (kind !== 'fault' && kind !== 'relay') throw new Error(`unknown proxy kind ${kind} (fault or relay)`);

/**
 * The floor: what any Node TCP relay pays per chunk (one read, one write, both sockets without Nagle),
 * with none of the proxy's work (queue, toxic chain, timestamps, byte counts, backpressure).
 */
async function startRelay() {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    client.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.write(d));
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function startFault() {
  const { FaultProxy } = await import(LAB);
  return new FaultProxy({ name: 'bench-overhead', upstream: `127.0.0.1:${upstreamPort}` }).start();
}

const proxy = kind === 'fault' ? await startFault() : await startRelay();

let stopping = false;
const shutdown = async (code) => {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(code), 2_000);
  await proxy.stop().catch(() => undefined);
  clearTimeout(hard);
  process.exit(code); // exits through 'exit', so that --cpu-prof still writes its profile
};
process.on('disconnect', () => void shutdown(0));
process.on('message', (m) => {
  if (m === 'close') void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
setTimeout(() => void shutdown(3), HARD_DEADLINE_MS).unref();

process.send({ type: 'ready', port: proxy.port });
