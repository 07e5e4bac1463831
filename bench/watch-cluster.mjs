// Benchmark (issue target): `lifeline watch` on a 6-node Redis Cluster (3 masters, 3 replicas) at a 1 s
// interval stays under 5% of one core and under 150 MB RSS over 10 minutes, and samples every node at
// least 95% of the seconds. Reported next to the floor: a Node process that only sends, every second,
// what watch reads of the cluster (INFO to every node, CLUSTER INFO to every node, CLUSTER NODES to one;
// bench/lib/info-floor.mjs --cluster), for 60 s.
//
//   npm run build && node bench/watch-cluster.mjs
//   BENCH_WATCH_SECONDS=60 node bench/watch-cluster.mjs     (a short run)
//
// A throwaway cluster from the lab (startCluster: 3 masters, 1 replica each, cluster-node-timeout
// 15000, Redis's default, so that a loaded machine does not fail a node over mid-run), each node with
// BENCH_IDLE_CLIENTS idle connections (named with CLIENT SETNAME) held by this process, so that CLIENT
// LIST has lines to parse. The floor runs first, then
// `lifeline watch <seed url> --interval 1s --duration <N>s --no-live --json --history <tmp>` as a child
// process: watch finds the other five nodes itself (cluster_enabled:1, CLUSTER NODES). Its CPU time is
// read from /proc/<pid>/stat every 5 s (and in total at exit, getrusage through
// bench/lib/max-rss-preload.mjs), its RSS from /proc/<pid>/status every second (and the peak at exit).
// The history proves what watch did: samples per node (~1 per second, all up), how many ran CLIENT LIST.
// Incidents (NDJSON on stdout; none expected from a healthy cluster) are reported, not counted as
// failures. After the watch the cluster must still be ok with the same masters (no failover mid-run).
//
// Environment: BENCH_WATCH_SECONDS (default 600, the 10 minutes), BENCH_IDLE_CLIENTS (idle
// connections per node, default 20).
// Writes .bench-out/watch-cluster.json. Exit 0: both targets met (and watch sampled every node at least
// 95% of the seconds); 1: a target missed or the benchmark could not run. Runs against dist/ (build
// first); traffic to 127.0.0.1 only, never port 6379.
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveIntEnv } from './lib/env.mjs';
import { openIdleSockets } from './lib/idle-clients.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { CLI, exitUnlessBuilt, LAB } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import {
  printRows,
  printVerdict,
  printWatchNotes,
  progressLog,
  watchSampleRows,
  watchUsageRows,
  writeResult,
} from './lib/report.mjs';
import { roundCpu, usageFigures } from './lib/sampled-run.mjs';
import { round } from './lib/stats.mjs';
import { missedCadence, readWatchRun, sampleFigures } from './lib/watch-history.mjs';
import {
  MIN_SAMPLE_SHARE,
  missedUsageTargets,
  runFloor,
  runWatch,
  steadyRatio,
  TARGET_CPU_PCT,
  TARGET_RSS_MB,
} from './lib/watch-run.mjs';

const BENCHMARK = 'watch-cluster';
const SECONDS = positiveIntEnv('BENCH_WATCH_SECONDS', 600);
const IDLE_PER_NODE = positiveIntEnv('BENCH_IDLE_CLIENTS', 20);
const MASTERS = 3;
const REPLICAS_PER_MASTER = 1;
const NODE_TIMEOUT_MS = 15_000; // cluster-node-timeout: Redis's default
const FLOOR_SECONDS = Math.min(60, SECONDS);
const INTERVAL_MS = 1_000;
const OVERALL_TIMEOUT_MS = (SECONDS + FLOOR_SECONDS + 240) * 1000;

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI, LAB]);
const { startCluster } = await import(LAB);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

/** The masters' ports, lowest first: the same before and after means no failover happened. */
const masterPorts = async (cluster) =>
  (await cluster.masters())
    .map((m) => m.port)
    .sort((a, b) => a - b)
    .join(',');

await life.run(async () => {
  life.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const started = performance.now();
  const cluster = await startCluster({
    masters: MASTERS,
    replicasPerMaster: REPLICAS_PER_MASTER,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
  });
  // startRedis installs its own SIGINT/SIGTERM handlers: take them back (see lifecycle.mjs).
  life.adoptServer(cluster);
  const nodes = cluster.nodes;
  for (const node of nodes) assertPort(node.port);
  const ports = nodes.map((n) => n.port);
  const urls = nodes.map((n) => n.url);
  const mastersBefore = await masterPorts(cluster);
  log(
    `cluster of ${nodes.length} nodes (${MASTERS} masters, ${MASTERS * REPLICAS_PER_MASTER} replicas) on ` +
      `127.0.0.1:${ports.join(',')} in ${round((performance.now() - started) / 1000)} s; ` +
      `opening ${IDLE_PER_NODE} idle connections each`,
  );

  const sockets = [];
  life.onCleanup(() => {
    for (const s of sockets) s.destroy();
  });
  for (const [i, port] of ports.entries()) {
    sockets.push(...(await openIdleSockets(port, IDLE_PER_NODE, `idle-${i}-`)));
  }

  // The floor: INFO + CLUSTER INFO on every node and CLUSTER NODES on one, every second, nothing else.
  log(
    `floor: INFO + CLUSTER INFO on ${nodes.length} connections, CLUSTER NODES on one, every ` +
      `${INTERVAL_MS} ms for ${FLOOR_SECONDS} s`,
  );
  const fl = await runFloor(life, {
    ports,
    intervalMs: INTERVAL_MS,
    seconds: FLOOR_SECONDS,
    cluster: true,
    log,
  });

  // The watch, given the seed only: it finds the other nodes.
  log(`watch: cluster seed ${cluster.seedUrl} every ${INTERVAL_MS} ms for ${SECONDS} s`);
  const watch = await runWatch(life, {
    urls: [cluster.seedUrl],
    intervalMs: INTERVAL_MS,
    seconds: SECONDS,
    progress: { log, label: 'watch', everyMs: 60_000 },
  });
  // A failover mid-run would make the figures those of another workload.
  await cluster.waitForState('ok', 10_000);
  const mastersAfter = await masterPorts(cluster);

  const { history, perTarget: perNode, output } = await readWatchRun(watch, urls);
  const watchedTargets = history.records.find((r) => r.type === 'start')?.targets ?? [];
  const w = {
    ...usageFigures(watch, { exitCode: true }),
    watchedTargets,
    ...sampleFigures(perNode),
    historyFiles: history.files,
    historyBadLines: history.badLines,
    ...output,
  };
  const ratio = steadyRatio(w, fl);

  const failures = missedUsageTargets(w);
  const missing = urls.filter((u) => !watchedTargets.includes(u));
  if (missing.length > 0)
    failures.push(`watch did not find every node from the seed: missing ${missing.join(', ')}`);
  failures.push(
    ...missedCadence(perNode, { seconds: SECONDS, intervalMs: INTERVAL_MS, minShare: MIN_SAMPLE_SHARE }),
  );
  if (mastersAfter !== mastersBefore) {
    failures.push(`the masters changed during the run (${mastersBefore} -> ${mastersAfter}): a failover`);
  }

  const expected = SECONDS * (1000 / INTERVAL_MS);
  printRows({
    heading:
      `lifeline watch, cluster of ${nodes.length} nodes (${MASTERS} masters + ${MASTERS * REPLICAS_PER_MASTER} ` +
      `replicas, ${IDLE_PER_NODE} idle clients each) every ${INTERVAL_MS} ms for ${SECONDS} s; floor: INFO + ` +
      `CLUSTER INFO per node, CLUSTER NODES on one, ${FLOOR_SECONDS} s (node ${process.version}; ` +
      `targets: CPU < ${TARGET_CPU_PCT}% of one core, peak RSS < ${TARGET_RSS_MB} MB)`,
    width: 12,
    rows: [
      ...watchUsageRows({ w, fl, ratio }),
      ['nodes watched (found from the seed)', `${watchedTargets.length}/${nodes.length}`, ''],
      ...watchSampleRows({ w, fl, per: 'node', expected }),
    ],
  });
  printWatchNotes(
    w,
    (i) => `incident on a healthy cluster: ${i.kind} (${i.severity}) ${i.target}: ${i.message}`,
  );

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      masters: MASTERS,
      replicasPerMaster: REPLICAS_PER_MASTER,
      clusterNodeTimeoutMs: NODE_TIMEOUT_MS,
      ports,
      mastersBefore,
      mastersAfter,
      idleClientsPerNode: IDLE_PER_NODE,
      intervalMs: INTERVAL_MS,
      watchSeconds: SECONDS,
      floorSeconds: FLOOR_SECONDS,
      loadavgAfter: loadavg().map((x) => round(x, 2)),
      perNode,
    },
    runs: 1,
    targets: {
      cpuWholeRunPctMax: TARGET_CPU_PCT,
      peakRssMBMax: TARGET_RSS_MB,
      minSampleShare: MIN_SAMPLE_SHARE,
      rssUnit: 'MB = 10^6 bytes',
    },
    series: {
      watch: { ...w, cpuSamples: roundCpu(watch.cpu) },
      floor: fl,
    },
    ratio,
    failures,
    log,
  });
  return printVerdict(failures, 'both targets met, every node sampled');
});
