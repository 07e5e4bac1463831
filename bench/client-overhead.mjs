// Benchmark (issue targets): what lifeline(client) costs and what it buys, against the raw clients in the
// same run, for ioredis 6 and node-redis 6 (`redis`), each with its defaults (lifeline's and the client's).
//
//   npm run build && node bench/client-overhead.mjs
//
// The wrapped node-redis client is created with socket.reconnectStrategy: lifelineReconnectStrategy(), as
// docs/client.md and the lab set it up (node-redis keeps its strategy private after createClient()).
//
// 1. Throughput, wrapped vs raw, on one throwaway redis-server: sequential SET/GET (each awaited before the
//    next), pipelined SET/GET (each library's pipeline API: ioredis pipeline().exec(), node-redis
//    multi().execAsPipeline(), batches of BENCH_BATCH) and bursts (BENCH_BATCH single set()/get() promises
//    fired at once, then Promise.all: both libraries write them in one go, node-redis's auto-pipelining).
//    Rounds after a warm-up; within a round raw and wrapped alternate slice by slice (one SET+GET pair of
//    batches, or 500 sequential ops; A B, B A, ...), so that the machine's noise falls on both alike, after
//    one full garbage collection. Rounds alternate which side goes first. Targets: wrapped/raw >= 0.97
//    pipelined and burst, >= 0.95 sequential (median of the per-round ratios).
// 2. p99 latency of the sequential GETs: wrapped/raw <= 1.10 (median of the per-round ratios).
// 3. Blackhole detection, through a FaultProxy: idle (blackhole added, time to 'lifeline:disconnect') and
//    in flight (blackhole added, INCR sent, time until its promise settles), BENCH_TRIALS trials each with
//    a random idle phase before the fault; target: wrapped median <= 5000 ms. The raw clients get one trial
//    each, bounded at BENCH_RAW_BOUND_MS ("never within N s" when nothing happens).
// 4. Recovery after a clean restart (restart('shutdown', { downMs: 1000 })) while every client sends a
//    PING every 20 ms: from restart() resolving (the server answers again) to the client's first PING
//    that succeeds; BENCH_RESTARTS restarts, all four clients at once; target: wrapped median <= 250 ms.
// 5. Duplicates after lost replies, through a FaultProxy: BENCH_DUP_TRIALS trials each adding a reply_drop
//    toxic, then INCR on a fresh key; keys that end at 2 on the server ran twice. Target: wrapped 0.
//
// Environment: BENCH_RUNS (rounds after the warm-up, default 15), BENCH_SEQ_OPS (sequential ops per client
// per round, half SET half GET, default 20000), BENCH_PIPE_OPS (pipelined ops per client per round,
// default 60000), BENCH_BATCH (default 1000), BENCH_TRIALS (default 5), BENCH_RESTARTS (default 11),
// BENCH_DUP_TRIALS (default 20), BENCH_RAW_BOUND_MS (default 10000), BENCH_LIFELINE (the lifeline.js module
// to measure instead of dist/client/lifeline.js: a patched build, to compare it with the same benchmark).
// Writes .bench-out/client-overhead.json. Exit 0: every target met; 1: one is missed (each printed) or the
// benchmark could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only, never port 6379.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { bounded } from './lib/bounded.mjs';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { exitUnlessBuilt, LAB, LIFELINE, ROOT } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { median, round } from './lib/stats.mjs';

const BENCHMARK = 'client-overhead';
const RUNS = positiveIntEnv('BENCH_RUNS', 15);
const BATCH = positiveIntEnv('BENCH_BATCH', 1_000);
/** Whole SET+GET pairs of batches per client and round: one per slice. */
const PIPE_PAIRS = Math.max(1, Math.round(positiveIntEnv('BENCH_PIPE_OPS', 60_000) / (2 * BATCH)));
const PIPE_OPS = PIPE_PAIRS * 2 * BATCH;
/** Sequential ops per slice (half SET, half GET); a round is whole slices. */
const SEQ_SLICE = 500;
const SEQ_OPS = Math.max(
  SEQ_SLICE,
  SEQ_SLICE * Math.round(positiveIntEnv('BENCH_SEQ_OPS', 20_000) / SEQ_SLICE),
);
const TRIALS = positiveIntEnv('BENCH_TRIALS', 5);
const RESTARTS = positiveIntEnv('BENCH_RESTARTS', 11);
const DUP_TRIALS = positiveIntEnv('BENCH_DUP_TRIALS', 20);
const RAW_BOUND_MS = positiveIntEnv('BENCH_RAW_BOUND_MS', 10_000);
const VALUE = 'v'.repeat(100); // 100 bytes

const TARGETS = {
  pipelinedWrappedToRawMin: 0.97,
  burstWrappedToRawMin: 0.97,
  sequentialWrappedToRawMin: 0.95,
  p99WrappedToRawMax: 1.1,
  blackholeDetectionMedianMsMax: 5_000,
  restartRecoveryMedianMsMax: 250,
  duplicatesMax: 0,
};

/** The throughput shapes, as judged and printed: the series' name, what its ops are, the target ratio. */
const THROUGHPUT_MODES = [
  { mode: 'pipelined', ops: 'SET+GET', min: TARGETS.pipelinedWrappedToRawMin },
  { mode: 'burst', ops: 'SET+GET', min: TARGETS.burstWrappedToRawMin },
  { mode: 'sequential', ops: 'SET/GET', min: TARGETS.sequentialWrappedToRawMin },
];

const READY_TIMEOUT_MS = 10_000; // a client connected, a server restarted
const ROUND_TIMEOUT_MS = 60_000; // one slice of one client
const WRAPPED_BOUND_MS = 10_000; // a wrapped client's blackhole trial (its command deadline is 10 s)
const PING_EVERY_MS = 20;
const DOWN_MS = 1_000;
const RECOVERY_BOUND_MS = 10_000;
const SETTLE_MS = 5_000; // an INCR after a reply_drop settles
const OVERALL_TIMEOUT_MS = 8 * 60_000; // bench/run.mjs stops any benchmark at 10 min

const LIBS = ['ioredis', 'node-redis'];
const label = (lib, wrapped) => (wrapped ? `lifeline(${lib})` : lib);
const KINDS = LIBS.flatMap((lib) => [
  { lib, wrapped: false, name: label(lib, false) },
  { lib, wrapped: true, name: label(lib, true) },
]);

const log = progressLog(BENCHMARK);
const LIFELINE_MODULE = process.env.BENCH_LIFELINE ? resolve(process.env.BENCH_LIFELINE) : LIFELINE;
exitUnlessBuilt(log, [LAB, LIFELINE_MODULE]);
const { startRedis, FaultProxy } = await import(LAB);
const { lifeline } = await import(pathToFileURL(LIFELINE_MODULE).href);
// lifeline's full-jitter strategy for node-redis, from the same build as the lifeline measured.
const { lifelineReconnectStrategy } = await import(
  new URL('./backoff.js', pathToFileURL(LIFELINE_MODULE)).href
);
if (LIFELINE_MODULE !== LIFELINE) log(`measuring lifeline from ${LIFELINE_MODULE}`);

const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const noop = () => undefined;

/** Resolves `promise`'s value, or `fallback` once `ms` have passed. */
async function within(promise, ms, fallback) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `test` every 5 ms; true once it holds, false after `ms`. */
async function until(test, ms) {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() >= end) return false;
    await sleep(5);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Clients: each with the library's defaults (and lifeline's, when wrapped), as an application makes them.

const isReady = (client, lib) => (lib === 'ioredis' ? client.status === 'ready' : client.isReady);

function closeClient(client, lib) {
  try {
    if (lib === 'ioredis') client.disconnect();
    else if (client.isOpen) client.destroy();
  } catch {
    // already closed
  }
}

/** A connected client of `kind` to 127.0.0.1:port, closed by cleanup at the latest. */
async function connectClient(kind, port) {
  assertPort(port);
  const client =
    kind.lib === 'ioredis'
      ? new Redis({ host: '127.0.0.1', port, lazyConnect: true })
      : createClient({
          // Wrapped node-redis as docs/client.md sets it up: lifeline's reconnect strategy at creation
          // (node-redis keeps the strategy private afterwards).
          socket: {
            host: '127.0.0.1',
            port,
            ...(kind.wrapped ? { reconnectStrategy: lifelineReconnectStrategy() } : {}),
          },
        });
  if (kind.wrapped) lifeline(client);
  client.on('error', noop); // failures surface as rejected commands and the events measured
  life.onCleanup(async () => closeClient(client, kind.lib));
  await bounded(client.connect(), READY_TIMEOUT_MS, `connecting ${kind.name} to port ${port}`);
  return client;
}

/** A FaultProxy in front of 127.0.0.1:upstreamPort, stopped by cleanup at the latest. */
async function startProxy(name, upstreamPort) {
  assertPort(upstreamPort);
  const proxy = await new FaultProxy({ name, upstream: `127.0.0.1:${upstreamPort}` }).start();
  assertPort(proxy.port);
  life.onCleanup(() => proxy.stop().catch(noop));
  return proxy;
}

/** BATCH single commands on keys k<first>…, fired at once: their replies. */
function burst(first, send) {
  const ps = new Array(BATCH);
  for (let j = 0; j < BATCH; j++) ps[j] = send(`k${first + j}`);
  return Promise.all(ps);
}

/** Bursts look the same in both libraries: single commands, each its own promise. */
const BURST_OPS = {
  burstSet: (c, first) => burst(first, (k) => c.set(k, VALUE)),
  burstGet: (c, first) => burst(first, (k) => c.get(k)),
  burstValue: (reply) => reply,
};

/** How one client sends one command, or a batch of BATCH pipelined ones (the replies, as values). */
const OPS = {
  ioredis: {
    set: (c, k) => c.set(k, VALUE),
    get: (c, k) => c.get(k),
    ...BURST_OPS,
    async pipeSet(c, first) {
      const p = c.pipeline();
      for (let j = 0; j < BATCH; j++) p.set(`k${first + j}`, VALUE);
      return p.exec();
    },
    async pipeGet(c, first) {
      const p = c.pipeline();
      for (let j = 0; j < BATCH; j++) p.get(`k${first + j}`);
      return p.exec();
    },
    /** exec() replies are [error, reply] pairs. */
    value: ([error, reply]) => {
      if (error) throw error;
      return reply;
    },
  },
  'node-redis': {
    set: (c, k) => c.set(k, VALUE),
    get: (c, k) => c.get(k),
    ...BURST_OPS,
    pipeSet(c, first) {
      const m = c.multi();
      for (let j = 0; j < BATCH; j++) m.set(`k${first + j}`, VALUE);
      return m.execAsPipeline();
    },
    pipeGet(c, first) {
      const m = c.multi();
      for (let j = 0; j < BATCH; j++) m.get(`k${first + j}`);
      return m.execAsPipeline();
    },
    value: (reply) => reply,
  },
};

// ---------------------------------------------------------------------------------------------------
// 1 + 2. Throughput and latency.

function checkReplies(value, replies, expected, what) {
  if (!replies || replies.length !== BATCH) throw new Error(`${what}: ${replies?.length ?? 0} replies`);
  for (const r of replies) {
    const v = value(r);
    if (v !== expected) throw new Error(`${what}: unexpected reply ${String(v).slice(0, 40)}`);
  }
}

/**
 * Measures `pairs` SET batches and GET batches of the same keys, one batch in flight, sent as `mode`
 * ('pipelined' or 'burst'); times only the batches.
 */
const batchedSlice = (mode) =>
  async function batched(kind, client, firstPair, pairs) {
    const ops = OPS[kind.lib];
    const [setBatch, getBatch, value] =
      mode === 'pipelined'
        ? [ops.pipeSet, ops.pipeGet, ops.value]
        : [ops.burstSet, ops.burstGet, ops.burstValue];
    let ms = 0;
    for (let pair = firstPair; pair < firstPair + pairs; pair++) {
      const first = pair * BATCH;
      const t0 = performance.now();
      const setReplies = await setBatch(client, first);
      const getReplies = await getBatch(client, first);
      ms += performance.now() - t0;
      checkReplies(value, setReplies, 'OK', `${kind.name} ${mode} SET`);
      checkReplies(value, getReplies, VALUE, `${kind.name} ${mode} GET`);
    }
    return { ops: pairs * 2 * BATCH, ms, latenciesUs: [] };
  };
const pipelinedSlice = batchedSlice('pipelined');
const burstSlice = batchedSlice('burst');

/** `n` ops, SET k<i> then GET k<i>, each awaited before the next; the GETs' latencies (µs). */
async function sequentialSlice(kind, client, offset, n) {
  const ops = OPS[kind.lib];
  const latenciesUs = new Array(n / 2);
  const t0 = performance.now();
  for (let i = 0; i < n / 2; i++) {
    const key = `s${offset + i}`;
    if ((await ops.set(client, key)) !== 'OK') throw new Error(`${kind.name} sequential SET failed`);
    const t = performance.now();
    const reply = await ops.get(client, key);
    latenciesUs[i] = (performance.now() - t) * 1000;
    if (reply !== VALUE)
      throw new Error(`${kind.name} sequential GET: unexpected ${String(reply).slice(0, 40)}`);
  }
  return { ops: n, ms: performance.now() - t0, latenciesUs };
}

// One full collection before each pair is measured, outside the timings, so that neither side pays for
// the garbage of what ran before. Within the pair the two clients alternate slice by slice, and a
// collection falls in either side's slices in proportion to what each allocates.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/**
 * Raw and wrapped of one library, alternating slice by slice (A B, B A, A B...): this machine's noise
 * comes in spells of a second or more, and slices of a few tens of ms let both sides share each spell
 * (halves of ~1 s each, A B B A, left per-round ratios of a wrapper with no per-command work anywhere
 * from 0.75 to 1.26). ops/s and client CPU per op over all slices, p99 and median of the GETs.
 */
async function measurePair(lib, clients, firstIsWrapped, measureSlice, sliceSize, slices) {
  const kindOf = (w) => KINDS.find((k) => k.lib === lib && k.wrapped === (w === 'wrapped'));
  const sides = {};
  for (const w of ['raw', 'wrapped']) sides[w] = { ops: 0, ms: 0, cpuUs: 0, latenciesUs: [] };
  collectGarbage();
  // Two untimed slices each (A B B A) first: the collector's threads finish sweeping after gc()
  // returns, and the process's CPU time counts them; in a timed slice they would fall on whichever
  // side went first (measured: up to ~30% on that side, rounds alternating above and below 1).
  for (let s = -2; s < slices; s++) {
    const wrappedFirst = (s % 2 === 0) === firstIsWrapped;
    for (const w of wrappedFirst ? ['wrapped', 'raw'] : ['raw', 'wrapped']) {
      const kind = kindOf(w);
      if (s < 0) {
        await bounded(measureSlice(kind, clients[kind.name], 0, sliceSize), ROUND_TIMEOUT_MS, 'warm-up');
        continue;
      }
      const cpu0 = process.cpuUsage();
      const slice = await bounded(
        measureSlice(kind, clients[kind.name], s * sliceSize, sliceSize),
        ROUND_TIMEOUT_MS,
        `${kind.name} slice`,
      );
      const cpu = process.cpuUsage(cpu0);
      const side = sides[w];
      side.ops += slice.ops;
      side.ms += slice.ms;
      side.cpuUs += cpu.user + cpu.system;
      for (const l of slice.latenciesUs) side.latenciesUs.push(l);
    }
  }
  const out = {};
  for (const [w, side] of Object.entries(sides)) {
    const lat = side.latenciesUs;
    out[w] = {
      opsPerSec: side.ops / (side.ms / 1000),
      // This process's CPU per op (the client's own cost): steadier than wall time on a busy machine.
      cpuUsPerOp: side.cpuUs / side.ops,
      ...(lat.length ? { p99Us: percentile(lat, 0.99), medianUs: median(lat) } : {}),
    };
  }
  return out;
}

async function throughput(server) {
  const clients = {};
  for (const kind of KINDS) clients[kind.name] = await connectClient(kind, server.port);
  const rounds = [];
  const oneRound = async (i) => {
    const r = {};
    for (const lib of LIBS) {
      const wrappedFirst = i % 2 === 1;
      r[lib] = {
        pipelined: await measurePair(lib, clients, wrappedFirst, pipelinedSlice, 1, PIPE_PAIRS),
        burst: await measurePair(lib, clients, wrappedFirst, burstSlice, 1, PIPE_PAIRS),
        sequential: await measurePair(
          lib,
          clients,
          wrappedFirst,
          sequentialSlice,
          SEQ_SLICE,
          SEQ_OPS / SEQ_SLICE,
        ),
      };
    }
    return r;
  };
  log(
    `throughput: ${RUNS} rounds after a warm-up; per client and round ${PIPE_OPS} pipelined ops and as many ` +
      `in bursts (batches of ${BATCH}) and ${SEQ_OPS} sequential ops (${SEQ_OPS / 2} SET + ${SEQ_OPS / 2} GET), ` +
      `raw and wrapped alternating slice by slice (${2 * BATCH} pipelined or burst ops, ${SEQ_SLICE} sequential)`,
  );
  await oneRound(1); // warm-up: JIT, connections, keys
  for (let i = 0; i < RUNS; i++) {
    const r = await oneRound(i);
    rounds.push(r);
    const k = (x) => `${round(x / 1000)}k`;
    log(
      `round ${i + 1}/${RUNS}: ${LIBS.map(
        (lib) =>
          `${lib} pipelined ${k(r[lib].pipelined.raw.opsPerSec)}→${k(r[lib].pipelined.wrapped.opsPerSec)} ` +
          `(${round(r[lib].pipelined.wrapped.opsPerSec / r[lib].pipelined.raw.opsPerSec, 3)}), burst ` +
          `${k(r[lib].burst.raw.opsPerSec)}→${k(r[lib].burst.wrapped.opsPerSec)} ` +
          `(${round(r[lib].burst.wrapped.opsPerSec / r[lib].burst.raw.opsPerSec, 3)}), sequential ` +
          `${k(r[lib].sequential.raw.opsPerSec)}→${k(r[lib].sequential.wrapped.opsPerSec)} ` +
          `(${round(r[lib].sequential.wrapped.opsPerSec / r[lib].sequential.raw.opsPerSec, 3)}), GET p99 µs ` +
          `${round(r[lib].sequential.raw.p99Us)}→${round(r[lib].sequential.wrapped.p99Us)}`,
      ).join('; ')}`,
    );
  }
  for (const kind of KINDS) closeClient(clients[kind.name], kind.lib);

  const summary = {};
  for (const lib of LIBS) {
    const series = (mode, field) => ({
      raw: round(median(rounds.map((r) => r[lib][mode].raw[field])), 2),
      wrapped: round(median(rounds.map((r) => r[lib][mode].wrapped[field])), 2),
      ratio: round(median(rounds.map((r) => r[lib][mode].wrapped[field] / r[lib][mode].raw[field])), 3),
      ratioPerRound: rounds.map((r) => round(r[lib][mode].wrapped[field] / r[lib][mode].raw[field], 3)),
      samples: {
        raw: rounds.map((r) => round(r[lib][mode].raw[field], 2)),
        wrapped: rounds.map((r) => round(r[lib][mode].wrapped[field], 2)),
      },
    });
    summary[lib] = {
      pipelinedOpsPerSec: series('pipelined', 'opsPerSec'),
      pipelinedCpuUsPerOp: series('pipelined', 'cpuUsPerOp'),
      burstOpsPerSec: series('burst', 'opsPerSec'),
      burstCpuUsPerOp: series('burst', 'cpuUsPerOp'),
      sequentialOpsPerSec: series('sequential', 'opsPerSec'),
      sequentialCpuUsPerOp: series('sequential', 'cpuUsPerOp'),
      sequentialGetP99Us: series('sequential', 'p99Us'),
      sequentialGetMedianUs: series('sequential', 'medianUs'),
    };
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------------
// 3. Blackhole detection.

/**
 * One trial on its own proxy and client: idle for a random phase (so the fault lands anywhere in the
 * heartbeat cycle), then the blackhole; ms until detection, or null when nothing happened within `boundMs`.
 */
async function blackholeTrial(server, kind, mode, trial, boundMs) {
  const proxy = await startProxy(`bh-${kind.name}-${mode}-${trial}`, server.port);
  const client = await connectClient(kind, proxy.port);
  try {
    await bounded(client.ping(), READY_TIMEOUT_MS, `${kind.name} PING`);
    await sleep(1_000 + Math.random() * 2_000);
    let detected;
    let outcome = 'none';
    const seen = new Promise((resolve) => {
      detected = resolve;
    });
    if (mode === 'idle') {
      // Wrapped: lifeline's own announcement. Raw: anything the client would show (an error, a close).
      const events = kind.wrapped
        ? ['lifeline:disconnect']
        : kind.lib === 'ioredis'
          ? ['error', 'close', 'reconnecting', 'end']
          : ['error', 'reconnecting', 'end'];
      for (const event of events) {
        client.on(event, (e) => {
          outcome = event === 'lifeline:disconnect' ? `${event} cause=${e?.cause}` : event;
          detected(performance.now());
        });
      }
    }
    proxy.addToxic({ type: 'blackhole' });
    const t0 = performance.now();
    if (mode === 'in-flight') {
      client.incr(`bh:${kind.name}:${trial}:${Date.now()}`).then(
        (v) => {
          outcome = `resolved ${v}`;
          detected(performance.now());
        },
        (e) => {
          outcome = `rejected ${e?.code ?? e?.name ?? ''}`.trim();
          detected(performance.now());
        },
      );
    }
    const at = await within(seen, boundMs, null);
    return { ms: at === null ? null : round(at - t0, 0), outcome };
  } finally {
    closeClient(client, kind.lib);
    await proxy.stop().catch(noop);
  }
}

async function blackholes(server) {
  log(
    `blackhole detection: ${TRIALS} trials per wrapped client and mode (bounded at ${WRAPPED_BOUND_MS / 1000} s), ` +
      `1 per raw client (bounded at ${RAW_BOUND_MS / 1000} s), all at once, each on its own FaultProxy`,
  );
  const jobs = [];
  for (const kind of KINDS) {
    for (const mode of ['idle', 'in-flight']) {
      const n = kind.wrapped ? TRIALS : 1;
      for (let t = 0; t < n; t++) {
        jobs.push(
          blackholeTrial(server, kind, mode, t, kind.wrapped ? WRAPPED_BOUND_MS : RAW_BOUND_MS).then((r) => ({
            kind: kind.name,
            lib: kind.lib,
            wrapped: kind.wrapped,
            mode,
            ...r,
          })),
        );
      }
    }
  }
  const trials = await Promise.all(jobs);
  const out = {};
  for (const kind of KINDS) {
    out[kind.name] = {};
    for (const mode of ['idle', 'in-flight']) {
      const mine = trials.filter((t) => t.kind === kind.name && t.mode === mode);
      const bound = kind.wrapped ? WRAPPED_BOUND_MS : RAW_BOUND_MS;
      // A trial that saw nothing counts as the bound (it did not detect within it).
      const ms = mine.map((t) => t.ms ?? Number.POSITIVE_INFINITY);
      const m = median(ms);
      out[kind.name][mode] = {
        medianMs: Number.isFinite(m) ? m : null,
        boundMs: bound,
        undetected: mine.filter((t) => t.ms === null).length,
        trials: mine.map(({ ms: x, outcome }) => ({ ms: x, outcome })),
      };
      log(
        `blackhole ${mode} ${kind.name}: ${mine.map((t) => (t.ms === null ? `never within ${bound / 1000} s` : `${t.ms} ms`)).join(', ')} ` +
          `(${[...new Set(mine.map((t) => t.outcome))].join('; ')})`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 4. Recovery after a restart.

async function restarts() {
  const server = await startRedis();
  assertPort(server.port);
  life.onCleanup(() => Promise.race([server.stop(), sleep(10_000)]));
  log(
    `restart recovery: a second server on 127.0.0.1:${server.port}; ${RESTARTS} × restart('shutdown', ` +
      `{ downMs: ${DOWN_MS} }), all four clients sending a PING every ${PING_EVERY_MS} ms`,
  );
  const clients = [];
  for (const kind of KINDS) {
    const client = await connectClient(kind, server.port);
    const successes = [];
    const timer = setInterval(() => {
      client.ping().then(() => successes.push(performance.now()), noop);
    }, PING_EVERY_MS);
    life.onCleanup(async () => clearInterval(timer));
    clients.push({ kind, client, successes, timer });
  }
  const samples = Object.fromEntries(KINDS.map((k) => [k.name, []]));
  try {
    for (let r = 0; r < RESTARTS; r++) {
      // Every client healthy (a PING answered within the last 100 ms) before the next restart.
      const healthy = await until(() => {
        const now = performance.now();
        return clients.every((c) => c.successes.length > 0 && now - c.successes.at(-1) < 100);
      }, RECOVERY_BOUND_MS);
      if (!healthy) throw new Error('a client did not recover before the next restart');
      await sleep(300 + Math.random() * 300);
      await bounded(server.restart('shutdown', { downMs: DOWN_MS }), 30_000, 'restart');
      const up = performance.now();
      await until(() => clients.every((c) => c.successes.some((t) => t >= up)), RECOVERY_BOUND_MS);
      const line = [];
      for (const c of clients) {
        const first = c.successes.find((t) => t >= up);
        const ms = first === undefined ? null : round(first - up, 0);
        samples[c.kind.name].push(ms);
        line.push(`${c.kind.name} ${ms === null ? `> ${RECOVERY_BOUND_MS} ms` : `${ms} ms`}`);
        c.successes.splice(0, c.successes.length - 1); // keep the last only
      }
      log(`restart ${r + 1}/${RESTARTS}: first PING answered ${line.join(', ')}`);
    }
  } finally {
    for (const c of clients) {
      clearInterval(c.timer);
      closeClient(c.client, c.kind.lib);
    }
  }
  const out = {};
  for (const kind of KINDS) {
    const ms = samples[kind.name].map((x) => x ?? Number.POSITIVE_INFINITY);
    const m = median(ms);
    out[kind.name] = { medianMs: Number.isFinite(m) ? m : null, samplesMs: samples[kind.name] };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 5. Duplicates after lost replies.

async function duplicatesFor(server, kind, checker, runId) {
  const proxy = await startProxy(`dup-${kind.name}`, server.port);
  const client = await connectClient(kind, proxy.port);
  const outcomes = [];
  const keys = [];
  try {
    for (let i = 0; i < DUP_TRIALS; i++) {
      // A ready connection whose handshake replies (ready check, lifeline's snapshot) are all in, and just
      // used (no heartbeat due): the next reply from the server is the INCR's.
      if (!(await until(() => isReady(client, kind.lib), READY_TIMEOUT_MS)))
        throw new Error(`${kind.name} not ready again`);
      await bounded(client.ping(), READY_TIMEOUT_MS, `${kind.name} PING`);
      const key = `dup:${runId}:${kind.name}:${i}`;
      keys.push(key);
      proxy.addToxic({ type: 'reply_drop', name: 'drop' });
      const outcome = await within(
        client.incr(key).then(
          (v) => `resolved ${v}`,
          (e) => `rejected ${e?.code ?? e?.name ?? 'error'}`,
        ),
        SETTLE_MS,
        `pending after ${SETTLE_MS} ms`,
      );
      proxy.removeToxic('drop');
      outcomes.push(outcome);
    }
    // Anything still to be resent has been by the time the client is ready and answers a PING.
    if (await until(() => isReady(client, kind.lib), READY_TIMEOUT_MS))
      await within(client.ping().catch(noop), READY_TIMEOUT_MS);
  } finally {
    closeClient(client, kind.lib);
    await proxy.stop().catch(noop);
  }
  const values = (await bounded(checker.mget(...keys), READY_TIMEOUT_MS, 'MGET')).map((v) => Number(v ?? 0));
  const count = (n) => values.filter((v) => v === n).length;
  const tally = {};
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
  return {
    trials: DUP_TRIALS,
    atTwo: count(2),
    atOne: count(1),
    other: DUP_TRIALS - count(1) - count(2),
    outcomes: tally,
  };
}

async function duplicates(server) {
  log(
    `duplicates: ${DUP_TRIALS} × (reply_drop toxic, INCR on a fresh key) per client, each on its own FaultProxy`,
  );
  const checker = await connectClient({ lib: 'ioredis', wrapped: false, name: 'checker' }, server.port);
  const runId = Date.now().toString(36);
  const results = await Promise.all(KINDS.map((kind) => duplicatesFor(server, kind, checker, runId)));
  closeClient(checker, 'ioredis');
  const out = {};
  KINDS.forEach((kind, i) => {
    out[kind.name] = results[i];
    log(
      `duplicates ${kind.name}: ${results[i].atTwo} of ${DUP_TRIALS} keys at 2 (${results[i].atOne} at 1); INCR ` +
        Object.entries(results[i].outcomes)
          .map(([o, n]) => `${o} ×${n}`)
          .join(', '),
    );
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------

await life.run(async () => {
  const started = performance.now();
  const loadAtStart = loadavg().map((x) => round(x, 2));
  const server = await startRedis();
  life.adoptServer(server);
  assertPort(server.port);
  const info = await (async () => {
    const c = await connectClient({ lib: 'ioredis', wrapped: false, name: 'info' }, server.port);
    const text = await c.info('server');
    closeClient(c, 'ioredis');
    return text;
  })();
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1];
  const version = async (name) =>
    JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  const versions = { ioredis: await version('ioredis'), redis: await version('redis') };
  log(
    `redis ${redisVersion} on 127.0.0.1:${server.port}; ioredis ${versions.ioredis}, redis ${versions.redis}`,
  );

  const tput = await throughput(server);
  const bh = await blackholes(server);
  const dup = await duplicates(server);
  const rec = await restarts();

  // ---- verdict
  const failures = [];
  const verdicts = {};
  const judge = (key, ok, text) => {
    verdicts[key] = ok ? 'PASS' : 'FAIL';
    if (!ok) failures.push(text);
  };
  for (const lib of LIBS) {
    const w = label(lib, true);
    const t = tput[lib];
    for (const { mode, min } of THROUGHPUT_MODES) {
      const ratio = t[`${mode}OpsPerSec`].ratio;
      judge(`${lib} ${mode}`, ratio >= min, `${lib}: ${mode} wrapped/raw ${ratio} < ${min}`);
    }
    judge(
      `${lib} p99`,
      t.sequentialGetP99Us.ratio <= TARGETS.p99WrappedToRawMax,
      `${lib}: sequential GET p99 wrapped/raw ${t.sequentialGetP99Us.ratio} > ${TARGETS.p99WrappedToRawMax}`,
    );
    for (const mode of ['idle', 'in-flight']) {
      const m = bh[w][mode].medianMs;
      judge(
        `${lib} blackhole ${mode}`,
        m !== null && m <= TARGETS.blackholeDetectionMedianMsMax,
        `${w}: median blackhole ${mode} detection ${m === null ? `none within ${WRAPPED_BOUND_MS} ms` : `${m} ms`} > ${TARGETS.blackholeDetectionMedianMsMax} ms`,
      );
    }
    const r = rec[w].medianMs;
    judge(
      `${lib} recovery`,
      r !== null && r <= TARGETS.restartRecoveryMedianMsMax,
      `${w}: median restart recovery ${r === null ? `> ${RECOVERY_BOUND_MS}` : r} ms > ${TARGETS.restartRecoveryMedianMsMax} ms`,
    );
    judge(
      `${lib} duplicates`,
      dup[w].atTwo <= TARGETS.duplicatesMax,
      `${w}: ${dup[w].atTwo} of ${DUP_TRIALS} INCRs ran twice (target ${TARGETS.duplicatesMax})`,
    );
  }

  // Not targets, but what the figures mean depends on them: a wrapped client whose commands settle without
  // lifeline's codes (ERR_LIFELINE_*) after a fault is not going through lifeline for those commands.
  const notes = [];
  for (const lib of LIBS) {
    const w = label(lib, true);
    const foreign = [
      ...bh[w]['in-flight'].trials.map((t) => t.outcome),
      ...Object.keys(dup[w].outcomes),
    ].filter((o) => !o.includes('ERR_LIFELINE_'));
    if (foreign.length > 0) {
      notes.push(
        `${w}: ${foreign.length} INCR(s) after a blackhole or a lost reply settled without a lifeline code ` +
          `(${[...new Set(foreign)].join('; ')}): those commands did not go through lifeline's wrapper`,
      );
    }
  }

  // ---- tables
  const fmt = (x) => (x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
  const tputRows = [['', 'raw', 'lifeline', 'lifeline/raw', 'target', 'verdict']];
  for (const lib of LIBS) {
    const t = tput[lib];
    for (const { mode, ops, min } of THROUGHPUT_MODES) {
      const rate = t[`${mode}OpsPerSec`];
      const cpu = t[`${mode}CpuUsPerOp`];
      tputRows.push(
        [
          `${lib} ${mode} ${ops} ops/s`,
          fmt(rate.raw),
          fmt(rate.wrapped),
          rate.ratio.toFixed(3),
          `>= ${min}`,
          verdicts[`${lib} ${mode}`],
        ],
        [
          `${lib} ${mode}: client CPU µs/op`,
          cpu.raw.toFixed(2),
          cpu.wrapped.toFixed(2),
          cpu.ratio.toFixed(3),
          '(info)',
          '',
        ],
      );
    }
    tputRows.push(
      [
        `${lib} sequential GET p99 µs`,
        t.sequentialGetP99Us.raw.toFixed(1),
        t.sequentialGetP99Us.wrapped.toFixed(1),
        t.sequentialGetP99Us.ratio.toFixed(3),
        `<= ${TARGETS.p99WrappedToRawMax.toFixed(2)}`,
        verdicts[`${lib} p99`],
      ],
      [
        `${lib} sequential GET median µs`,
        t.sequentialGetMedianUs.raw.toFixed(1),
        t.sequentialGetMedianUs.wrapped.toFixed(1),
        t.sequentialGetMedianUs.ratio.toFixed(3),
        '',
        '',
      ],
    );
  }
  printRows({
    heading:
      `client overhead: lifeline(client) vs the raw client (redis ${redisVersion}, node ${process.version}, ` +
      `ioredis ${versions.ioredis}, redis ${versions.redis}; ${RUNS} rounds after a warm-up, raw and ` +
      `wrapped alternating slice by slice; medians; ratio = median of per-round ratios; load average at start ${loadAtStart.join(' ')})`,
    rows: tputRows,
    width: 12,
  });

  const detect = (kindName, mode) => {
    const d = bh[kindName][mode];
    if (d.medianMs === null) return `never within ${d.boundMs / 1000} s`;
    return `${fmt(d.medianMs)} ms`;
  };
  const faultRows = [['', 'raw', 'lifeline', 'target', 'verdict']];
  for (const lib of LIBS) {
    const raw = label(lib, false);
    const w = label(lib, true);
    faultRows.push(
      [
        `${lib} blackhole idle: detected (median)`,
        detect(raw, 'idle'),
        detect(w, 'idle'),
        `<= ${TARGETS.blackholeDetectionMedianMsMax} ms`,
        verdicts[`${lib} blackhole idle`],
      ],
      [
        `${lib} blackhole in flight: INCR settled (median)`,
        detect(raw, 'in-flight'),
        detect(w, 'in-flight'),
        `<= ${TARGETS.blackholeDetectionMedianMsMax} ms`,
        verdicts[`${lib} blackhole in-flight`],
      ],
      [
        `${lib} restart: first PING answered (median)`,
        rec[raw].medianMs === null ? `> ${RECOVERY_BOUND_MS} ms` : `${fmt(rec[raw].medianMs)} ms`,
        rec[w].medianMs === null ? `> ${RECOVERY_BOUND_MS} ms` : `${fmt(rec[w].medianMs)} ms`,
        `<= ${TARGETS.restartRecoveryMedianMsMax} ms`,
        verdicts[`${lib} recovery`],
      ],
      [
        `${lib} reply lost: INCRs that ran twice`,
        `${dup[raw].atTwo}/${DUP_TRIALS}`,
        `${dup[w].atTwo}/${DUP_TRIALS}`,
        `${TARGETS.duplicatesMax}`,
        verdicts[`${lib} duplicates`],
      ],
    );
  }
  printRows({
    heading:
      `client faults: lifeline(client) vs the raw client (blackhole: ${TRIALS} trials per wrapped client, 1 per ` +
      `raw client; restart: ${RESTARTS} × shutdown, down ${DOWN_MS} ms, PING every ${PING_EVERY_MS} ms; ` +
      `reply_drop: ${DUP_TRIALS} INCRs)`,
    rows: faultRows,
    width: 20,
  });

  await writeResult({
    benchmark: BENCHMARK,
    context: {
      redisVersion,
      versions,
      lifelineModule: LIFELINE_MODULE,
      wrappedNodeRedis:
        'createClient({ socket: { reconnectStrategy: lifelineReconnectStrategy() } }), then lifeline()',
      ports: { server: server.port },
      throughput: {
        pipelinedOps: PIPE_OPS,
        burstOps: PIPE_OPS,
        batch: BATCH,
        sequentialOps: SEQ_OPS,
        valueBytes: VALUE.length,
      },
      faults: {
        blackholeTrials: TRIALS,
        rawBoundMs: RAW_BOUND_MS,
        wrappedBoundMs: WRAPPED_BOUND_MS,
        restarts: RESTARTS,
        downMs: DOWN_MS,
        pingEveryMs: PING_EVERY_MS,
        duplicateTrials: DUP_TRIALS,
      },
      durationS: round((performance.now() - started) / 1000),
      // Other work on the machine skews the wall-time ratios (the CPU per op much less).
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => round(x, 2)) },
    },
    runs: RUNS,
    targets: TARGETS,
    series: { throughput: tput, blackhole: bh, restartRecovery: rec, duplicates: dup, verdicts, notes },
    ratio: Object.fromEntries(
      LIBS.map((lib) => [
        lib,
        {
          pipelined: tput[lib].pipelinedOpsPerSec.ratio,
          burst: tput[lib].burstOpsPerSec.ratio,
          sequential: tput[lib].sequentialOpsPerSec.ratio,
          p99: tput[lib].sequentialGetP99Us.ratio,
        },
      ]),
    ),
    failures,
    log,
  });
  log(`total ${round((performance.now() - started) / 1000)} s`);
  const exitCode = printVerdict(failures, 'every target met');
  for (const note of notes) process.stdout.write(`NOTE: ${note}\n`);
  return exitCode;
});
