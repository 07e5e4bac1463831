// Benchmark (issue target): the load `lifeline watch` puts on a Redis with 10,000 clients, whose CLIENT LIST
// is the expensive command, is measured and kept bounded: INFO + CLIENT LIST take at most 2% of the
// server's wall time (watch's design budget is 1% for CLIENT LIST). Watch's own CPU and RSS are reported.
//
//   npm run build && node bench/watch-10k-clients.mjs
//
// A throwaway server with `maxclients 20000`; a child process holds 10,000 idle TCP connections (each
// named with CLIENT SETNAME; bench/lib/hold-connections.mjs, as bench/doctor-10k-clients.mjs);
// `lifeline watch <url> --interval 1s --duration <N>s --no-live --json --history <tmp>` runs as a child,
// with BENCH_BASELINE_SECONDS before and after it without watch (the server's cost of 10,000 idle clients).
// Measured:
// - the server's time on watch's commands: INFO commandstats (cmdstat_info, cmdstat_client|list, and the
//   rest) read with redis-cli before and after; usec spent / wall usec of the watch = the load share;
// - the server's CPU (/proc/<pid>/stat) during the watch, less the baseline (the mean of the two): it
//   includes what commandstats does not count (writing the 2.8 MB CLIENT LIST replies to the socket), and
//   counts CPU only where commandstats counts wall time (preemption on a busy machine included);
// - from the history: how often CLIENT LIST ran (samples with `clients` / all samples), its round trip
//   (clients.durationMs) and the INFO round trip (sample.durationMs);
// - watch's CPU time (/proc every 5 s, getrusage at exit) and RSS (/proc every second, peak at exit).
//
// Environment: BENCH_WATCH_SECONDS (default 60), BENCH_CLIENTS (default 10000), BENCH_BASELINE_SECONDS
// (default 30).
// Writes .bench-out/watch-10k-clients.json. Exit 0: the target is met (and watch sampled at least 95% of
// the seconds, and listed the clients at least once); 1: it is missed or the benchmark could not run.
// Runs against dist/ (build first); traffic to 127.0.0.1 only, never port 6379.
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { positiveIntEnv } from './lib/env.mjs';
import {
  clientsWithinFdLimit,
  infoField,
  redisCli,
  startServerWithIdleClients,
} from './lib/idle-clients.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { CLI, exitUnlessBuilt, LAB } from './lib/paths.mjs';
import { readCpuMs } from './lib/proc-usage.mjs';
import {
  pctCell as pct,
  printRows,
  printVerdict,
  printWatchNotes,
  progressLog,
  writeResult,
} from './lib/report.mjs';
import { usageFigures } from './lib/sampled-run.mjs';
import { round } from './lib/stats.mjs';
import { missedCadence, readWatchRun } from './lib/watch-history.mjs';
import {
  MIN_SAMPLE_SHARE,
  TARGET_CPU_PCT as REFERENCE_CPU_PCT,
  TARGET_RSS_MB as REFERENCE_RSS_MB,
  runWatch,
} from './lib/watch-run.mjs';

const BENCHMARK = 'watch-10k-clients';
const TARGET_CLIENTS = positiveIntEnv('BENCH_CLIENTS', 10_000);
const SECONDS = positiveIntEnv('BENCH_WATCH_SECONDS', 60);
const BASELINE_SECONDS = positiveIntEnv('BENCH_BASELINE_SECONDS', 30);
const INTERVAL_MS = 1_000;
const TARGET_SERVER_SHARE_PCT = 2; // INFO + CLIENT LIST usec / wall usec
const CLIENT_LIST_BUDGET_PCT = 1; // watch's default --client-list-budget (information)
// REFERENCE_CPU_PCT, REFERENCE_RSS_MB: the 20-server targets, as a reference for one large server (information).
const FD_RESERVE = 64; // redis-server keeps 32 fds for itself; the rest is headroom for watch and redis-cli
const CONNECT_WAIT_MS = 60_000;
const OVERALL_TIMEOUT_MS = (SECONDS + 2 * BASELINE_SECONDS + 240) * 1000;

const log = progressLog(BENCHMARK);

const { clientCount, limits, needed } = clientsWithinFdLimit(TARGET_CLIENTS, FD_RESERVE);
if (clientCount < TARGET_CLIENTS) {
  log(
    `WARNING: ulimit -n is ${limits.soft} (hard ${limits.hard}); each connection needs a file descriptor in ` +
      `redis-server and in the holder, so this run holds ${clientCount} connections instead of ${TARGET_CLIENTS}. ` +
      `Raise the limit (ulimit -n ${needed}) to measure the real target.`,
  );
}

exitUnlessBuilt(log, [CLI, LAB]);
if (spawnSync('redis-cli', ['--version']).status !== 0) {
  log('redis-cli is not on PATH: it is needed to read the server INFO commandstats');
  process.exit(1);
}
const { startRedis } = await import(LAB);
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

/** INFO commandstats as { 'client|list': { calls, usec }, info: {...}, ... }. */
async function commandStats(port) {
  const stats = {};
  for (const m of (await redisCli(port, 'INFO', 'commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm,
  )) {
    stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return stats;
}

/** after − before, per command (commands that did not run left out). */
function statsDelta(before, after) {
  const delta = {};
  for (const [cmd, a] of Object.entries(after)) {
    const b = before[cmd] ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) delta[cmd] = { calls: a.calls - b.calls, usec: a.usec - b.usec };
  }
  return delta;
}

await life.run(async () => {
  life.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const { server, redisVersion, maxclients, connectedClients, holderStatus } =
    await startServerWithIdleClients({
      startRedis,
      clientCount,
      needed,
      life,
      log,
      connectWaitMs: CONNECT_WAIT_MS,
      holderEnv: { BENCH_HOLD_MAX_MS: String(OVERALL_TIMEOUT_MS + 60_000) },
    });

  // The server's own CPU with 10,000 idle clients and nobody asking (serverCron walks the clients), before
  // and after the watch: their mean is what the server would have spent anyway.
  const pid = server.pid;
  const baseline = async (when) => {
    const a = { t: performance.now(), cpuMs: readCpuMs(pid) };
    log(`baseline ${when} the watch: the server's CPU for ${BASELINE_SECONDS} s without watch`);
    await sleep(BASELINE_SECONDS * 1000);
    const b = { t: performance.now(), cpuMs: readCpuMs(pid) };
    return (100 * (b.cpuMs - a.cpuMs)) / (b.t - a.t);
  };
  await sleep(2_000); // let the connection burst settle
  const baselineBeforePct = await baseline('before');

  // Two readings back to back: the second minus the first is what one of our INFO commandstats costs.
  const s1 = await commandStats(server.port);
  const s2 = await commandStats(server.port);
  const ownInfoUsec = s2.info.usec - (s1.info?.usec ?? 0);
  const server0 = { t: performance.now(), cpuMs: readCpuMs(pid) };

  log(`watch: ${server.url} every ${INTERVAL_MS} ms for ${SECONDS} s`);
  const watch = await runWatch(life, { urls: [server.url], intervalMs: INTERVAL_MS, seconds: SECONDS });
  const server1 = { t: performance.now(), cpuMs: readCpuMs(pid) };
  const s3 = await commandStats(server.port);
  const connectedAfter = Number(await infoField(server.port, 'clients', 'connected_clients')) - 1;
  const baselineAfterPct = await baseline('after');
  const baselinePct = (baselineBeforePct + baselineAfterPct) / 2;

  // Watch's commands on the server: everything between the second reading and the third, less that reading.
  const delta = statsDelta(s2, s3);
  if (delta.info) {
    delta.info.calls -= 1;
    delta.info.usec -= ownInfoUsec;
  }
  const wallUsec = SECONDS * 1e6; // watch samples for exactly --duration
  const share = (cmd) => (delta[cmd] ? round((100 * delta[cmd].usec) / wallUsec, 3) : 0);
  const clientListSharePct = share('client|list');
  const infoSharePct = share('info');
  const serverSharePct = round(clientListSharePct + infoSharePct, 3);
  const allCommandsSharePct = round(
    (100 * Object.values(delta).reduce((n, d) => n + d.usec, 0)) / wallUsec,
    3,
  );
  const serverCpuPct = (100 * (server1.cpuMs - server0.cpuMs)) / (server1.t - server0.t);

  const {
    history,
    perTarget: [s],
    output,
  } = await readWatchRun(watch, [server.url]);
  const w = {
    ...usageFigures(watch, { exitCode: true, cpuMs: false }),
    samples: s.samples,
    samplesUp: s.up,
    samplesWithClientList: s.withClientList,
    clientListEverySamples: s.withClientList ? round(s.samples / s.withClientList, 2) : null,
    clientListRoundTripMs: s.clientListMs,
    listedClients: s.listedClients,
    infoRoundTripMs: s.infoMs,
    gapMs: s.gapMs,
    historyBadLines: history.badLines,
    ...output,
  };
  const load = {
    wallSeconds: SECONDS,
    commands: delta,
    clientListSharePct,
    infoSharePct,
    serverSharePct,
    allCommandsSharePct,
    clientListUsecPerCall: delta['client|list']
      ? round(delta['client|list'].usec / delta['client|list'].calls)
      : null,
    infoUsecPerCall: delta.info ? round(delta.info.usec / delta.info.calls) : null,
    serverCpuDuringWatchPct: round(serverCpuPct, 2),
    serverCpuBaselinePct: round(baselinePct, 2),
    serverCpuBaselineBeforeAfterPct: [round(baselineBeforePct, 2), round(baselineAfterPct, 2)],
    serverCpuForWatchPct: round(serverCpuPct - baselinePct, 2),
    ownInfoUsec,
  };

  const failures = [];
  if (serverSharePct > TARGET_SERVER_SHARE_PCT)
    failures.push(
      `watch's INFO + CLIENT LIST took ${serverSharePct}% of the server's wall time > ${TARGET_SERVER_SHARE_PCT}%`,
    );
  if (!delta['client|list'] || s.withClientList === 0)
    failures.push('watch never ran CLIENT LIST: the load of listing 10,000 clients was not measured');
  failures.push(
    ...missedCadence([s], {
      seconds: SECONDS,
      intervalMs: INTERVAL_MS,
      minShare: MIN_SAMPLE_SHARE,
      named: false,
    }),
  );
  if (connectedAfter < Math.floor(clientCount * 0.99))
    failures.push(`only ${connectedAfter} clients were still connected after the watch`);

  const rt = (x) => (x.count ? `${x.median}/${x.max}` : '—');
  printRows({
    heading:
      `lifeline watch vs ${connectedClients} idle clients (redis ${redisVersion}, node ${process.version}, ` +
      `every ${INTERVAL_MS} ms for ${SECONDS} s; target: INFO + CLIENT LIST <= ${TARGET_SERVER_SHARE_PCT}% ` +
      `of the server's wall time)`,
    width: 12,
    rows: [
      ['server: CLIENT LIST time / wall (commandstats)', pct(clientListSharePct)],
      ['server: INFO time / wall (commandstats)', pct(infoSharePct)],
      ['server: INFO + CLIENT LIST / wall', pct(serverSharePct)],
      ['server: all watch commands / wall', pct(allCommandsSharePct)],
      ['server: usec per CLIENT LIST / per INFO', `${load.clientListUsecPerCall}/${load.infoUsecPerCall}`],
      [
        `server CPU during watch, less idle baseline (${load.serverCpuBaselinePct}%)`,
        pct(load.serverCpuForWatchPct),
      ],
      ['samples (up / all)', `${s.up}/${s.samples}`],
      ['samples with CLIENT LIST', `${s.withClientList} (1 in ${w.clientListEverySamples ?? '—'})`],
      ['CLIENT LIST round trip, ms (median/max)', rt(s.clientListMs)],
      ['clients listed (median)', s.listedClients.median ?? '—'],
      ['INFO round trip, ms (median/max)', rt(s.infoMs)],
      ['watch CPU % of one core, whole run', pct(w.cpuWholeRunPct)],
      ['watch CPU % of one core, after the first 10 s', pct(w.steadyPct)],
      ['watch RSS, MB (median / max sampled)', `${w.medianRssMB}/${w.maxRssMB}`],
      ['watch peak RSS, MB', w.peakRssMB],
      ['incidents', w.incidents.length],
    ],
  });
  printWatchNotes(w, (i) => `incident: ${i.kind} (${i.severity}): ${i.message}`);
  if (w.cpuWholeRunPct !== null && w.cpuWholeRunPct >= REFERENCE_CPU_PCT)
    process.stdout.write(
      `NOTE: watch used ${w.cpuWholeRunPct}% of one core (the 20-server target is ${REFERENCE_CPU_PCT}%)\n`,
    );
  if (w.peakRssMB >= REFERENCE_RSS_MB)
    process.stdout.write(
      `NOTE: watch peaked at ${w.peakRssMB} MB RSS (the 20-server target is ${REFERENCE_RSS_MB} MB)\n`,
    );

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      redisVersion,
      clientsTarget: TARGET_CLIENTS,
      clientsHeld: clientCount,
      connectedClients,
      connectedClientsAfter: connectedAfter,
      holder: holderStatus,
      fdLimit: { soft: limits.soft, hard: limits.hard },
      maxclients,
      intervalMs: INTERVAL_MS,
      watchSeconds: SECONDS,
      baselineSeconds: BASELINE_SECONDS,
      clientListBudgetPct: CLIENT_LIST_BUDGET_PCT,
      loadavgAfter: loadavg().map((x) => round(x, 2)),
    },
    runs: 1,
    targets: {
      serverSharePctMax: TARGET_SERVER_SHARE_PCT,
      reference: { watchCpuPct: REFERENCE_CPU_PCT, watchPeakRssMB: REFERENCE_RSS_MB },
    },
    series: { serverLoad: load, watch: w },
    ratio: null,
    failures,
    log,
  });
  const exitCode = printVerdict(failures, 'target met');
  if (clientCount < TARGET_CLIENTS) {
    process.stdout.write(`NOTE: measured with ${clientCount} clients, not ${TARGET_CLIENTS} (ulimit -n)\n`);
  }
  return exitCode;
});
