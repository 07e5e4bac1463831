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
// Environment: BENCH_WATCH_SECONDS (default 600, the 10 minutes), BENCH_SERVERS (default 20),
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

const BENCHMARK = 'watch-20-servers';
const SECONDS = positiveIntEnv('BENCH_WATCH_SECONDS', 600);
const SERVERS = positiveIntEnv('BENCH_SERVERS', 20);
const IDLE_PER_SERVER = positiveIntEnv('BENCH_IDLE_CLIENTS', 20);
const FLOOR_SECONDS = Math.min(60, SECONDS);
const INTERVAL_MS = 1_000;
const OVERALL_TIMEOUT_MS = (SECONDS + FLOOR_SECONDS + 240) * 1000;

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI, LAB]);
const { startRedis } = await import(LAB);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

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
  const fl = await runFloor(life, { ports, intervalMs: INTERVAL_MS, seconds: FLOOR_SECONDS, log });

  // The watch.
  log(`watch: ${SERVERS} servers every ${INTERVAL_MS} ms for ${SECONDS} s`);
  const watch = await runWatch(life, {
    urls,
    intervalMs: INTERVAL_MS,
    seconds: SECONDS,
    progress: { log, label: 'watch', everyMs: 60_000 },
  });

  const { history, perTarget: perServer, output } = await readWatchRun(watch, urls);
  const w = {
    ...usageFigures(watch, { exitCode: true }),
    ...sampleFigures(perServer),
    historyFiles: history.files,
    historyBadLines: history.badLines,
    ...output,
  };
  const ratio = steadyRatio(w, fl);

  const failures = missedUsageTargets(w);
  failures.push(
    ...missedCadence(perServer, { seconds: SECONDS, intervalMs: INTERVAL_MS, minShare: MIN_SAMPLE_SHARE }),
  );

  const expected = SECONDS * (1000 / INTERVAL_MS);
  printRows({
    heading:
      `lifeline watch, ${SERVERS} servers (${IDLE_PER_SERVER} idle clients each) every ${INTERVAL_MS} ms ` +
      `for ${SECONDS} s; floor: INFO only, ${FLOOR_SECONDS} s (node ${process.version}; ` +
      `targets: CPU < ${TARGET_CPU_PCT}% of one core, peak RSS < ${TARGET_RSS_MB} MB)`,
    width: 10,
    rows: [...watchUsageRows({ w, fl, ratio }), ...watchSampleRows({ w, fl, per: 'server', expected })],
  });
  printWatchNotes(
    w,
    (i) => `incident on a healthy server: ${i.kind} (${i.severity}) ${i.target}: ${i.message}`,
  );

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
      floor: fl,
    },
    ratio,
    failures,
    log,
  });
  return printVerdict(failures);
});
