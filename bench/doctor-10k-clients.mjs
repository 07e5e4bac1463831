// Benchmark (issue target): `lifeline doctor` against a server holding 10,000 idle connections finishes
// in under 2 s wall (median) and under 200 MB peak RSS (max), reported next to the floor: the time
// redis-cli takes to fetch the same INFO + CLIENT LIST.
//
//   npm run build && node bench/doctor-10k-clients.mjs
//
// Environment: BENCH_CLIENTS (default 10000), BENCH_RUNS (default 7).
// Writes .bench-out/doctor-10k-clients.json. Exit 0: both targets met; 1: a target missed or the
// benchmark could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const LAB = join(ROOT, 'dist/lab/index.js');
const HOLDER = join(ROOT, 'bench/lib/hold-connections.mjs');
const RSS_PRELOAD = join(ROOT, 'bench/lib/max-rss-preload.mjs');
const OUT_DIR = join(ROOT, '.bench-out');
const OUT_FILE = join(OUT_DIR, 'doctor-10k-clients.json');

const TARGET_CLIENTS = positiveInt(process.env.BENCH_CLIENTS, 10_000);
const RUNS = positiveInt(process.env.BENCH_RUNS, 7);
const TARGET_WALL_MS = 2_000;
const TARGET_RSS_MB = 200; // MB = 10^6 bytes (the stricter reading of "200 MB")
const FD_RESERVE = 64; // redis-server keeps 32 fds for itself; the rest is headroom for doctor/redis-cli
const CONNECT_WAIT_MS = 60_000;
const RUN_TIMEOUT_MS = 30_000; // one doctor run or one redis-cli pair
const OVERALL_TIMEOUT_MS = 5 * 60_000;

const execFileP = promisify(execFile);

function positiveInt(value, fallback) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

// A closed pipe (`| head`) must not crash us before cleanup: the server and the holder must still stop.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

function log(message) {
  process.stderr.write(`[doctor-10k-clients] ${message}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// File-descriptor limit: every connection costs one fd in redis-server and one in the holder process.

function fdLimits() {
  const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = (r.stdout ?? '').trim().split('\n');
  const parse = (v) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: parse(soft), hard: parse(hard) };
}

// Node raises its own soft limit to the hard one at startup, so `ulimit -n` seen from a child shell is
// what redis-server and the holder (both our children) get.
const limits = fdLimits();
const needed = TARGET_CLIENTS + FD_RESERVE;
const clientCount = Number.isFinite(limits.soft)
  ? Math.max(1, Math.min(TARGET_CLIENTS, limits.soft - FD_RESERVE))
  : TARGET_CLIENTS;
if (clientCount < TARGET_CLIENTS) {
  log(
    `WARNING: ulimit -n is ${limits.soft} (hard ${limits.hard}); each connection needs a file descriptor in ` +
      `redis-server and in the holder, so this run holds ${clientCount} connections instead of ${TARGET_CLIENTS}. ` +
      `Raise the limit (ulimit -n ${needed}) to measure the real target.`,
  );
}
const maxclients = Math.max(20_000, clientCount + 100);

// ---------------------------------------------------------------------------------------------------

if (!existsSync(CLI) || !existsSync(LAB)) {
  log(`dist/ is missing: run \`npm run build\` first (looked for ${CLI})`);
  process.exit(1);
}
if (spawnSync('redis-cli', ['--version']).status !== 0) {
  log('redis-cli is not on PATH: it is needed to poll the server and to measure the floor');
  process.exit(1);
}

const { startRedis } = await import(LAB);

/** Everything that must die with the benchmark. */
const state = { server: undefined, holder: undefined, current: undefined, tmp: undefined };

/** Set when a signal or the overall timeout stops the run: its errors are then not failures to report. */
let interrupted;
let cleaning;
/** Stops everything once; every caller (main flow, signal, overall timeout) waits for the same work. */
function cleanup() {
  cleaning ??= (async () => {
    const { server, holder, current, tmp } = state;
    if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    if (holder && holder.exitCode === null && holder.signalCode === null) {
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGTERM');
      const t = setTimeout(() => holder.kill('SIGKILL'), 3_000);
      await Promise.race([exited, sleep(5_000)]);
      clearTimeout(t);
    }
    if (server) await Promise.race([server.stop(), sleep(10_000)]);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}

const overall = setTimeout(() => {
  log(`FAIL: the benchmark did not finish within ${OVERALL_TIMEOUT_MS / 1000} s; stopping everything`);
  interrupted = 'timeout';
  cleanup().finally(() => process.exit(1));
}, OVERALL_TIMEOUT_MS);

const onSignal = (signal) => {
  interrupted = signal;
  log(`${signal}: stopping`);
  cleanup().finally(() => process.exit(1));
};
/**
 * Ours must be the only SIGINT/SIGTERM handlers: the lab's (installed by startRedis) kills the server and
 * re-raises the signal at once, before the holder is stopped and the temp dirs removed. Its 'exit' hook
 * (SIGKILL to any server still alive) stays.
 */
function ownSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(signal);
    process.once(signal, onSignal);
  }
}
ownSignals();

// ---------------------------------------------------------------------------------------------------

function assertPort(port) {
  if (port === 6379) throw new Error('refusing to touch the Redis on port 6379');
}

async function redisCli(port, ...args) {
  assertPort(port);
  const { stdout } = await execFileP('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function infoField(port, section, field) {
  const text = await redisCli(port, 'INFO', section);
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m ? m[1].trim() : undefined;
}

/** Runs a child; resolves { wallMs, code, signal, stdout, stderr }. Kills it after RUN_TIMEOUT_MS. */
function timedRun(command, args, { env, captureStdout = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: env ?? process.env,
      stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    state.current = child;
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      state.current = undefined;
      resolvePromise({ wallMs, code, signal, stdout, stderr, timedOut: wallMs >= RUN_TIMEOUT_MS });
    });
  });
}

async function startHolder(port, count) {
  assertPort(port);
  const holder = spawn(process.execPath, [HOLDER, String(port), String(count)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  state.holder = holder;
  let last = { opened: 0, failed: 0, closedEarly: 0, open: 0 };
  let ready = false;
  holder.on('message', (m) => {
    last = m;
    if (m.type === 'ready') ready = true;
  });
  const deadline = Date.now() + CONNECT_WAIT_MS;
  let lastLogged = 0;
  while (Date.now() < deadline) {
    if (holder.exitCode !== null || holder.signalCode !== null)
      throw new Error(`the connection holder exited early (${holder.exitCode ?? holder.signalCode})`);
    if (ready) {
      const connected = Number(await infoField(port, 'clients', 'connected_clients'));
      // connected_clients counts the redis-cli asking, too.
      if (connected - 1 >= last.open && last.open >= Math.floor(count * 0.99)) {
        return { holder, connectedClients: connected - 1, holderStatus: last };
      }
      if (last.open < Math.floor(count * 0.99)) {
        throw new Error(
          `the holder kept only ${last.open} of ${count} connections open ` +
            `(failed ${last.failed}, closed early ${last.closedEarly}; first error: ${last.firstError ?? 'none'})`,
        );
      }
    }
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      log(`opening connections: ${last.opened}/${count} (failed ${last.failed})`);
    }
    await sleep(200);
  }
  throw new Error(
    `connected_clients did not reach ${count} within ${CONNECT_WAIT_MS / 1000} s ` +
      `(holder: opened ${last.opened}, failed ${last.failed}, first error: ${last.firstError ?? 'none'})`,
  );
}

async function doctorRun(url, rssFile) {
  await rm(rssFile, { force: true });
  const r = await timedRun(
    process.execPath,
    ['--import', RSS_PRELOAD, CLI, 'doctor', url, '--json', '--fail-on', 'none'],
    { env: { ...process.env, LIFELINE_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' }, captureStdout: true },
  );
  if (r.timedOut) throw new Error(`doctor did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  if (r.code !== 0 && r.code !== 1) {
    throw new Error(
      `doctor exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`doctor --json did not print JSON: ${r.stdout.slice(0, 200)}`);
  }
  // output-buffer-at-risk needs CLIENT LIST: skipped means the client list was not read.
  const clientsRule = report.results.find((x) => x.ruleId === 'output-buffer-at-risk');
  if (!clientsRule || clientsRule.status === 'skipped') {
    throw new Error(`doctor did not read CLIENT LIST: ${clientsRule?.reason ?? 'rule missing'}`);
  }
  const usage = JSON.parse(await readFile(rssFile, 'utf8'));
  return {
    wallMs: r.wallMs,
    reportDurationMs: report.durationMs,
    exitCode: r.code,
    maxRssMB: (usage.maxRssKiB * 1024) / 1e6,
    cpuMs: usage.userCpuMs + usage.systemCpuMs,
    skipped: report.results.filter((x) => x.status === 'skipped').map((x) => x.ruleId),
  };
}

async function floorRun(port) {
  assertPort(port);
  const base = ['-h', '127.0.0.1', '-p', String(port)];
  const started = performance.now();
  for (const args of [
    ['INFO', 'everything'],
    ['CLIENT', 'LIST'],
  ]) {
    const r = await timedRun('redis-cli', [...base, ...args]); // stdout to /dev/null
    if (r.code !== 0)
      throw new Error(`redis-cli ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr}`);
  }
  return { wallMs: performance.now() - started };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const max = (xs) => Math.max(...xs);
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------------

let exitCode = 1;
try {
  state.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const rssFile = join(state.tmp, 'rss.json');
  const server = await startRedis({ config: { maxclients: String(maxclients) } });
  state.server = server;
  ownSignals();
  assertPort(server.port);
  const effectiveMaxclients = Number(await infoField(server.port, 'clients', 'maxclients'));
  const redisVersion = await infoField(server.port, 'server', 'redis_version');
  log(
    `redis ${redisVersion} on 127.0.0.1:${server.port} (maxclients ${effectiveMaxclients}); ` +
      `opening ${clientCount} idle connections`,
  );
  if (effectiveMaxclients < clientCount + 10) {
    throw new Error(
      `redis-server could only allow maxclients ${effectiveMaxclients} (fd limit); ` +
        `raise ulimit -n to ${needed} or lower BENCH_CLIENTS`,
    );
  }

  const connectStarted = performance.now();
  const { connectedClients, holderStatus } = await startHolder(server.port, clientCount);
  log(`${connectedClients} clients connected in ${round((performance.now() - connectStarted) / 1000, 2)} s`);

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

  const d = {
    medianWallMs: round(median(doctor.map((r) => r.wallMs))),
    maxWallMs: round(max(doctor.map((r) => r.wallMs))),
    medianReportDurationMs: median(doctor.map((r) => r.reportDurationMs)),
    medianRssMB: round(median(doctor.map((r) => r.maxRssMB))),
    maxRssMB: round(max(doctor.map((r) => r.maxRssMB))),
    medianCpuMs: round(median(doctor.map((r) => r.cpuMs))),
  };
  const fl = {
    medianWallMs: round(median(floor.map((r) => r.wallMs))),
    maxWallMs: round(max(floor.map((r) => r.wallMs))),
  };
  const ratio = round(d.medianWallMs / fl.medianWallMs, 2);
  const failures = [];
  if (d.medianWallMs > TARGET_WALL_MS)
    failures.push(`median doctor wall ${d.medianWallMs} ms > ${TARGET_WALL_MS} ms`);
  if (d.maxRssMB > TARGET_RSS_MB) failures.push(`max doctor peak RSS ${d.maxRssMB} MB > ${TARGET_RSS_MB} MB`);

  const rows = [
    ['', 'median', 'max'],
    ['doctor wall (ms)', d.medianWallMs, d.maxWallMs],
    ['floor wall (ms): redis-cli INFO everything + CLIENT LIST', fl.medianWallMs, fl.maxWallMs],
    ['doctor / floor (median)', ratio, ''],
    ['doctor peak RSS (MB)', d.medianRssMB, d.maxRssMB],
  ];
  const w0 = Math.max(...rows.map((r) => String(r[0]).length));
  const table = rows
    .map(([a, b, c]) => `${String(a).padEnd(w0)}  ${String(b).padStart(8)}  ${String(c).padStart(8)}`)
    .join('\n');
  process.stdout.write(
    `\ndoctor vs ${connectedClients} idle clients (redis ${redisVersion}, node ${process.version}, ` +
      `${RUNS} runs; targets: median wall < ${TARGET_WALL_MS} ms, max RSS < ${TARGET_RSS_MB} MB)\n` +
      `${table}\n`,
  );

  const result = {
    benchmark: 'doctor-10k-clients',
    date: new Date().toISOString(),
    node: process.version,
    redisVersion,
    clientsTarget: TARGET_CLIENTS,
    clientsHeld: clientCount,
    connectedClients,
    connectedClientsAfterRuns: connectedAfter,
    holder: holderStatus,
    fdLimit: { soft: limits.soft, hard: limits.hard },
    maxclients: effectiveMaxclients,
    runs: RUNS,
    targets: { medianWallMs: TARGET_WALL_MS, maxRssMB: TARGET_RSS_MB, rssUnit: 'MB = 10^6 bytes' },
    doctor: {
      ...d,
      samples: doctor.map((r) => ({ ...r, wallMs: round(r.wallMs), maxRssMB: round(r.maxRssMB) })),
    },
    floor: { ...fl, samples: floor.map((r) => round(r.wallMs)) },
    ratioMedian: ratio,
    pass: failures.length === 0,
    failures,
  };
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(OUT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${OUT_FILE}`);

  if (failures.length > 0) {
    for (const f of failures) process.stdout.write(`FAIL: ${f}\n`);
  } else {
    process.stdout.write('PASS: both targets met\n');
    exitCode = 0;
  }
  if (clientCount < TARGET_CLIENTS) {
    process.stdout.write(`NOTE: measured with ${clientCount} clients, not ${TARGET_CLIENTS} (ulimit -n)\n`);
  }
} catch (error) {
  if (!interrupted) log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(overall);
}
process.exit(exitCode);
