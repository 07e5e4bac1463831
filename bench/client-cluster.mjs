// Benchmark (issue targets): lifeline(client) on the Cluster clients (ioredis Cluster, node-redis
// createCluster) against the raw ones in the same run.
//
//   npm run build && node bench/client-cluster.mjs
//
// 1. Throughput on a throwaway 3-master cluster (no replicas): bursts (BENCH_BATCH single set()/get()
//    promises on keys spread over every slot, then Promise.all) and sequential SET/GET (each awaited),
//    raw and wrapped alternating slice by slice within each of BENCH_RUNS rounds (after a warm-up),
//    which side goes first alternating by round. Targets: wrapped/raw >= 0.97 bursts, >= 0.95
//    sequential, GET p99 wrapped/raw <= 1.10 (medians of the per-round ratios).
// 2. Master kill -9 under writes, BENCH_CLUSTER_KILLS times, each on a fresh 3 + 3 cluster
//    (cluster-node-timeout 2000 ms): every client writes INCR on its own keys at 50/s; one master is
//    killed; once its replica took over and the cluster is ok, writing goes on 1.5 s. Counted per
//    client: writes that failed, keys that ran twice (read back), the slowest settle. Targets: wrapped
//    failures <= half the raw client's (median over kills), 0 ran twice.
//
// Environment: BENCH_RUNS (default 9), BENCH_BATCH (default 1000), BENCH_SEQ_OPS (sequential ops per
// client per round, default 10000), BENCH_CLUSTER_KILLS (default 3). Writes .bench-out/client-cluster.json.
// Exit 0: every target met; 1: one is missed (each printed) or the benchmark could not run. Runs against
// dist/ (build first); traffic to 127.0.0.1 only, never port 6379.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { exitUnlessBuilt, LAB, LIFELINE } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { median, round } from './lib/stats.mjs';

const BENCHMARK = 'client-cluster';
const RUNS = positiveIntEnv('BENCH_RUNS', 9);
const BATCH = positiveIntEnv('BENCH_BATCH', 1_000);
const SEQ_SLICE = 500;
const SEQ_OPS = Math.max(
  SEQ_SLICE,
  SEQ_SLICE * Math.round(positiveIntEnv('BENCH_SEQ_OPS', 10_000) / SEQ_SLICE),
);
const BURST_SLICES = 10;
const KILLS = positiveIntEnv('BENCH_CLUSTER_KILLS', 3);
const WRITE_EVERY_MS = 20;
const VALUE = 'v'.repeat(100);
const TARGETS = {
  burstWrappedToRawMin: 0.97,
  sequentialWrappedToRawMin: 0.95,
  p99WrappedToRawMax: 1.1,
  killFailuresWrappedToRawMax: 0.5,
  duplicatesMax: 0,
};
const OVERALL_TIMEOUT_MS = 9 * 60_000;
const LIBS = ['ioredis', 'node-redis'];

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [LAB, LIFELINE]);
const { startCluster } = await import(LAB);
const { lifeline } = await import(LIFELINE);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One Cluster client of `lib` on `seed`, wrapped or not, with what the benchmark calls on it. */
async function clusterClient(lib, seed, wrapped) {
  if (lib === 'ioredis') {
    const client = new Cluster(seed);
    client.on('error', () => undefined);
    if (wrapped) lifeline(client);
    await client.ping();
    return { client, close: () => client.disconnect() };
  }
  const client = createCluster({ rootNodes: seed.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  client.on('error', () => undefined);
  if (wrapped) lifeline(client);
  await client.connect();
  return { client, close: () => client.destroy() };
}

/** Every node's port, checked against the machine's service Redis. */
async function throwawayCluster(options) {
  const cluster = await startCluster(options);
  life.onCleanup(() => cluster.stop());
  for (const node of cluster.nodes) assertPort(node.port);
  return cluster;
}

/** A burst slice: BATCH SETs at once, then BATCH GETs at once; ops per second. */
async function burst(client, prefix) {
  const started = performance.now();
  await Promise.all(Array.from({ length: BATCH }, (_, i) => client.set(`${prefix}:${i}`, VALUE)));
  await Promise.all(Array.from({ length: BATCH }, (_, i) => client.get(`${prefix}:${i}`)));
  return (2 * BATCH * 1000) / (performance.now() - started);
}

/** A sequential slice: SET then GET, each awaited; ops per second and each GET's latency (µs). */
async function sequential(client, prefix, getLatencies) {
  const started = performance.now();
  for (let i = 0; i < SEQ_SLICE / 2; i++) {
    await client.set(`${prefix}:${i}`, VALUE);
    const t = performance.now();
    await client.get(`${prefix}:${i}`);
    getLatencies.push((performance.now() - t) * 1000);
  }
  return (SEQ_SLICE * 1000) / (performance.now() - started);
}

const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;

async function throughput() {
  const cluster = await throwawayCluster({ replicasPerMaster: 0 });
  const seed = cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
  const out = {};
  for (const lib of LIBS) {
    const raw = await clusterClient(lib, seed, false);
    const wrapped = await clusterClient(lib, seed, true);
    const sides = { raw: raw.client, wrapped: wrapped.client };
    const rounds = [];
    for (let r = 0; r <= RUNS; r++) {
      const order = r % 2 ? ['wrapped', 'raw'] : ['raw', 'wrapped'];
      const round = {
        burst: { raw: [], wrapped: [] },
        seq: { raw: [], wrapped: [] },
        get: { raw: [], wrapped: [] },
      };
      for (let s = 0; s < BURST_SLICES; s++)
        for (const side of order) round.burst[side].push(await burst(sides[side], `b:${side}:${s}`));
      for (let s = 0; s < SEQ_OPS / SEQ_SLICE; s++)
        for (const side of order)
          round.seq[side].push(await sequential(sides[side], `s:${side}:${s}`, round.get[side]));
      if (r > 0) rounds.push(round); // round 0 warms up
    }
    const ratio = (pick) => round(median(rounds.map(pick)), 3);
    out[lib] = {
      burstOpsPerSec: {
        raw: round(median(rounds.map((x) => median(x.burst.raw)))),
        wrapped: round(median(rounds.map((x) => median(x.burst.wrapped)))),
        ratio: ratio((x) => median(x.burst.wrapped) / median(x.burst.raw)),
      },
      sequentialOpsPerSec: {
        raw: round(median(rounds.map((x) => median(x.seq.raw)))),
        wrapped: round(median(rounds.map((x) => median(x.seq.wrapped)))),
        ratio: ratio((x) => median(x.seq.wrapped) / median(x.seq.raw)),
      },
      getP99Us: {
        raw: round(median(rounds.map((x) => p99(x.get.raw)))),
        wrapped: round(median(rounds.map((x) => p99(x.get.wrapped)))),
        ratio: ratio((x) => p99(x.get.wrapped) / p99(x.get.raw)),
      },
    };
    log(`${lib}: ${JSON.stringify(out[lib])}`);
    await raw.close();
    await wrapped.close();
  }
  await cluster.stop();
  return out;
}

/** INCR on unique keys every 20 ms until stopped: the keys acknowledged, the failures, the slowest settle. */
function writer(client, prefix) {
  const acks = [];
  let failed = 0;
  let slowestMs = 0;
  let pending = 0;
  let stop = false;
  const done = (async () => {
    for (let n = 0; !stop; n++) {
      const key = `${prefix}:${n}`;
      const sentAt = performance.now();
      pending++;
      const settled = () => {
        pending--;
        slowestMs = Math.max(slowestMs, performance.now() - sentAt);
      };
      client.incr(key).then(
        () => {
          settled();
          acks.push(key);
        },
        () => {
          settled();
          failed++;
        },
      );
      await sleep(WRITE_EVERY_MS);
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      for (let waited = 0; pending > 0 && waited < 15_000; waited += 50) await sleep(50);
      return { acks, failed, pending, slowestMs: round(slowestMs) };
    },
  };
}

async function kill(k) {
  const cluster = await throwawayCluster({});
  const [victim] = await cluster.masters();
  const heir = victim.replicas[0].port;
  const seed = cluster.nodes
    .filter((n) => n.port !== victim.port)
    .map((n) => ({ host: n.host, port: n.port }));
  const clients = {};
  for (const lib of LIBS)
    for (const wrapped of [false, true])
      clients[`${wrapped ? 'lifeline ' : ''}${lib}`] = await clusterClient(lib, seed, wrapped);
  const writers = Object.fromEntries(
    Object.entries(clients).map(([name, c]) => [name, writer(c.client, `${k}:${name}`)]),
  );
  await sleep(1_000);
  process.kill(cluster.nodes.find((n) => n.port === victim.port).pid, 'SIGKILL');
  for (let waited = 0; waited < 30_000; waited += 200) {
    if ((await cluster.masters()).some((m) => m.port === heir)) break;
    await sleep(200);
  }
  await cluster.waitForState('ok', 30_000);
  await sleep(1_500);
  const results = {};
  for (const [name, w] of Object.entries(writers)) results[name] = await w.stop();
  const reader = new Cluster(seed);
  reader.on('error', () => undefined);
  for (const r of Object.values(results)) {
    const values = await Promise.all(r.acks.map((key) => reader.get(key)));
    r.ranTwice = values.filter((v) => v !== null && v !== '1').length;
    r.acknowledged = r.acks.length;
    delete r.acks;
  }
  reader.disconnect();
  for (const c of Object.values(clients)) await c.close();
  await cluster.stop();
  log(`kill ${k + 1}: ${JSON.stringify(results)}`);
  return results;
}

life.run(async () => {
  const started = performance.now();
  const tput = await throughput();
  const kills = [];
  for (let k = 0; k < KILLS; k++) kills.push(await kill(k));

  const failures = [];
  const rows = [['', 'raw', 'lifeline', 'ratio', 'target']];
  for (const lib of LIBS) {
    const t = tput[lib];
    const check = (ok, what) => ok || failures.push(`${lib} ${what}`);
    check(
      t.burstOpsPerSec.ratio >= TARGETS.burstWrappedToRawMin,
      `bursts ${t.burstOpsPerSec.ratio} < ${TARGETS.burstWrappedToRawMin}`,
    );
    check(
      t.sequentialOpsPerSec.ratio >= TARGETS.sequentialWrappedToRawMin,
      `sequential ${t.sequentialOpsPerSec.ratio} < ${TARGETS.sequentialWrappedToRawMin}`,
    );
    check(
      t.getP99Us.ratio <= TARGETS.p99WrappedToRawMax,
      `GET p99 ${t.getP99Us.ratio} > ${TARGETS.p99WrappedToRawMax}`,
    );
    rows.push(
      [
        `${lib} bursts ops/s`,
        t.burstOpsPerSec.raw,
        t.burstOpsPerSec.wrapped,
        t.burstOpsPerSec.ratio,
        `>= ${TARGETS.burstWrappedToRawMin}`,
      ],
      [
        `${lib} sequential ops/s`,
        t.sequentialOpsPerSec.raw,
        t.sequentialOpsPerSec.wrapped,
        t.sequentialOpsPerSec.ratio,
        `>= ${TARGETS.sequentialWrappedToRawMin}`,
      ],
      [
        `${lib} GET p99 µs`,
        t.getP99Us.raw,
        t.getP99Us.wrapped,
        t.getP99Us.ratio,
        `<= ${TARGETS.p99WrappedToRawMax}`,
      ],
    );
    const failed = (name) => kills.map((r) => r[name].failed);
    const rawFailed = median(failed(lib));
    const wrappedFailed = median(failed(`lifeline ${lib}`));
    const twice = kills.reduce((n, r) => n + r[`lifeline ${lib}`].ranTwice, 0);
    if (wrappedFailed > rawFailed * TARGETS.killFailuresWrappedToRawMax)
      failures.push(
        `${lib} master kill: wrapped ${wrappedFailed} failed writes, more than half raw's ${rawFailed}`,
      );
    if (twice > TARGETS.duplicatesMax) failures.push(`${lib} master kill: ${twice} writes ran twice wrapped`);
    rows.push(
      [
        `${lib} master kill: writes failed (each kill)`,
        failed(lib).join('/'),
        failed(`lifeline ${lib}`).join('/'),
        wrappedFailed && round(wrappedFailed / rawFailed, 2),
        '<= 0.5',
      ],
      [
        `${lib} master kill: ran twice (all kills)`,
        kills.reduce((n, r) => n + r[lib].ranTwice, 0),
        twice,
        '',
        '0',
      ],
      [
        `${lib} master kill: slowest settle ms (median)`,
        median(kills.map((r) => r[lib].slowestMs)),
        median(kills.map((r) => r[`lifeline ${lib}`].slowestMs)),
        '',
        '',
      ],
    );
  }
  printRows({
    heading: `Cluster clients: lifeline(client) vs raw (node ${process.version}; ${RUNS} rounds, medians of per-round ratios; ${KILLS} master kills)`,
    rows,
    width: 12,
  });
  await writeResult({
    benchmark: BENCHMARK,
    context: {
      batch: BATCH,
      sequentialOps: SEQ_OPS,
      kills: KILLS,
      durationS: round((performance.now() - started) / 1000),
    },
    runs: RUNS,
    targets: TARGETS,
    series: { throughput: tput, kills },
    ratio: Object.fromEntries(
      LIBS.map((lib) => [
        lib,
        {
          burst: tput[lib].burstOpsPerSec.ratio,
          sequential: tput[lib].sequentialOpsPerSec.ratio,
          p99: tput[lib].getP99Us.ratio,
        },
      ]),
    ),
    failures,
    log,
  });
  return printVerdict(failures, 'every target met');
});
