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
// Environment: BENCH_WATCH_SECONDS (default 600, the issue's 10 minutes), BENCH_IDLE_CLIENTS (idle
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
import { CLI, exitUnlessBuilt, LAB, ROOT } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { cpuSummary, readCpuMs, readMemKiB, rssSummary } from './lib/proc-usage.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { runSampled } from './lib/sampled-run.mjs';
import { median, round } from './lib/stats.mjs';
import {
  briefIncident,
  parseIncidentLines,
  readHistory,
  summarizeSamples,
  watchArgs,
} from './lib/watch-history.mjs';

const BENCHMARK = 'watch-cluster';
const SECONDS = positiveIntEnv('BENCH_WATCH_SECONDS', 600);
const IDLE_PER_NODE = positiveIntEnv('BENCH_IDLE_CLIENTS', 20);
const MASTERS = 3;
const REPLICAS_PER_MASTER = 1;
const NODE_TIMEOUT_MS = 15_000; // cluster-node-timeout: Redis's default
const FLOOR_SECONDS = Math.min(60, SECONDS);
const INTERVAL_MS = 1_000;
const TARGET_CPU_PCT = 5; // of one core, over the whole run
const TARGET_RSS_MB = 150; // MB = 10^6 bytes (the stricter reading of "150 MB")
const MIN_SAMPLE_SHARE = 0.95; // of the seconds watched, per node: below it watch did not keep the cadence
const FLOOR_SCRIPT = join(ROOT, 'bench/lib/info-floor.mjs');
const OVERALL_TIMEOUT_MS = (SECONDS + FLOOR_SECONDS + 240) * 1000;

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI, LAB]);
const { startCluster } = await import(LAB);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

/** CPU as % of one core over a child's whole life (start-up included), from its own totals at exit. */
const wholeRunPct = (r) =>
  r.usage ? round((100 * (r.usage.userCpuMs + r.usage.systemCpuMs)) / r.wallMs, 2) : null;
/** The /proc CPU samples, rounded for the result file: [seconds, CPU ms]. */
const roundCpu = (cpu) => cpu.map((s) => [round(s.t / 1000), round(s.cpuMs)]);
const peakRssMB = (r) => round(Math.max(r.usage?.maxRssKiB ?? 0, r.hwmKiB) * 1.024e-3);
/** The masters' ports, lowest first: the same before and after means no failover happened. */
const masterPorts = async (cluster) =>
  (await cluster.masters())
    .map((m) => m.port)
    .sort((a, b) => a - b)
    .join(',');

/** Logs the child's CPU and RSS once a minute, so that a 10-minute run shows it is alive. */
function progressEvery(ms, label) {
  let timer;
  return {
    onSpawn(child) {
      const t0 = performance.now();
      let last = { t: t0, cpuMs: 0 };
      timer = setInterval(() => {
        const cpuMs = readCpuMs(child.pid);
        const mem = readMemKiB(child.pid);
        if (cpuMs === undefined || !mem) return;
        const now = performance.now();
        const pct = (100 * (cpuMs - last.cpuMs)) / (now - last.t);
        last = { t: now, cpuMs };
        log(
          `${label}: ${Math.round((now - t0) / 1000)} s, CPU ${round(pct, 2)}% of one core in the last ` +
            `${Math.round(ms / 1000)} s, RSS ${round(mem.rssKiB * 1.024e-3)} MB (load ${loadavg()[0].toFixed(2)})`,
        );
      }, ms);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

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
  const floorProgress = progressEvery(30_000, 'floor');
  const floor = await runSampled({
    args: [FLOOR_SCRIPT, '--cluster', String(FLOOR_SECONDS), String(INTERVAL_MS), ...ports.map(String)],
    rssFile: join(life.tmp, 'floor-usage.json'),
    timeoutMs: (FLOOR_SECONDS + 30) * 1000,
    tracker: life,
    onSpawn: floorProgress.onSpawn,
  }).finally(floorProgress.stop);
  if (floor.code !== 0 || floor.timedOut)
    throw new Error(`the floor exited ${floor.code ?? floor.signal}: ${floor.stderr.trim().slice(-500)}`);
  const floorStats = JSON.parse(floor.stderr.trim().split('\n').at(-1));

  // The watch, given the seed only: it finds the other nodes.
  const historyDir = join(life.tmp, 'history');
  const args = watchArgs(CLI, [cluster.seedUrl], { intervalMs: INTERVAL_MS, seconds: SECONDS, historyDir });
  log(`watch: cluster seed ${cluster.seedUrl} every ${INTERVAL_MS} ms for ${SECONDS} s`);
  const watchProgress = progressEvery(60_000, 'watch');
  const watch = await runSampled({
    args,
    rssFile: join(life.tmp, 'watch-usage.json'),
    timeoutMs: (SECONDS + 60) * 1000,
    tracker: life,
    onSpawn: watchProgress.onSpawn,
  }).finally(watchProgress.stop);
  if (watch.timedOut) throw new Error(`watch did not stop within ${SECONDS + 60} s (--duration ${SECONDS}s)`);
  // 0: no incident; 1: an incident at warning or above (--fail-on warning, the default); else a failure.
  if (watch.code !== 0 && watch.code !== 1) {
    throw new Error(
      `watch exited ${watch.code ?? watch.signal}: ${watch.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  }
  // A failover mid-run would make the figures those of another workload.
  await cluster.waitForState('ok', 10_000);
  const mastersAfter = await masterPorts(cluster);

  const { incidents, other } = parseIncidentLines(watch.stdout);
  const history = await readHistory(historyDir);
  const start = history.records.find((r) => r.type === 'start');
  const watchedTargets = start?.targets ?? [];
  const perNode = summarizeSamples(history.records, urls);
  const warnings = watch.stderr.split('\n').filter((l) => l.trim() !== '');
  const counts = perNode.map((s) => s.samples);
  const w = {
    wallS: round(watch.wallMs / 1000),
    exitCode: watch.code,
    cpuWholeRunPct: wholeRunPct(watch),
    cpuMs: watch.usage ? round(watch.usage.userCpuMs + watch.usage.systemCpuMs) : null,
    ...cpuSummary(watch.cpu),
    ...rssSummary(watch.rss),
    peakRssMB: peakRssMB(watch),
    watchedTargets,
    samplesPerNode: { min: Math.min(...counts), median: median(counts), max: Math.max(...counts) },
    samplesUp: perNode.reduce((n, s) => n + s.up, 0),
    samplesTotal: perNode.reduce((n, s) => n + s.samples, 0),
    samplesWithClientList: perNode.reduce((n, s) => n + s.withClientList, 0),
    maxGapMs: Math.max(...perNode.map((s) => s.gapMs.max ?? 0)),
    medianGapMs: median(perNode.map((s) => s.gapMs.median ?? 0)),
    infoRoundTripMedianMs: round(median(perNode.map((s) => s.infoMs.median ?? 0)), 2),
    infoRoundTripMaxMs: Math.max(...perNode.map((s) => s.infoMs.max ?? 0)),
    clientListRoundTripMedianMs: round(median(perNode.map((s) => s.clientListMs.median ?? 0)), 2),
    listedClientsMedian: median(perNode.map((s) => s.listedClients.median ?? 0)),
    historyFiles: history.files,
    historyBadLines: history.badLines,
    incidents: incidents.map(briefIncident),
    otherStdoutLines: other.slice(0, 20),
    stderrLines: warnings.slice(0, 20),
  };
  const fl = {
    wallS: round(floor.wallMs / 1000),
    cpuWholeRunPct: wholeRunPct(floor),
    cpuMs: floor.usage ? round(floor.usage.userCpuMs + floor.usage.systemCpuMs) : null,
    ...cpuSummary(floor.cpu),
    ...rssSummary(floor.rss),
    peakRssMB: peakRssMB(floor),
    ...floorStats,
  };
  const ratio = w.steadyPct && fl.steadyPct ? round(w.steadyPct / fl.steadyPct, 2) : null;

  const failures = [];
  if (w.cpuWholeRunPct === null) failures.push('watch wrote no usage at exit (killed?)');
  else if (w.cpuWholeRunPct >= TARGET_CPU_PCT)
    failures.push(`watch CPU ${w.cpuWholeRunPct}% of one core over the run >= ${TARGET_CPU_PCT}%`);
  if (w.peakRssMB >= TARGET_RSS_MB) failures.push(`watch peak RSS ${w.peakRssMB} MB >= ${TARGET_RSS_MB} MB`);
  const missing = urls.filter((u) => !watchedTargets.includes(u));
  if (missing.length > 0)
    failures.push(`watch did not find every node from the seed: missing ${missing.join(', ')}`);
  const expected = SECONDS * (1000 / INTERVAL_MS);
  for (const s of perNode) {
    if (s.samples < expected * MIN_SAMPLE_SHARE || s.up < s.samples) {
      failures.push(
        `watch took ${s.samples} samples of ${s.target} (${s.up} up) in ${SECONDS} s: ` +
          `fewer than ${MIN_SAMPLE_SHARE * 100}% of one per second${s.firstError ? ` (${s.firstError})` : ''}`,
      );
    }
  }
  if (mastersAfter !== mastersBefore) {
    failures.push(`the masters changed during the run (${mastersBefore} -> ${mastersAfter}): a failover`);
  }

  const pct = (x) => (x === null || x === undefined ? '—' : `${x}%`);
  printRows({
    heading:
      `lifeline watch, cluster of ${nodes.length} nodes (${MASTERS} masters + ${MASTERS * REPLICAS_PER_MASTER} ` +
      `replicas, ${IDLE_PER_NODE} idle clients each) every ${INTERVAL_MS} ms for ${SECONDS} s; floor: INFO + ` +
      `CLUSTER INFO per node, CLUSTER NODES on one, ${FLOOR_SECONDS} s (node ${process.version}; ` +
      `targets: CPU < ${TARGET_CPU_PCT}% of one core, peak RSS < ${TARGET_RSS_MB} MB)`,
    width: 12,
    rows: [
      ['', 'watch', 'floor'],
      ['CPU % of one core, whole run (start-up included)', pct(w.cpuWholeRunPct), pct(fl.cpuWholeRunPct)],
      ['CPU % of one core, after the first 10 s', pct(w.steadyPct), pct(fl.steadyPct)],
      ['CPU % of one core, 1-minute windows: median', pct(w.medianWindowPct), pct(fl.medianWindowPct)],
      ['CPU % of one core, 1-minute windows: max', pct(w.maxWindowPct), pct(fl.maxWindowPct)],
      ['watch / floor CPU (after the first 10 s)', ratio ?? '—', ''],
      ['RSS median (MB, sampled every second)', w.medianRssMB, fl.medianRssMB],
      ['RSS max (MB, sampled every second)', w.maxRssMB, fl.maxRssMB],
      ['peak RSS (MB, VmHWM / ru_maxrss)', w.peakRssMB, fl.peakRssMB],
      ['nodes watched (found from the seed)', `${watchedTargets.length}/${nodes.length}`, ''],
      [
        `samples per node (min/median/max; ${expected} s)`,
        `${w.samplesPerNode.min}/${w.samplesPerNode.median}/${w.samplesPerNode.max}`,
        `${fl.rounds} rounds`,
      ],
      ['samples up / all', `${w.samplesUp}/${w.samplesTotal}`, ''],
      ['samples with CLIENT LIST', w.samplesWithClientList, ''],
      ['gap between samples (ms, median / max)', `${w.medianGapMs}/${w.maxGapMs}`, ''],
      ['INFO round trip (ms, median / max)', `${w.infoRoundTripMedianMs}/${w.infoRoundTripMaxMs}`, ''],
      ['CLIENT LIST round trip (ms, median)', w.clientListRoundTripMedianMs, ''],
      ['incidents', w.incidents.length, ''],
    ],
  });
  for (const i of w.incidents.slice(0, 10)) {
    process.stdout.write(
      `NOTE: incident on a healthy cluster: ${i.kind} (${i.severity}) ${i.target}: ${i.message}\n`,
    );
  }
  for (const line of w.stderrLines.slice(0, 10)) process.stdout.write(`NOTE: watch said: ${line}\n`);

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
      floor: { ...fl, cpuSamples: roundCpu(floor.cpu) },
    },
    ratio,
    failures,
    log,
  });
  return printVerdict(failures, 'both targets met, every node sampled');
});
