// Benchmark (issue target): a 2 GB server log does not make `lifeline doctor --log` slow or hungry. The
// doctor reads only the last DOCTOR_DEFAULTS.logMaxBytes (16 MiB) of the log, so against a 2 GiB log it
// must still finish in under 2 s wall (median) and under 200 MB peak RSS (max). Reported next to the
// floor: `tail -c <logMaxBytes> <file> > /dev/null`, the raw cost of reading the same bytes.
//
//   npm run build && node bench/doctor-2gb-log.mjs
//
// The log is a sparse file: 2 GiB long, but only its last 32 MiB are written (realistic Redis 7.4.1
// notice lines with output-buffer kills every few hundred lines and a restart near the end); the rest
// is a hole that takes no disk. The benchmark fails if the file does take real disk.
// Both series read a page-cached tail (the file was just written): this measures the doctor's own cost,
// not the disk's.
//
// Environment: BENCH_RUNS (default 7).
// Writes .bench-out/doctor-2gb-log.json. Exit 0: both targets met; 1: a target missed or the benchmark
// could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { measureDoctor, timedRun } from './lib/measure.mjs';
import { CLI, DOCTOR, exitUnlessBuilt, LAB } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { doctorVsFloorRows, printTable, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { doctorSeries, floorSeries, mb, medianRatio, round } from './lib/stats.mjs';
import { missedTargets } from './lib/targets.mjs';

const BENCHMARK = 'doctor-2gb-log';
const RUNS = positiveIntEnv('BENCH_RUNS', 7);
const LOG_FILE_BYTES = 2 * 1024 ** 3; // 2 GiB apparent size
const LOG_TAIL_BYTES = 32 * 1024 * 1024; // written with real lines; the rest is a hole
const POST_RESTART_BYTES = 256 * 1024; // lines after the restart sequence, at the very end
const SPARSE_SLACK_BYTES = 16 * 1024 * 1024; // allocated beyond the written tail before we call it "not sparse"
const DF_SLACK_BYTES = 256 * 1024 * 1024; // other writers on the same filesystem move df too
const RUN_TIMEOUT_MS = 30_000; // one doctor run or one tail
const OVERALL_TIMEOUT_MS = 5 * 60_000;

// Also keeps a closed pipe (`| head`) from crashing us before cleanup: the server must still stop, the log go.
const log = progressLog(BENCHMARK);

// ---------------------------------------------------------------------------------------------------

exitUnlessBuilt(log, [CLI, LAB, DOCTOR]);
if (spawnSync('tail', ['-c', '1', '/dev/null']).status !== 0) {
  log('tail is not on PATH: it is needed to measure the floor');
  process.exit(1);
}

const { startRedis } = await import(LAB);
const { DOCTOR_DEFAULTS } = await import(DOCTOR);
/** What the doctor reads of a log: the floor reads exactly as many bytes. */
const LOG_MAX_BYTES = DOCTOR_DEFAULTS.logMaxBytes;
if (!(LOG_MAX_BYTES > 0 && LOG_MAX_BYTES < LOG_TAIL_BYTES)) {
  log(
    `DOCTOR_DEFAULTS.logMaxBytes is ${LOG_MAX_BYTES}: the benchmark writes ${LOG_TAIL_BYTES} bytes of lines ` +
      'and needs the read window inside them',
  );
  process.exit(1);
}

/** Everything that must die with the benchmark: the server, the current child, the temp dir with the log. */
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

// ---------------------------------------------------------------------------------------------------
// The synthetic log. Line shapes: the start/shutdown lines and the kill warning are copied from
// /work/shared/fixtures/redis-7.4.1/{restart,output-buffer-pubsub}/server.log; the save cycle from a
// real redis-server 7.0.15 BGSAVE (the same lines in 7.4). Deterministic: same bytes on every run.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, width = 2) => String(n).padStart(width, '0');

/** serverLogRaw's prefix: "pid:role dd Mon yyyy HH:MM:SS.mmm level " (local time, as Redis writes it). */
function line(pid, role, atMs, level, message) {
  const d = new Date(atMs);
  return (
    `${pid}:${role} ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ` +
    `${level} ${message}\n`
  );
}

const OVERCOMMIT =
  "WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.";

/** redis-7.4.1/output-buffer-pubsub/server.log, with the varying fields as parameters. */
function killMessage(id, peerPort, fd) {
  return (
    `Client id=${id} addr=127.0.0.1:${peerPort} laddr=127.0.0.1:55413 fd=${fd} name=slow-sub age=0 idle=0 ` +
    'flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=16386 argv-mem=0 multi-mem=0 ' +
    'rbs=16392 rbp=16392 obl=0 oll=16 omem=262912 tot-mem=296544 events=rw cmd=subscribe user=default ' +
    'redir=-1 resp=2 lib-name= lib-ver= scheduled to be closed ASAP for overcoming of output buffer limits.'
  );
}

/** mulberry32: a tiny seeded PRNG so the file is the same on every run. */
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

/**
 * Builds the last LOG_TAIL_BYTES of the log: save cycles (5 notice lines a minute), a pubsub kill
 * warning every 200-400 lines, and a clean restart POST_RESTART_BYTES before the end. Returns the bytes
 * and the offset (within them) of every kill line, so that the expected count in any tail is known.
 */
function buildLogTail() {
  const rand = prng(0x2b6c);
  const chunks = [];
  const killOffsets = [];
  let bytes = 0;
  let lines = 0;
  let clientId = 1000;
  let childPid = 40_000;
  let nextKill = 300;
  // Timestamps run forward from an arbitrary fixed start (the fixtures' date), ~1 minute per save cycle.
  let at = new Date(2026, 9, 1, 0, 0, 0, 0).getTime();
  const push = (text) => {
    chunks.push(text);
    bytes += text.length; // ASCII only: characters = bytes
    lines++;
  };
  const maybeKill = (pid) => {
    if (lines < nextKill) return;
    at += 1 + Math.floor(rand() * 900);
    killOffsets.push(bytes);
    push(
      line(
        pid,
        'M',
        at,
        '#',
        killMessage(clientId++, 32_768 + Math.floor(rand() * 28_000), 9 + (clientId % 40)),
      ),
    );
    nextKill = lines + 200 + Math.floor(rand() * 200);
  };
  const saveCycle = (pid) => {
    const child = childPid++;
    const changes = 10_000 + Math.floor(rand() * 5_000);
    const cow = Math.floor(rand() * 4);
    at += 60_000 + Math.floor(rand() * 500);
    push(line(pid, 'M', at, '*', `${changes} changes in 60 seconds. Saving...`));
    at += 2 + Math.floor(rand() * 20);
    push(line(pid, 'M', at, '*', `Background saving started by pid ${child}`));
    maybeKill(pid);
    at += 100 + Math.floor(rand() * 800);
    push(line(child, 'C', at, '*', 'DB saved on disk'));
    at += 1;
    push(
      line(
        child,
        'C',
        at,
        '*',
        `Fork CoW for RDB: current ${cow} MB, peak ${cow} MB, average ${cow >> 1} MB`,
      ),
    );
    at += 50 + Math.floor(rand() * 100);
    push(line(pid, 'M', at, '*', 'Background saving terminated with success'));
    maybeKill(pid);
  };

  const oldPid = 28_823;
  const newPid = 28_849;
  while (bytes < LOG_TAIL_BYTES - POST_RESTART_BYTES) saveCycle(oldPid);

  // redis-7.4.1/restart/server.log (with the final save a `save`-configured server adds).
  at += 30_000;
  push(line(oldPid, 'M', at, '*', 'User requested shutdown...'));
  push(line(oldPid, 'M', at, '*', 'Saving the final RDB snapshot before exiting.'));
  at += 180;
  push(line(oldPid, 'M', at, '*', 'DB saved on disk'));
  push(line(oldPid, 'M', at, '*', 'Removing the pid file.'));
  push(line(oldPid, 'M', at, '#', 'Redis is now ready to exit, bye bye...'));
  at += 7;
  push(line(newPid - 1, 'C', at, '#', OVERCOMMIT));
  at += 1;
  push(line(newPid, 'C', at, '*', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'));
  push(
    line(
      newPid,
      'C',
      at,
      '*',
      `Redis version=7.4.1, bits=64, commit=00000000, modified=1, pid=${newPid}, just started`,
    ),
  );
  push(line(newPid, 'C', at, '*', 'Configuration loaded'));
  at += 1;
  push(line(newPid, 'M', at, '*', 'monotonic clock: POSIX clock_gettime'));
  push(line(newPid, 'M', at, '*', 'Running mode=standalone, port=33533.'));
  push(line(newPid, 'M', at, '*', 'Server initialized'));
  push(line(newPid, 'M', at, '*', 'Ready to accept connections tcp'));

  while (bytes < LOG_TAIL_BYTES) saveCycle(newPid);
  return { buffer: Buffer.from(chunks.join(''), 'latin1'), killOffsets, lines };
}

/** Free and used bytes of the filesystem holding `dir`, as `df` reports them (statfs). */
async function diskUsage(dir) {
  const s = await statfs(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

/**
 * A 2 GiB file whose last LOG_TAIL_BYTES are log lines: truncate() makes the hole, one positioned
 * write fills the end. Throws when the filesystem allocates the hole (no sparse files): the benchmark
 * promised not to use real disk.
 */
async function createSparseLog(path) {
  const tail = buildLogTail();
  const before = await diskUsage(dirname(path));
  if (before.freeBytes < LOG_TAIL_BYTES * 4) {
    throw new Error(
      `only ${mb(before.freeBytes)} MB free under ${dirname(path)}; need ~${mb(LOG_TAIL_BYTES * 4)} MB`,
    );
  }
  const handle = await open(path, 'w');
  try {
    await handle.truncate(LOG_FILE_BYTES);
    const { blocks } = await handle.stat();
    if (blocks * 512 > SPARSE_SLACK_BYTES) {
      throw new Error(
        `the filesystem under ${dirname(path)} does not keep sparse files (a bare truncate allocated ` +
          `${mb(blocks * 512)} MB); set TMPDIR to one that does`,
      );
    }
    const position = LOG_FILE_BYTES - tail.buffer.length;
    let written = 0;
    while (written < tail.buffer.length) {
      const { bytesWritten } = await handle.write(
        tail.buffer,
        written,
        tail.buffer.length - written,
        position + written,
      );
      written += bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const st = await stat(path);
  const after = await diskUsage(dirname(path));
  const allocatedBytes = st.blocks * 512;
  const dfDeltaBytes = before.freeBytes - after.freeBytes;
  if (st.size !== LOG_FILE_BYTES) throw new Error(`the log is ${st.size} bytes, not ${LOG_FILE_BYTES}`);
  if (allocatedBytes > tail.buffer.length + SPARSE_SLACK_BYTES) {
    throw new Error(
      `the sparse log takes ${mb(allocatedBytes)} MB of disk (expected ~${mb(tail.buffer.length)} MB)`,
    );
  }
  if (dfDeltaBytes > tail.buffer.length + DF_SLACK_BYTES) {
    throw new Error(
      `df free space fell by ${mb(dfDeltaBytes)} MB while writing a ${mb(tail.buffer.length)} MB tail`,
    );
  }
  const tailStart = LOG_FILE_BYTES - tail.buffer.length;
  const windowStart = LOG_FILE_BYTES - LOG_MAX_BYTES;
  // The reader drops the first line of its window as partial, even one that starts exactly on it.
  const killsInWindow = tail.killOffsets.filter((o) => tailStart + o > windowStart).length;
  return {
    apparentBytes: st.size,
    writtenBytes: tail.buffer.length,
    writtenLines: tail.lines,
    allocatedBytes,
    dfFreeBeforeBytes: before.freeBytes,
    dfFreeAfterBytes: after.freeBytes,
    dfDeltaBytes,
    killLines: tail.killOffsets.length,
    killsInWindow,
  };
}

// ---------------------------------------------------------------------------------------------------

/** One doctor run; with `logPath`, checks that the log's tail was parsed (the kills in it counted). */
function doctorRun(url, rssFile, logPath, expectedKills) {
  return measureDoctor({
    url,
    args: logPath ? ['--log', logPath] : [],
    rssFile,
    timeoutMs: RUN_TIMEOUT_MS,
    tracker: life,
    inspect: (report) => {
      let logKills = null;
      if (logPath) {
        // The throwaway server has no kills of its own: a finding here can only come from the log's tail.
        const kills = report.results.find((x) => x.ruleId === 'output-buffer-kills');
        if (kills?.status !== 'finding') {
          throw new Error(
            `output-buffer-kills is ${kills ? `${kills.status}${kills.reason ? ` (${kills.reason})` : ''}` : 'missing'}, ` +
              'not a finding: the tail of the log was not parsed',
          );
        }
        logKills = kills.evidence?.logKills;
        if (logKills !== expectedKills) {
          throw new Error(
            `output-buffer-kills counted ${logKills} kills in the log; the last ${LOG_MAX_BYTES} bytes hold ${expectedKills}`,
          );
        }
      }
      return {
        logKills,
        findings: report.results.filter((x) => x.status === 'finding').map((x) => x.ruleId),
      };
    },
  });
}

async function floorRun(logPath) {
  // stdout to /dev/null
  const r = await timedRun('tail', ['-c', String(LOG_MAX_BYTES), logPath], {
    timeoutMs: RUN_TIMEOUT_MS,
    tracker: life,
  });
  if (r.timedOut) throw new Error(`tail did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  if (r.code !== 0) throw new Error(`tail -c ${LOG_MAX_BYTES} exited ${r.code ?? r.signal}: ${r.stderr}`);
  return { wallMs: r.wallMs };
}

// ---------------------------------------------------------------------------------------------------

await life.run(async () => {
  life.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const rssFile = join(life.tmp, 'rss.json');
  const logPath = join(life.tmp, 'redis-2gb.log');

  const building = performance.now();
  const file = await createSparseLog(logPath);
  log(
    `${logPath}: ${round(file.apparentBytes / 1024 ** 3, 2)} GiB apparent, ${mb(file.allocatedBytes)} MB on disk ` +
      `(df free fell by ${mb(file.dfDeltaBytes)} MB); ${file.writtenLines} lines, ${file.killLines} kill warnings ` +
      `(${file.killsInWindow} in the last ${LOG_MAX_BYTES} bytes); built in ${round((performance.now() - building) / 1000, 2)} s`,
  );

  const server = await startRedis();
  life.adoptServer(server);
  assertPort(server.port);
  log(`redis on 127.0.0.1:${server.port}`);

  const doctor = [];
  const noLog = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so that drift (page cache, CPU frequency) hits every series alike.
    const d = await doctorRun(server.url, rssFile, logPath, file.killsInWindow);
    const n = await doctorRun(server.url, rssFile);
    const f = await floorRun(logPath);
    doctor.push(d);
    noLog.push(n);
    floor.push(f);
    log(
      `run ${i + 1}/${RUNS}: doctor ${round(d.wallMs)} ms (report ${d.reportDurationMs} ms), ` +
        `${round(d.maxRssMB)} MB peak RSS, ${d.logKills} kills read, exit ${d.exitCode}; ` +
        `without --log ${round(n.wallMs)} ms, ${round(n.maxRssMB)} MB; floor ${round(f.wallMs)} ms`,
    );
  }

  const d = doctorSeries(doctor);
  const n = doctorSeries(noLog);
  const fl = floorSeries(floor);
  const ratio = medianRatio(d, fl);
  const failures = missedTargets(d);

  printTable({
    subject: `a ${round(file.apparentBytes / 1024 ** 3, 2)} GiB log`,
    details:
      `sparse, ${mb(file.allocatedBytes)} MB on disk; ` +
      `${file.killsInWindow} kills in the last ${LOG_MAX_BYTES} bytes; `,
    runs: RUNS,
    rows: [
      ...doctorVsFloorRows({
        doctor: 'doctor --log <2 GiB>',
        floor: `tail -c ${LOG_MAX_BYTES} > /dev/null`,
        d,
        fl,
        ratio,
      }),
      ['reference: doctor without --log wall (ms)', n.medianWallMs, n.maxWallMs],
      ['reference: doctor without --log peak RSS (MB)', n.medianRssMB, n.maxRssMB],
    ],
  });

  await writeResult({
    benchmark: BENCHMARK,
    context: { logMaxBytes: LOG_MAX_BYTES, logFile: file },
    runs: RUNS,
    series: {
      doctor: d,
      doctorWithoutLog: n,
      floor: { command: `tail -c ${LOG_MAX_BYTES} <log> > /dev/null`, ...fl },
    },
    ratio,
    failures,
    log,
  });

  return printVerdict(failures);
});
