// Connection holder for bench/doctor-10k-clients.mjs and bench/watch-10k-clients.mjs (not a benchmark
// itself: bench/run.mjs only runs bench/*.mjs). Opens COUNT idle TCP connections to 127.0.0.1:PORT, each
// naming itself once with CLIENT SETNAME, and keeps them open until the parent says "close", disconnects,
// or a hard deadline (6 min; BENCH_HOLD_MAX_MS in its environment).
//
//   node bench/lib/hold-connections.mjs <port> <count> [name-prefix]   (needs an IPC channel)
import { connect } from 'node:net';

const [portArg, countArg, prefix = 'idle-'] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const CONCURRENCY = 200; // connects in flight: stays far below the listen backlog (tcp-backlog 511)
const CONNECT_TIMEOUT_MS = 10_000;
// Never outlive the benchmark, even if the parent vanished; a longer benchmark sets BENCH_HOLD_MAX_MS.
const HARD_DEADLINE_MS =
  Number(process.env.BENCH_HOLD_MAX_MS) > 0 ? Number(process.env.BENCH_HOLD_MAX_MS) : 6 * 60_000;

if (!process.send) throw new Error('hold-connections.mjs must be started with an IPC channel');
if (!Number.isInteger(port) || port <= 0 || port === 6379) throw new Error(`refusing port ${portArg}`);
if (!Number.isInteger(count) || count <= 0) throw new Error(`bad count ${countArg}`);

const sockets = new Set();
let opened = 0;
let failed = 0;
let closedEarly = 0;
let firstError;
let shuttingDown = false;

const shutdown = (code) => {
  shuttingDown = true;
  for (const s of sockets) s.destroy();
  process.exit(code);
};
process.on('disconnect', () => shutdown(0));
process.on('message', (m) => {
  if (m === 'close') shutdown(0);
  if (m === 'status') send('status');
});
process.on('SIGTERM', () => shutdown(0));
setTimeout(() => shutdown(3), HARD_DEADLINE_MS).unref();

function send(type) {
  process.send?.({ type, opened, failed, closedEarly, open: sockets.size, firstError });
}

function openOne(n) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let connected = false;
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timeout')));
    socket.on('data', () => {}); // drain the +OK (and anything else) so the server never blocks on us
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      sockets.add(socket);
      opened++;
      socket.write(`CLIENT SETNAME ${prefix}${n}\r\n`);
      resolve();
    });
    socket.on('error', (error) => {
      firstError ??= `${error.code ?? ''} ${error.message}`.trim();
    });
    socket.once('close', () => {
      sockets.delete(socket);
      if (!connected) {
        failed++;
        resolve();
      } else if (!shuttingDown) {
        closedEarly++;
      }
    });
  });
}

let next = 0;
async function worker() {
  while (next < count) {
    const n = next++;
    await openOne(n);
  }
}

const progress = setInterval(() => send('progress'), 1_000);
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
clearInterval(progress);
send('ready');
// Stay alive: the open sockets keep the event loop busy; the IPC channel keeps us reachable.
