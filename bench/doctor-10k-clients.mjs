// Benchmark (issue target): `lifeline doctor` against a server holding 10,000 idle connections finishes
// in under 2 s wall (median) and under 200 MB peak RSS (max), reported next to the floor: the time
// redis-cli takes to fetch the same INFO + CLIENT LIST.
//
//   npm run build && node bench/doctor-10k-clients.mjs
//
// Environment: BENCH_CLIENTS (default 10000), BENCH_RUNS (default 7).
// Writes .bench-out/doctor-10k-clients.json. Exit 0: both targets met; 1: a target missed or the
// benchmark could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveIntEnv } from './lib/env.mjs';
import { clientsWithinFdLimit, infoField, startServerWithIdleClients } from './lib/idle-clients.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { measureDoctor, timedRun } from './lib/measure.mjs';
import { CLI, exitUnlessBuilt, LAB } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { doctorVsFloorRows, printTable, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { doctorSeries, floorSeries, medianRatio, round } from './lib/stats.mjs';
import { missedTargets } from './lib/targets.mjs';

const BENCHMARK = 'doctor-10k-clients';
const TARGET_CLIENTS = positiveIntEnv('BENCH_CLIENTS', 10_000);
const RUNS = positiveIntEnv('BENCH_RUNS', 7);
const FD_RESERVE = 64; // redis-server keeps 32 fds for itself; the rest is headroom for doctor/redis-cli
const CONNECT_WAIT_MS = 60_000;
const RUN_TIMEOUT_MS = 30_000; // one doctor run or one redis-cli pair
const OVERALL_TIMEOUT_MS = 5 * 60_000;

// Also keeps a closed pipe (`| head`) from crashing us before cleanup: the server and the holder must still stop.
const log = progressLog(BENCHMARK);

// File-descriptor limit: every connection costs one fd in redis-server and one in the holder process.
const { clientCount, limits, needed } = clientsWithinFdLimit(TARGET_CLIENTS, FD_RESERVE);
if (clientCount < TARGET_CLIENTS) {
  log(
    `WARNING: ulimit -n is ${limits.soft} (hard ${limits.hard}); each connection needs a file descriptor in ` +
      `redis-server and in the holder, so this run holds ${clientCount} connections instead of ${TARGET_CLIENTS}. ` +
      `Raise the limit (ulimit -n ${needed}) to measure the real target.`,
  );
}

// ---------------------------------------------------------------------------------------------------

exitUnlessBuilt(log, [CLI, LAB]);
if (spawnSync('redis-cli', ['--version']).status !== 0) {
  log('redis-cli is not on PATH: it is needed to poll the server and to measure the floor');
  process.exit(1);
}

const { startRedis } = await import(LAB);

/** Everything that must die with the benchmark: the server, the holder, the current child, the temp dir. */
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

// ---------------------------------------------------------------------------------------------------

async function doctorRun(url, rssFile) {
  return measureDoctor({
    url,
    rssFile,
    timeoutMs: RUN_TIMEOUT_MS,
    tracker: life,
    inspect: (report) => {
      // output-buffer-at-risk needs CLIENT LIST: skipped means the client list was not read.
      const clientsRule = report.results.find((x) => x.ruleId === 'output-buffer-at-risk');
      if (!clientsRule || clientsRule.status === 'skipped') {
        throw new Error(`doctor did not read CLIENT LIST: ${clientsRule?.reason ?? 'rule missing'}`);
      }
      return { skipped: report.results.filter((x) => x.status === 'skipped').map((x) => x.ruleId) };
    },
  });
}

async function floorRun(port) {
  assertPort(port);
  const base = ['-h', '127.0.0.1', '-p', String(port)];
  const started = performance.now();
  for (const args of [
    ['INFO', 'everything'],
    ['CLIENT', 'LIST'],
  ]) {
    // stdout to /dev/null
    const r = await timedRun('redis-cli', [...base, ...args], { timeoutMs: RUN_TIMEOUT_MS, tracker: life });
    if (r.code !== 0)
      throw new Error(`redis-cli ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr}`);
  }
  return { wallMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------------

await life.run(async () => {
  life.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const rssFile = join(life.tmp, 'rss.json');
  const { server, redisVersion, maxclients, connectedClients, holderStatus } =
    await startServerWithIdleClients({
      startRedis,
      clientCount,
      needed,
      life,
      log,
      connectWaitMs: CONNECT_WAIT_MS,
    });

  const doctor = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so that drift (page cache, CPU frequency) hits both series alike.
    const d = await doctorRun(server.url, rssFile);
    const f = await floorRun(server.port);
    doctor.push(d);
    floor.push(f);
    log(
      `run ${i + 1}/${RUNS}: doctor ${round(d.wallMs)} ms (report ${d.reportDurationMs} ms), ` +
        `${round(d.maxRssMB)} MB peak RSS, exit ${d.exitCode}; floor ${round(f.wallMs)} ms`,
    );
  }
  const connectedAfter = Number(await infoField(server.port, 'clients', 'connected_clients')) - 1;
  if (connectedAfter < Math.floor(clientCount * 0.99)) {
    throw new Error(`only ${connectedAfter} clients were still connected after the runs`);
  }

  const d = doctorSeries(doctor);
  const fl = floorSeries(floor);
  const ratio = medianRatio(d, fl);
  const failures = missedTargets(d);

  printTable({
    subject: `${connectedClients} idle clients`,
    details: `redis ${redisVersion}, `,
    runs: RUNS,
    rows: doctorVsFloorRows({
      doctor: 'doctor',
      floor: 'redis-cli INFO everything + CLIENT LIST',
      d,
      fl,
      ratio,
    }),
  });

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      redisVersion,
      clientsTarget: TARGET_CLIENTS,
      clientsHeld: clientCount,
      connectedClients,
      connectedClientsAfterRuns: connectedAfter,
      holder: holderStatus,
      fdLimit: { soft: limits.soft, hard: limits.hard },
      maxclients,
    },
    runs: RUNS,
    series: { doctor: d, floor: fl },
    ratio,
    failures,
    log,
  });

  const exitCode = printVerdict(failures);
  if (clientCount < TARGET_CLIENTS) {
    process.stdout.write(`NOTE: measured with ${clientCount} clients, not ${TARGET_CLIENTS} (ulimit -n)\n`);
  }
  return exitCode;
});
