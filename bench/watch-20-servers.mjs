// Benchmark (issue target): `lifeline watch` watching 20 servers at a 1 s interval stays under 5% of one
// core and under 150 MB RSS over 10 minutes. Reported next to the floor: a Node process that only sends
// the same INFO to the same 20 servers every second (bench/lib/info-floor.mjs), for 60 s.
//
//   npm run build && node bench/watch-20-servers.mjs
//   BENCH_WATCH_SECONDS=60 node bench/watch-20-servers.mjs     (a short run)
//
// 20 throwaway redis-servers, each with BENCH_IDLE_CLIENTS idle connections (named with CLIENT SETNAME)
// held by this process, so that CLIENT LIST has lines to parse. The floor runs first, then
// `lifeline watch <20 urls> --interval 1s --duration <N>s --no-live --json --history <tmp>` as a child
// process. Its CPU time is read from /proc/<pid>/stat every 5 s (and in total at exit, getrusage through
// bench/lib/max-rss-preload.mjs), its RSS from /proc/<pid>/status every second (and the peak at exit).
// The history proves what watch did: samples per server (~1 per second, all up), how many ran CLIENT LIST.
// Incidents (NDJSON on stdout; none expected from healthy servers) are reported, not counted as failures.
//
// Environment: BENCH_WATCH_SECONDS (default 600, the issue's 10 minutes), BENCH_SERVERS (default 20),
// BENCH_IDLE_CLIENTS (idle connections per server, default 20).
// Writes .bench-out/watch-20-servers.json. Exit 0: both targets met (and watch sampled every server at
// least 95% of the seconds); 1: a target missed or the benchmark could not run. Runs against dist/ (build
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

const BENCHMARK = 'watch-20-servers';
const SECONDS = positiveIntEnv('BENCH_WATCH_SECONDS', 600);
const SERVERS = positiveIntEnv('BENCH_SERVERS', 20);
const IDLE_PER_SERVER = positiveIntEnv('BENCH_IDLE_CLIENTS', 20);
const FLOOR_SECONDS = Math.min(60, SECONDS);
const INTERVAL_MS = 1_000;
const TARGET_CPU_PCT = 5; // of one core, over the whole run
const TARGET_RSS_MB = 150; // MB = 10^6 bytes (the stricter reading of "150 MB")
const MIN_SAMPLE_SHARE = 0.95; // of the seconds watched, per server: below it watch did not keep the cadence
const FLOOR_SCRIPT = join(ROOT, 'bench/lib/info-floor.mjs');
const OVERALL_TIMEOUT_MS = (SECONDS + FLOOR_SECONDS + 240) * 1000;

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI, LAB]);
const { startRedis } = await import(LAB);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

/** CPU as % of one core over a child's whole life (start-up included), from its own totals at exit. */
const wholeRunPct = (r) =>
  r.usage ? round((100 * (r.usage.userCpuMs + r.usage.systemCpuMs)) / r.wallMs, 2) : null;
/** The /proc CPU samples, rounded for the result file: [seconds, CPU ms]. */
const roundCpu = (cpu) => cpu.map((s) => [round(s.t / 1000), round(s.cpuMs)]);
const peakRssMB = (r) => round(Math.max(r.usage?.maxRssKiB ?? 0, r.hwmKiB) * 1.024e-3);

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
  const servers = [];
  // One "server" for the lifecycle: stops every one started so far.
  life.adoptServer({ stop: () => Promise.all(servers.map((s) => s.stop().catch(() => undefined))) });
  for (let i = 0; i < SERVERS; i++) {
    const server = await startRedis({});
    servers.push(server);
    assertPort(server.port);
    // startRedis installs its own SIGINT/SIGTERM handlers once: take them back (see lifecycle.mjs).
    if (i === 0) life.adoptServer(life.server);
  }
  const ports = servers.map((s) => s.port);
  const urls = servers.map((s) => s.url);
  log(
    `${SERVERS} redis-servers on 127.0.0.1:${ports[0]}..; opening ${IDLE_PER_SERVER} idle connections each`,
  );

  const sockets = [];
  life.onCleanup(() => {
    for (const s of sockets) s.destroy();
  });
  for (const [i, port] of ports.entries()) {
    sockets.push(...(await openIdleSockets(port, IDLE_PER_SERVER, `idle-${i}-`)));
  }

  // The floor: INFO on every server every second, nothing else.
  log(`floor: INFO on ${SERVERS} connections every ${INTERVAL_MS} ms for ${FLOOR_SECONDS} s`);
  const floorProgress = progressEvery(30_000, 'floor');
  const floor = await runSampled({
    args: [FLOOR_SCRIPT, String(FLOOR_SECONDS), String(INTERVAL_MS), ...ports.map(String)],
    rssFile: join(life.tmp, 'floor-usage.json'),
    timeoutMs: (FLOOR_SECONDS + 30) * 1000,
    tracker: life,
    onSpawn: floorProgress.onSpawn,
  }).finally(floorProgress.stop);
  if (floor.code !== 0 || floor.timedOut)
    throw new Error(`the floor exited ${floor.code ?? floor.signal}: ${floor.stderr.trim().slice(-500)}`);
  const floorStats = JSON.parse(floor.stderr.trim().split('\n').at(-1));

  // The watch.
  const historyDir = join(life.tmp, 'history');
  const args = watchArgs(CLI, urls, { intervalMs: INTERVAL_MS, seconds: SECONDS, historyDir });
  log(`watch: ${SERVERS} servers every ${INTERVAL_MS} ms for ${SECONDS} s`);
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

  const { incidents, other } = parseIncidentLines(watch.stdout);
  const history = await readHistory(historyDir);
  const perServer = summarizeSamples(history.records, urls);
  const warnings = watch.stderr.split('\n').filter((l) => l.trim() !== '');
  const counts = perServer.map((s) => s.samples);
  const w = {
    wallS: round(watch.wallMs / 1000),
    exitCode: watch.code,
    cpuWholeRunPct: wholeRunPct(watch),
    cpuMs: watch.usage ? round(watch.usage.userCpuMs + watch.usage.systemCpuMs) : null,
    ...cpuSummary(watch.cpu),
    ...rssSummary(watch.rss),
    peakRssMB: peakRssMB(watch),
    samplesPerServer: { min: Math.min(...counts), median: median(counts), max: Math.max(...counts) },
    samplesUp: perServer.reduce((n, s) => n + s.up, 0),
    samplesTotal: perServer.reduce((n, s) => n + s.samples, 0),
    samplesWithClientList: perServer.reduce((n, s) => n + s.withClientList, 0),
    maxGapMs: Math.max(...perServer.map((s) => s.gapMs.max ?? 0)),
    medianGapMs: median(perServer.map((s) => s.gapMs.median ?? 0)),
    infoRoundTripMedianMs: round(median(perServer.map((s) => s.infoMs.median ?? 0)), 2),
    infoRoundTripMaxMs: Math.max(...perServer.map((s) => s.infoMs.max ?? 0)),
    clientListRoundTripMedianMs: round(median(perServer.map((s) => s.clientListMs.median ?? 0)), 2),
    listedClientsMedian: median(perServer.map((s) => s.listedClients.median ?? 0)),
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
  const expected = SECONDS * (1000 / INTERVAL_MS);
  for (const s of perServer) {
    if (s.samples < expected * MIN_SAMPLE_SHARE || s.up < s.samples) {
      failures.push(
        `watch took ${s.samples} samples of ${s.target} (${s.up} up) in ${SECONDS} s: ` +
          `fewer than ${MIN_SAMPLE_SHARE * 100}% of one per second${s.firstError ? ` (${s.firstError})` : ''}`,
      );
    }
  }

  const pct = (x) => (x === null || x === undefined ? '—' : `${x}%`);
  printRows({
    heading:
      `lifeline watch, ${SERVERS} servers (${IDLE_PER_SERVER} idle clients each) every ${INTERVAL_MS} ms ` +
      `for ${SECONDS} s; floor: INFO only, ${FLOOR_SECONDS} s (node ${process.version}; ` +
      `targets: CPU < ${TARGET_CPU_PCT}% of one core, peak RSS < ${TARGET_RSS_MB} MB)`,
    width: 10,
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
      [
        `samples per server (min/median/max; ${expected} s)`,
        `${w.samplesPerServer.min}/${w.samplesPerServer.median}/${w.samplesPerServer.max}`,
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
      `NOTE: incident on a healthy server: ${i.kind} (${i.severity}) ${i.target}: ${i.message}\n`,
    );
  }
  for (const line of w.stderrLines.slice(0, 10)) process.stdout.write(`NOTE: watch said: ${line}\n`);

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      servers: SERVERS,
      idleClientsPerServer: IDLE_PER_SERVER,
      intervalMs: INTERVAL_MS,
      watchSeconds: SECONDS,
      floorSeconds: FLOOR_SECONDS,
      loadavgAfter: loadavg().map((x) => round(x, 2)),
      perServer,
    },
    runs: 1,
    targets: { cpuWholeRunPctMax: TARGET_CPU_PCT, peakRssMBMax: TARGET_RSS_MB, rssUnit: 'MB = 10^6 bytes' },
    series: {
      watch: { ...w, cpuSamples: roundCpu(watch.cpu) },
      floor: { ...fl, cpuSamples: roundCpu(floor.cpu) },
    },
    ratio,
    failures,
    log,
  });
  return printVerdict(failures);
});
