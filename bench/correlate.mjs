// Benchmark (issue #18 target): `lifeline correlate` reads a 1 GB application log at ≥ 100 MB/s with
// ≤ 200 MB peak RSS. Reported next to the floor: `grep -c ECONNRESET <file>`, the raw cost of scanning
// the same bytes for one word.
//
//   npm run build && node bench/correlate.mjs
//
// The log is written to a temp dir (1 GB of real bytes: it needs that much free disk, checked first):
// ordinary request lines in three shapes (ISO timestamps, as a Node app writes them) with a Redis error
// burst every ~20 000 lines (ioredis ECONNRESET, a stack trace under some, redis-py refusals), plus a
// server log with a kill before some bursts, so that every stage runs: prefilter, recognition, bursts,
// matching. Both series read a page-cached file (a warm-up read first): this measures correlate's own
// cost, not the disk's.
//
// Environment: BENCH_RUNS (default 3), BENCH_CORRELATE_MB (default 1000).
// Writes .bench-out/correlate.json. Exit 0: both targets met; 1: a target missed or it could not run.
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { timedRun } from './lib/measure.mjs';
import { CLI, exitUnlessBuilt, RSS_PRELOAD } from './lib/paths.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { max, median, round } from './lib/stats.mjs';

const BENCHMARK = 'correlate';
const RUNS = positiveIntEnv('BENCH_RUNS', 3);
const TARGET_BYTES = positiveIntEnv('BENCH_CORRELATE_MB', 1000) * 1e6;
const TARGET_MBPS = 100;
const TARGET_RSS_MB = 200; // MB = 10^6 bytes
const RUN_TIMEOUT_MS = 120_000;
const OVERALL_TIMEOUT_MS = 9 * 60_000;

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI]);
if (spawnSync('grep', ['-c', 'x', '/dev/null']).status === null) {
  log('grep is not on PATH: it is needed to measure the floor');
  process.exit(1);
}
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

/** mulberry32: the same file on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, w = 2) => String(n).padStart(w, '0');
/** Redis's log prefix in UTC (the CLI runs with TZ=UTC). */
const serverStamp = (ms) => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
};

/** Writes the app log and the server log; returns { bytes, errors, bursts, kills }. */
async function writeLogs(appPath, serverPath) {
  const rand = prng(0x18c0);
  const file = await open(appPath, 'w');
  const server = [];
  let at = Date.UTC(2026, 11, 7, 0, 0, 0);
  let bytes = 0;
  let lines = 0;
  let errors = 0;
  let bursts = 0;
  let nextBurst = 20_000;
  let batch = [];
  let batchBytes = 0;
  const push = (line) => {
    batch.push(line);
    batchBytes += line.length + 1;
    lines++;
  };
  while (bytes + batchBytes < TARGET_BYTES) {
    at += 1 + Math.floor(rand() * 6);
    const iso = new Date(at).toISOString();
    const r = rand();
    if (lines >= nextBurst) {
      bursts++;
      const kill = bursts % 2 === 0;
      if (kill)
        server.push(
          `1:M ${serverStamp(at - 80)} # Client id=${bursts} addr=10.0.3.7:${40000 + (bursts % 20000)} laddr=10.0.3.1:6379 fd=9 name=sub age=9 idle=0 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=9 omem=300000 tot-mem=320000 events=rw cmd=subscribe user=default redir=-1 resp=2 lib-name=ioredis lib-ver=5 scheduled to be closed ASAP for overcoming of output buffer limits.`,
        );
      const n = 5 + Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) {
        const t = new Date(at + i * 7).toISOString();
        errors++;
        if (i % 3 === 0) {
          push(`${t} ERROR [ioredis] Unhandled error event: Error: read ECONNRESET`);
          push('    at TCP.onStreamRead (node:internal/stream_base_commons:217:20) {');
          push("  errno: -104, code: 'ECONNRESET', syscall: 'read'");
          push('}');
        } else if (i % 3 === 1) push(`${t} ERROR app: redis GET session:${lines} failed: read ECONNRESET`);
        else push(`${t} ERROR app: redis SET failed: Connection is closed. host=web-${i % 3}`);
      }
      at += n * 7 + 10_000; // a quiet gap: each burst its own
      nextBurst = lines + 15_000 + Math.floor(rand() * 10_000);
    } else if (r < 0.7) {
      push(
        `${iso} INFO request handled method=GET path=/api/v1/users/${lines % 100_000} status=200 duration_ms=${(rand() * 80).toFixed(1)} trace=${Math.floor(rand() * 2 ** 32).toString(16)}`,
      );
    } else if (r < 0.9) {
      push(
        `${iso} INFO cache hit key=user:${lines % 50_000}:profile ttl=${Math.floor(rand() * 3600)} bytes=${Math.floor(rand() * 4000)} node=web-${lines % 7}`,
      );
    } else {
      push(
        `${iso} WARN slow query table=orders rows=${Math.floor(rand() * 10_000)} duration_ms=${Math.floor(rand() * 2000)} caller=OrdersRepository.findByCustomer retries=0`,
      );
    }
    if (batch.length >= 10_000) {
      const text = `${batch.join('\n')}\n`;
      await file.write(text);
      bytes += Buffer.byteLength(text);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length) {
    const text = `${batch.join('\n')}\n`;
    await file.write(text);
    bytes += Buffer.byteLength(text);
  }
  await file.close();
  await writeFile(serverPath, `${server.join('\n')}\n`);
  return { bytes, lines, errors, bursts, kills: server.length };
}

async function measureCorrelate(appPath, serverPath, rssFile) {
  await rm(rssFile, { force: true });
  const r = await timedRun(
    process.execPath,
    ['--import', RSS_PRELOAD, CLI, 'correlate', appPath, '--log', serverPath, '--json', '--fail-on', 'none'],
    {
      env: { ...process.env, LIFELINE_BENCH_RSS_FILE: rssFile, NO_COLOR: '1', TZ: 'UTC' },
      captureStdout: true,
      timeoutMs: RUN_TIMEOUT_MS,
      tracker: life,
    },
  );
  if (r.timedOut) throw new Error(`correlate did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  if (r.code !== 0)
    throw new Error(
      `correlate exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`,
    );
  const result = JSON.parse(r.stdout);
  const usage = JSON.parse(await readFile(rssFile, 'utf8'));
  return { wallMs: r.wallMs, maxRssMB: (usage.maxRssKiB * 1024) / 1e6, result };
}

await life.run(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeline-bench-correlate-'));
  life.tmp = dir;
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < TARGET_BYTES * 1.2) {
    log(
      `only ${round(free / 1e9, 2)} GB free in ${dir}: the benchmark writes ${round(TARGET_BYTES / 1e9, 2)} GB`,
    );
    return 1;
  }
  const appPath = join(dir, 'app.log');
  const serverPath = join(dir, 'redis.log');
  log(`writing a ${round(TARGET_BYTES / 1e6, 0)} MB app log in ${dir}…`);
  const written = await writeLogs(appPath, serverPath);
  log(
    `${written.lines} lines, ${written.errors} Redis errors in ${written.bursts} bursts, ${written.kills} kills in the server log`,
  );
  // Warm the page cache for both series.
  await timedRun('cat', [appPath], { timeoutMs: RUN_TIMEOUT_MS, tracker: life });

  const floor = [];
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const g = await timedRun('grep', ['-c', 'ECONNRESET', appPath], {
      captureStdout: true,
      timeoutMs: RUN_TIMEOUT_MS,
      tracker: life,
    });
    floor.push({ wallMs: g.wallMs, count: Number(g.stdout.trim()) });
    const c = await measureCorrelate(appPath, serverPath, join(dir, 'rss.json'));
    runs.push(c);
    log(
      `run ${i + 1}: correlate ${round(c.wallMs)} ms, ${round(c.maxRssMB)} MB RSS; grep -c ${round(g.wallMs)} ms`,
    );
  }
  const result = runs[0].result;
  const failures = [];
  if (result.errors !== written.errors)
    failures.push(`correlate found ${result.errors} errors, the log has ${written.errors}`);
  if (result.bursts !== written.bursts)
    failures.push(`correlate found ${result.bursts} bursts, the log has ${written.bursts}`);
  if (result.matched !== written.kills)
    failures.push(`correlate matched ${result.matched} bursts, the server log has ${written.kills} kills`);
  const mbps = (wallMs) => round(written.bytes / 1e6 / (wallMs / 1000));
  const c = {
    medianWallMs: round(median(runs.map((r) => r.wallMs))),
    maxWallMs: round(max(runs.map((r) => r.wallMs))),
    medianMBps: mbps(median(runs.map((r) => r.wallMs))),
    medianRssMB: round(median(runs.map((r) => r.maxRssMB))),
    maxRssMB: round(max(runs.map((r) => r.maxRssMB))),
    samples: runs.map((r) => ({ wallMs: round(r.wallMs), maxRssMB: round(r.maxRssMB) })),
  };
  const fl = {
    medianWallMs: round(median(floor.map((r) => r.wallMs))),
    maxWallMs: round(max(floor.map((r) => r.wallMs))),
    medianMBps: mbps(median(floor.map((r) => r.wallMs))),
    samples: floor.map((r) => round(r.wallMs)),
  };
  const ratio = round(c.medianWallMs / fl.medianWallMs, 2);
  if (c.medianMBps < TARGET_MBPS)
    failures.push(`median throughput ${c.medianMBps} MB/s < ${TARGET_MBPS} MB/s`);
  if (c.maxRssMB > TARGET_RSS_MB) failures.push(`peak RSS ${c.maxRssMB} MB > ${TARGET_RSS_MB} MB`);
  printRows({
    heading: `correlate vs grep -c ECONNRESET (${round(written.bytes / 1e6, 0)} MB app log, node ${process.version}, ${RUNS} runs; targets: ≥ ${TARGET_MBPS} MB/s, ≤ ${TARGET_RSS_MB} MB RSS)`,
    rows: [
      ['', 'median', 'max'],
      ['correlate wall (ms)', c.medianWallMs, c.maxWallMs],
      ['correlate throughput (MB/s)', c.medianMBps, ''],
      ['correlate peak RSS (MB)', c.medianRssMB, c.maxRssMB],
      ['floor wall (ms): grep -c ECONNRESET', fl.medianWallMs, fl.maxWallMs],
      ['floor throughput (MB/s)', fl.medianMBps, ''],
      ['correlate / floor (wall)', ratio, ''],
    ],
  });
  await writeResult({
    benchmark: BENCHMARK,
    context: {
      appLogBytes: written.bytes,
      lines: written.lines,
      errors: written.errors,
      bursts: written.bursts,
      kills: written.kills,
    },
    runs: RUNS,
    targets: { minMBps: TARGET_MBPS, maxRssMB: TARGET_RSS_MB, rssUnit: 'MB = 10^6 bytes' },
    series: { correlate: c, floor: fl },
    ratio,
    failures,
    log,
  });
  return printVerdict(failures);
});
