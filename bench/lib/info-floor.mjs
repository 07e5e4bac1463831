// The floor of bench/watch-20-servers.mjs and bench/watch-cluster.mjs (not a benchmark itself:
// bench/run.mjs only runs bench/*.mjs): the least a Node process can do to sample N servers every
// interval. One ioredis connection per server, and every interval one INFO of the sections
// `lifeline watch` asks for on each; the replies are not even parsed. With --cluster, each round also
// sends what watch reads of a cluster (dist/watch/topology/cluster-watch.js): CLUSTER INFO to every node
// and CLUSTER NODES to the first. Stops after SECONDS and exits 0 (1 when a command failed: the floor did
// less than it should).
//
//   node bench/lib/info-floor.mjs [--cluster] <seconds> <interval-ms> <port> [port...]
import { Redis } from 'ioredis';

const argv = process.argv.slice(2);
const cluster = argv[0] === '--cluster';
const [secondsArg, intervalArg, ...portArgs] = cluster ? argv.slice(1) : argv;
const seconds = Number(secondsArg);
const intervalMs = Number(intervalArg);
const ports = portArgs.map(Number);
// As dist/watch/sampling/read-info.js: the sections watch reads.
const SECTIONS = ['server', 'clients', 'memory', 'stats', 'replication', 'commandstats'];
const HARD_DEADLINE_MS = (seconds + 30) * 1000; // never outlive the benchmark

if (!(seconds > 0) || !(intervalMs > 0) || ports.length === 0)
  throw new Error('usage: info-floor.mjs [--cluster] <seconds> <interval-ms> <port> [port...]');
for (const port of ports) {
  if (!Number.isInteger(port) || port <= 0 || port === 6379) throw new Error(`refusing port ${port}`);
}
setTimeout(() => process.exit(3), HARD_DEADLINE_MS).unref();

const clients = ports.map(
  (port) =>
    new Redis({
      host: '127.0.0.1',
      port,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      lazyConnect: true,
    }),
);
await Promise.all(clients.map((c) => c.connect()));

let rounds = 0;
let failures = 0;
let replyBytes = 0;
const send = (c, ...args) =>
  c.call(...args).then(
    (reply) => {
      replyBytes += reply.length;
    },
    () => {
      failures++;
    },
  );
const tick = () => {
  rounds++;
  for (const c of clients) {
    send(c, 'INFO', ...SECTIONS);
    if (cluster) send(c, 'CLUSTER', 'INFO');
  }
  if (cluster) send(clients[0], 'CLUSTER', 'NODES');
};
tick();
const timer = setInterval(tick, intervalMs);
setTimeout(async () => {
  clearInterval(timer);
  await Promise.allSettled(clients.map((c) => c.quit()));
  process.stderr.write(
    `${JSON.stringify({ rounds, servers: clients.length, cluster, failures, replyBytes })}\n`,
  );
  process.exit(failures > 0 ? 1 : 0);
}, seconds * 1000);
