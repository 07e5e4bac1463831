// Benchmark (issue target): the lab fault proxy's own overhead. Pipelined SET/GET through a FaultProxy
// with no toxic reaches at least 0.8 of the ops/s the same client gets straight from the same
// redis-server (the median of the per-round ratios, rounds interleaved in the same run).
//
//   npm run build && node bench/proxy-overhead.mjs
//
// Three ways to the same throwaway redis-server, each measured every round in a rotating order:
// - direct: the client connects to redis-server itself;
// - proxy: through the lab's FaultProxy (dist/lab, no toxic), in its own process as `lifeline proxy` runs
//   it, so that its CPU is not taken from the client measuring it;
// - relay: through a bare Node socket relay (read, write; nothing else), the floor any Node proxy pays.
// Clients: ioredis pipelines (batches of BENCH_BATCH SETs of a 100-byte value, then as many GETs of the
// same keys; the target), ioredis sequential GETs (one in flight: latency added per command, reported
// only) and, when it is installed, redis-benchmark -P 16 (a second, independent client; reported only).
//
// Environment: BENCH_RUNS (default 7), BENCH_OPS (ioredis pipelined ops per round, default 200000),
// BENCH_BATCH (default 1000), BENCH_SEQ_OPS (sequential GETs per round, default 5000), BENCH_RB_REQUESTS
// (redis-benchmark -n, default 200000), BENCH_CPU_PROF_DIR (when set, the proxy process runs with
// --cpu-prof and writes its profile there).
// Writes .bench-out/proxy-overhead.json. Exit 0: the target is met; 1: it is missed or the benchmark
// could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only, never port 6379.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { bounded } from './lib/bounded.mjs';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle, stopChild } from './lib/lifecycle.mjs';
import { timedRun } from './lib/measure.mjs';
import { exitUnlessBuilt, LAB, PROXY_PROCESS } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { median, round } from './lib/stats.mjs';

const BENCHMARK = 'proxy-overhead';
const RUNS = positiveIntEnv('BENCH_RUNS', 7);
const BATCH = positiveIntEnv('BENCH_BATCH', 1_000);
/** Whole SET+GET batch pairs: the ops per pipelined round are a multiple of 2 × BATCH. */
const BATCH_PAIRS = Math.max(1, Math.round(positiveIntEnv('BENCH_OPS', 200_000) / (2 * BATCH)));
const OPS = BATCH_PAIRS * 2 * BATCH;
const SEQ_OPS = positiveIntEnv('BENCH_SEQ_OPS', 5_000);
const RB_REQUESTS = positiveIntEnv('BENCH_RB_REQUESTS', 200_000);
const RB_PIPELINE = 16;
const VALUE = 'v'.repeat(100); // 100 bytes
const TARGET_RATIO = 0.8;
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;
const READY_TIMEOUT_MS = 10_000; // a proxy process listening, an ioredis client connected
const ROUND_TIMEOUT_MS = 60_000; // one measurement of one way (pipelined, sequential or redis-benchmark)
const OVERALL_TIMEOUT_MS = 8 * 60_000; // bench/run.mjs stops any benchmark at 10 min

const WAYS = ['direct', 'proxy', 'relay'];

// Also keeps a closed pipe (`| head`) from crashing us before cleanup: the server and proxies must still stop.
const log = progressLog(BENCHMARK);

// ---------------------------------------------------------------------------------------------------

exitUnlessBuilt(log, [LAB]);
const redisBenchmark = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8', timeout: 5_000 });
const haveRedisBenchmark = redisBenchmark.status === 0;
if (!haveRedisBenchmark) log('redis-benchmark is not on PATH (redis-tools): measuring with ioredis only');

const { startRedis } = await import(LAB);

/** Everything that must die with the benchmark: the server, the proxy processes, the clients, redis-benchmark. */
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });

// ---------------------------------------------------------------------------------------------------
// The ways to the server.

/** A proxy process (bench/lib/proxy-process.mjs) in front of 127.0.0.1:upstreamPort; resolves its port. */
async function startProxyProcess(kind, upstreamPort) {
  assertPort(upstreamPort);
  const execArgv = kind === 'fault' && CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...execArgv, PROXY_PROCESS, kind, String(upstreamPort)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  life.onCleanup(() => stopChild(child));
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) => (m?.type === 'ready' ? resolve(m.port) : reject(new Error(String(m)))));
    child.once('exit', (code, signal) =>
      reject(new Error(`the ${kind} proxy process exited early (${code ?? signal})`)),
    );
    child.once('error', reject);
  });
  const port = await bounded(ready, READY_TIMEOUT_MS, `the ${kind} proxy process`);
  assertPort(port);
  return port;
}

/** One ioredis connection to 127.0.0.1:port that never retries: a failure fails the round. */
async function connectClient(port, name) {
  assertPort(port);
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectionName: `bench-${name}`,
    connectTimeout: READY_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // a failure surfaces as a rejected command or exec
  life.onCleanup(async () => client.disconnect());
  await bounded(client.connect(), READY_TIMEOUT_MS, `connecting to ${name} (port ${port})`);
  return client;
}

// ---------------------------------------------------------------------------------------------------
// Measurements.

/** Throws unless every reply of a pipeline's exec() is `expected`. */
function checkReplies(replies, expected, what) {
  if (!replies || replies.length !== BATCH) throw new Error(`${what}: ${replies?.length ?? 0} replies`);
  for (const [error, reply] of replies) {
    if (error) throw new Error(`${what}: ${error.message}`);
    if (reply !== expected) throw new Error(`${what}: unexpected reply ${String(reply).slice(0, 40)}`);
  }
}

/**
 * OPS commands in pipelines of BATCH, one pipeline in flight: BATCH SETs k<i> (100 B), then BATCH GETs of
 * the same keys. Times only the pipelines (building and exec), not the checks.
 */
async function pipelinedRound(client, way) {
  let setMs = 0;
  let getMs = 0;
  for (let pair = 0; pair < BATCH_PAIRS; pair++) {
    const first = pair * BATCH;
    const t0 = performance.now();
    const set = client.pipeline();
    for (let j = 0; j < BATCH; j++) set.set(`k${first + j}`, VALUE);
    const setReplies = await set.exec();
    const t1 = performance.now();
    const get = client.pipeline();
    for (let j = 0; j < BATCH; j++) get.get(`k${first + j}`);
    const getReplies = await get.exec();
    const t2 = performance.now();
    setMs += t1 - t0;
    getMs += t2 - t1;
    checkReplies(setReplies, 'OK', `${way} pipelined SET`);
    checkReplies(getReplies, VALUE, `${way} pipelined GET`);
  }
  const half = OPS / 2;
  return {
    opsPerSec: OPS / ((setMs + getMs) / 1000),
    setOpsPerSec: half / (setMs / 1000),
    getOpsPerSec: half / (getMs / 1000),
  };
}

/** SEQ_OPS GETs, each awaited before the next: per-command latency (µs) and ops/s. */
async function sequentialRound(client, way) {
  const latenciesUs = new Array(SEQ_OPS);
  const started = performance.now();
  for (let i = 0; i < SEQ_OPS; i++) {
    const t = performance.now();
    const reply = await client.get(`k${i % (BATCH_PAIRS * BATCH)}`);
    latenciesUs[i] = (performance.now() - t) * 1000;
    if (reply !== VALUE)
      throw new Error(`${way} sequential GET: unexpected reply ${String(reply).slice(0, 40)}`);
  }
  const wallMs = performance.now() - started;
  return {
    opsPerSec: SEQ_OPS / (wallMs / 1000),
    medianLatencyUs: median(latenciesUs),
    p99LatencyUs: [...latenciesUs].sort((a, b) => a - b)[Math.floor(SEQ_OPS * 0.99)],
  };
}

const rbArgs = (port) => [
  '-h',
  '127.0.0.1',
  '-p',
  String(port),
  '-P',
  String(RB_PIPELINE),
  '-t',
  'set,get',
  '-n',
  String(RB_REQUESTS),
  '-q',
];

/** One redis-benchmark -P 16 -t set,get run (50 connections, its default): requests per second of each. */
async function redisBenchmarkRound(port, way) {
  assertPort(port);
  const r = await timedRun('redis-benchmark', rbArgs(port), {
    captureStdout: true,
    timeoutMs: ROUND_TIMEOUT_MS,
    tracker: life,
  });
  if (r.timedOut)
    throw new Error(`redis-benchmark (${way}) did not finish within ${ROUND_TIMEOUT_MS / 1000} s`);
  if (r.code !== 0)
    throw new Error(`redis-benchmark (${way}) exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  const rps = {};
  // -q prints progress lines ending in \r, then "SET: 123456.79 requests per second, p50=0.423 msec".
  for (const line of r.stdout.split(/[\r\n]+/)) {
    const m = /^(SET|GET): ([\d.]+) requests per second/.exec(line.trim());
    if (m) rps[m[1]] = Number(m[2]);
  }
  if (!(rps.SET > 0 && rps.GET > 0)) {
    throw new Error(`redis-benchmark (${way}) printed no SET/GET figures: ${r.stdout.slice(-200)}`);
  }
  // Both tests ran RB_REQUESTS requests: the combined rate is the total over the total time.
  return { setRps: rps.SET, getRps: rps.GET, rps: 2 / (1 / rps.SET + 1 / rps.GET) };
}

// ---------------------------------------------------------------------------------------------------
// Summaries: per way the median of its rounds; per pair of ways the median of the per-round ratios
// (rounds are interleaved, so a ratio within one round cancels drift that hits the whole round).

function summarize(rounds, fields, digits = 0) {
  const out = {};
  for (const way of WAYS) {
    out[way] = {};
    for (const f of fields) out[way][`median_${f}`] = round(median(rounds.map((r) => r[way][f])), digits);
    out[way].samples = rounds.map((r) =>
      Object.fromEntries(fields.map((f) => [f, round(r[way][f], digits)])),
    );
  }
  return out;
}

const ratioOf = (rounds, field, a, b) => round(median(rounds.map((r) => r[a][field] / r[b][field])), 3);

function ratios(rounds, field) {
  return {
    proxyToDirect: ratioOf(rounds, field, 'proxy', 'direct'),
    relayToDirect: ratioOf(rounds, field, 'relay', 'direct'),
    proxyToRelay: ratioOf(rounds, field, 'proxy', 'relay'),
    proxyToDirectPerRound: rounds.map((r) => round(r.proxy[field] / r.direct[field], 3)),
  };
}

// ---------------------------------------------------------------------------------------------------

await life.run(async () => {
  if (CPU_PROF_DIR) {
    await mkdir(CPU_PROF_DIR, { recursive: true });
    log(`the FaultProxy process writes a CPU profile to ${CPU_PROF_DIR} when it stops`);
  }
  const server = await startRedis();
  life.adoptServer(server);
  assertPort(server.port);
  const ports = {
    direct: server.port,
    proxy: await startProxyProcess('fault', server.port),
    relay: await startProxyProcess('relay', server.port),
  };
  if (new Set(Object.values(ports)).size !== 3) throw new Error(`ports collide: ${JSON.stringify(ports)}`);

  const clients = {};
  for (const way of WAYS) clients[way] = await connectClient(ports[way], way);
  const redisVersion = /redis_version:(\S+)/.exec(await clients.direct.info('server'))?.[1];
  log(
    `redis ${redisVersion} on 127.0.0.1:${ports.direct}; FaultProxy on :${ports.proxy}, bare relay on ` +
      `:${ports.relay}; ${RUNS} rounds of ${OPS} pipelined ops (batches of ${BATCH}), ${SEQ_OPS} sequential GETs` +
      (haveRedisBenchmark ? `, redis-benchmark -P ${RB_PIPELINE} -n ${RB_REQUESTS}` : ''),
  );

  /** One round: every way, in `order`, for every client. */
  async function measureRound(order) {
    const r = { pipelined: {}, sequential: {}, redisBenchmark: {} };
    for (const way of order) {
      r.pipelined[way] = await bounded(
        pipelinedRound(clients[way], way),
        ROUND_TIMEOUT_MS,
        `${way} pipelined`,
      );
    }
    for (const way of order) {
      r.sequential[way] = await bounded(
        sequentialRound(clients[way], way),
        ROUND_TIMEOUT_MS,
        `${way} sequential`,
      );
    }
    if (haveRedisBenchmark) {
      for (const way of order) r.redisBenchmark[way] = await redisBenchmarkRound(ports[way], way);
    }
    return r;
  }

  log('warm-up round (not counted)');
  await measureRound(WAYS);

  const pipelined = [];
  const sequential = [];
  const rb = [];
  for (let i = 0; i < RUNS; i++) {
    // Rotating order: no way always runs first (or right after the same other one).
    const order = WAYS.map((_, k) => WAYS[(i + k) % WAYS.length]);
    const r = await measureRound(order);
    pipelined.push(r.pipelined);
    sequential.push(r.sequential);
    if (haveRedisBenchmark) rb.push(r.redisBenchmark);
    const k = (x) => `${round(x / 1000)}k`;
    log(
      `round ${i + 1}/${RUNS} (${order.join(', ')}): pipelined ops/s ` +
        `${WAYS.map((w) => `${w} ${k(r.pipelined[w].opsPerSec)}`).join(', ')} ` +
        `(proxy/direct ${round(r.pipelined.proxy.opsPerSec / r.pipelined.direct.opsPerSec, 3)}); ` +
        `sequential GET µs ${WAYS.map((w) => `${w} ${round(r.sequential[w].medianLatencyUs)}`).join(', ')}` +
        (haveRedisBenchmark
          ? `; redis-benchmark SET/GET rps ${WAYS.map(
              (w) => `${w} ${k(r.redisBenchmark[w].setRps)}/${k(r.redisBenchmark[w].getRps)}`,
            ).join(', ')}`
          : ''),
    );
  }
  for (const way of WAYS) clients[way].disconnect();

  // ---- summaries
  const p = summarize(pipelined, ['opsPerSec', 'setOpsPerSec', 'getOpsPerSec']);
  const pRatio = ratios(pipelined, 'opsPerSec');
  const pSetRatio = ratios(pipelined, 'setOpsPerSec');
  const pGetRatio = ratios(pipelined, 'getOpsPerSec');
  const s = summarize(sequential, ['opsPerSec', 'medianLatencyUs', 'p99LatencyUs'], 1);
  const sRatio = ratios(sequential, 'opsPerSec');
  const addedUs = (a, b) =>
    round(median(sequential.map((r) => r[a].medianLatencyUs - r[b].medianLatencyUs)), 1);
  const sAdded = {
    proxyMinusDirectUs: addedUs('proxy', 'direct'),
    proxyMinusRelayUs: addedUs('proxy', 'relay'),
  };
  const b = haveRedisBenchmark ? summarize(rb, ['rps', 'setRps', 'getRps']) : undefined;
  const bRatio = haveRedisBenchmark
    ? { combined: ratios(rb, 'rps'), set: ratios(rb, 'setRps'), get: ratios(rb, 'getRps') }
    : undefined;

  const ratio = pRatio.proxyToDirect;
  const failures = [];
  if (!(ratio >= TARGET_RATIO)) {
    failures.push(`median pipelined proxy/direct ratio ${ratio} < ${TARGET_RATIO}`);
  }

  // ---- table
  const row = (label, summary, field, ratioSet) => [
    label,
    ...WAYS.map((w) => summary[w][`median_${field}`]),
    ratioSet.proxyToDirect.toFixed(3),
    ratioSet.relayToDirect.toFixed(3),
    ratioSet.proxyToRelay.toFixed(3),
  ];
  const rows = [
    ['', 'direct', 'proxy', 'relay', 'proxy/direct', 'relay/direct', 'proxy/relay'],
    row(`ioredis pipelined SET+GET ops/s`, p, 'opsPerSec', pRatio),
    row(`  SET ops/s`, p, 'setOpsPerSec', pSetRatio),
    row(`  GET ops/s`, p, 'getOpsPerSec', pGetRatio),
    row('ioredis sequential GET ops/s', s, 'opsPerSec', sRatio),
    [
      'ioredis sequential GET median µs',
      ...WAYS.map((w) => s[w].median_medianLatencyUs),
      `+${sAdded.proxyMinusDirectUs} µs`,
      '',
      `+${sAdded.proxyMinusRelayUs} µs`,
    ],
  ];
  if (b) {
    rows.push(
      row(`redis-benchmark -P ${RB_PIPELINE} SET rps`, b, 'setRps', bRatio.set),
      row(`redis-benchmark -P ${RB_PIPELINE} GET rps`, b, 'getRps', bRatio.get),
    );
  }
  printRows({
    heading:
      `proxy overhead: FaultProxy (no toxic) vs direct (redis ${redisVersion}, node ${process.version}, ` +
      `${RUNS} interleaved rounds after a warm-up; medians, ratios = median of per-round ratios; ` +
      `relay = bare Node socket relay, the floor; target: pipelined proxy/direct >= ${TARGET_RATIO})`,
    rows,
    width: 12,
  });

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      redisVersion,
      ports,
      proxyProcess: 'FaultProxy from dist/lab in its own process (bench/lib/proxy-process.mjs), no toxic',
      relayProcess: 'bare Node socket relay in its own process (bench/lib/proxy-process.mjs relay)',
      ioredis: { ops: OPS, batch: BATCH, valueBytes: VALUE.length, sequentialGets: SEQ_OPS },
    },
    runs: RUNS,
    targets: { pipelinedProxyToDirectMedianRatio: TARGET_RATIO },
    series: {
      ioredisPipelined: { ...p, ratios: pRatio, setRatios: pSetRatio, getRatios: pGetRatio },
      ioredisSequentialGet: { ...s, ratios: sRatio, addedLatency: sAdded },
      redisBenchmark: b
        ? {
            version: redisBenchmark.stdout.trim(),
            command: `redis-benchmark ${rbArgs('PORT').join(' ')}`,
            ...b,
            ratios: bRatio,
          }
        : null,
    },
    ratio,
    failures,
    log,
  });

  const exitCode = printVerdict(failures, `median pipelined proxy/direct ratio ${ratio} >= ${TARGET_RATIO}`);
  if (bRatio && bRatio.combined.proxyToDirect < TARGET_RATIO) {
    process.stdout.write(
      `NOTE: redis-benchmark (information, not the target) gets ${bRatio.combined.proxyToDirect} of direct ` +
        `through the proxy; the bare Node relay gets ${bRatio.combined.relayToDirect}, the proxy ` +
        `${bRatio.combined.proxyToRelay} of the relay\n`,
    );
  }
  return exitCode;
});
