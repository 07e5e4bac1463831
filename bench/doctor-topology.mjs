// Benchmark (issue target): `lifeline doctor` on a topology finishes in under 3 s wall (median) and under
// 200 MB peak RSS (max), on a 6-node Redis Cluster (3 masters + 3 replicas, given one node's URL) and on
// a Sentinel set (1 master, 1 replica, 3 sentinels, given its redis+sentinel:// URL). Each is reported
// next to its floor: redis-cli fetching what the doctor reads, node by node.
//
//   npm run build && node bench/doctor-topology.mjs
//
// Floors (one redis-cli process per server, its commands on stdin, the servers one after another, as a
// shell loop would; the replies are captured like the doctor's and checked for errors):
// - cluster: on every node INFO everything, CONFIG GET (the doctor's parameters and the topology ones),
//   CLIENT LIST, SLOWLOG GET 32, LATENCY LATEST, CLUSTER INFO; CLUSTER NODES on the seed too.
//   `redis-cli --cluster check` runs alongside as a reference (it checks slots and nodes, not what the
//   doctor reads);
// - Sentinel: on every sentinel SENTINEL MASTER, GET-MASTER-ADDR-BY-NAME, REPLICAS, SENTINELS and
//   CKQUORUM; on the master and the replica the same per-node commands as above, less CLUSTER INFO.
// Also a reference: `lifeline --version`, the CLI's start-up (module loading) with no work.
// One untimed warm-up round, then BENCH_RUNS rounds alternating which of doctor and floor goes first.
// The topologies run one after the other (the cluster is stopped before the Sentinel set starts), with
// Redis's own defaults for cluster-node-timeout (15 s) and down-after-milliseconds (30 s), so that a
// loaded machine does not fail a node over mid-run. Every doctor report is checked: the right kind of
// topology, every node and sentinel ok. Its findings on these healthy topologies are listed, not
// counted as failures.
//
// Environment: BENCH_RUNS (default 7).
// Writes .bench-out/doctor-topology.json. Exit 0: both targets met on both topologies; 1: a target missed
// or the benchmark could not run. Runs against dist/ (build first); traffic to 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveIntEnv } from './lib/env.mjs';
import { startLifecycle } from './lib/lifecycle.mjs';
import { measureDoctor, timedRun } from './lib/measure.mjs';
import { CLI, exitUnlessBuilt, LAB, ROOT } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { doctorVsFloorRows, printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';
import { doctorSeries, floorSeries, medianRatio, round } from './lib/stats.mjs';
import { missedTargets } from './lib/targets.mjs';

const BENCHMARK = 'doctor-topology';
const RUNS = positiveIntEnv('BENCH_RUNS', 7);
const TARGET_WALL_MS = 3_000; // a topology: every node is looked at, so more than one server's 2 s
const TARGET_RSS_MB = 200; // MB = 10^6 bytes
const TARGETS = { medianWallMs: TARGET_WALL_MS, maxRssMB: TARGET_RSS_MB, rssUnit: 'MB = 10^6 bytes' };
const RUN_TIMEOUT_MS = 30_000; // one doctor run or one floor
const OVERALL_TIMEOUT_MS = 8 * 60_000;
const MASTER_NAME = 'mymaster';

const log = progressLog(BENCHMARK);
exitUnlessBuilt(log, [CLI, LAB]);
if (spawnSync('redis-cli', ['--version']).status !== 0) {
  log('redis-cli is not on PATH: it is needed to measure the floors');
  process.exit(1);
}
const { startCluster, startSentinel } = await import(LAB);
const { CONFIG_PARAMETERS } = await import(join(ROOT, 'dist/doctor/collectors/config.js'));
const { SLOWLOG_ENTRIES } = await import(join(ROOT, 'dist/doctor/collectors/slowlog.js'));
// The settings the topology rules read, asked of every data node.
const { TOPOLOGY_CONFIG } = await import(join(ROOT, 'dist/doctor/topology/node-facts.js'));
const CONFIG_GET = ['CONFIG', 'GET', ...new Set([...CONFIG_PARAMETERS, ...TOPOLOGY_CONFIG])].join(' ');

/** Everything that must die with the benchmark: the topology running, the current child, the temp dir. */
const life = startLifecycle({ log, overallTimeoutMs: OVERALL_TIMEOUT_MS });
const running = new Set();
const adopt = (topology) => {
  running.add(topology);
  // One "server" for the lifecycle, stopping whatever runs; the lab's signal handlers are taken back.
  life.adoptServer({ stop: () => Promise.all([...running].map((t) => t.stop().catch(() => undefined))) });
};
const stopTopology = async (topology) => {
  await topology.stop();
  running.delete(topology);
};

// ---------------------------------------------------------------------------------------------------

/** Commands the doctor sends to every data node (connection set-up and CLIENT ID left out). */
const nodeCommands = () => [
  'INFO everything',
  CONFIG_GET,
  'CLIENT LIST',
  `SLOWLOG GET ${SLOWLOG_ENTRIES}`,
  'LATENCY LATEST',
];

/**
 * The floor: one redis-cli per server, in order, each with its commands on stdin. Throws when a
 * redis-cli fails or a reply is an error. Resolves { wallMs, replyBytes }.
 */
async function floorRun(batches) {
  let replyBytes = 0;
  const started = performance.now();
  for (const { port, commands } of batches) {
    assertPort(port);
    const r = await timedRun('redis-cli', ['-h', '127.0.0.1', '-p', String(port)], {
      input: `${commands.join('\n')}\n`,
      captureStdout: true,
      timeoutMs: RUN_TIMEOUT_MS,
      tracker: life,
    });
    if (r.code !== 0) throw new Error(`redis-cli -p ${port} exited ${r.code ?? r.signal}: ${r.stderr}`);
    const error = /^(\(error\) |ERR |NOPERM|WRONGTYPE).*$/m.exec(r.stdout);
    if (error) throw new Error(`redis-cli -p ${port}: ${error[0]}`);
    replyBytes += r.stdout.length;
  }
  return { wallMs: performance.now() - started, replyBytes };
}

/** A reference: one command line's wall time (stdout captured), failing on a non-zero exit. */
async function referenceRun(command, args) {
  const r = await timedRun(command, args, { captureStdout: true, timeoutMs: RUN_TIMEOUT_MS, tracker: life });
  if (r.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr || r.stdout}`);
  return { wallMs: r.wallMs };
}

/** The findings, skips and crashes of a healthy topology's report, in short. */
function briefFindings(report) {
  const findings = report.results
    .filter((r) => r.status === 'finding')
    .map((r) => `${r.ruleId} (${r.severity})${r.node ? ` ${r.node}` : ''}`);
  const skipped = report.results.filter((r) => r.status === 'skipped').map((r) => r.ruleId);
  const crashed = report.results
    .filter((r) => r.status === 'crashed')
    .map((r) => `${r.ruleId}${r.node ? ` ${r.node}` : ''}`);
  return {
    summary: report.summary,
    findings,
    skipped: [...new Set(skipped)],
    crashed,
    unavailable: report.unavailable ?? {},
    mostLikelyCause: report.mostLikelyCause?.ruleId ?? null,
  };
}

/** Checks a report is the topology's, with every node (and sentinel) ok; returns what the sample keeps. */
function inspectTopology(kind, expect) {
  return (report) => {
    const t = report.topology;
    if (!t || t.kind !== kind) throw new Error(`doctor did not see a ${kind}: topology ${JSON.stringify(t)}`);
    const notOk = t.nodes.filter((n) => n.status !== 'ok');
    if (t.nodes.length !== expect.nodes || notOk.length > 0) {
      throw new Error(
        `doctor saw ${t.nodes.length} of ${expect.nodes} nodes, not ok: ` +
          `${notOk.map((n) => `${n.host}:${n.port} ${n.status} ${n.error ?? ''}`).join('; ') || 'none'}`,
      );
    }
    if (expect.sentinels !== undefined) {
      const reachable = (t.sentinels ?? []).filter((s) => s.reachable).length;
      if (reachable !== expect.sentinels)
        throw new Error(`doctor reached ${reachable} of ${expect.sentinels} sentinels`);
    }
    if (kind === 'cluster' && t.state !== 'ok') throw new Error(`doctor saw cluster_state:${t.state}`);
    return {
      nodes: t.nodes.length,
      findings: report.summary.critical + report.summary.warning + report.summary.info,
      crashed: report.summary.crashed,
    };
  };
}

/**
 * Warm-up, then RUNS rounds of doctor, floor and the references (order alternating between rounds).
 * Resolves the series and the last report's findings.
 */
async function measure({ label, url, inspect, floorBatches, references, rssFile }) {
  const doctorRun = () =>
    measureDoctor({
      url,
      rssFile,
      timeoutMs: RUN_TIMEOUT_MS,
      tracker: life,
      inspect: (r) => ({ report: r }),
    });
  const checked = async () => {
    const { report, ...d } = await doctorRun();
    return { d: { ...d, ...inspect(report) }, report };
  };
  const warm = await checked();
  await floorRun(floorBatches);
  log(`${label}: warm-up doctor ${round(warm.d.wallMs)} ms (report ${warm.d.reportDurationMs} ms)`);
  const doctor = [];
  const floor = [];
  const refs = Object.fromEntries(references.map((r) => [r.name, []]));
  let last = warm.report;
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, and alternating which goes first, so that drift and spells of load hit both alike.
    const steps = [
      async () => {
        const { d, report } = await checked();
        doctor.push(d);
        last = report;
      },
      async () => floor.push(await floorRun(floorBatches)),
      ...references.map((r) => async () => refs[r.name].push(await referenceRun(r.command, r.args))),
    ];
    for (const step of i % 2 ? steps.reverse() : steps) await step();
    const d = doctor.at(-1);
    log(
      `${label} run ${i + 1}/${RUNS}: doctor ${round(d.wallMs)} ms (report ${d.reportDurationMs} ms), ` +
        `${round(d.maxRssMB)} MB peak RSS, exit ${d.exitCode}; floor ${round(floor.at(-1).wallMs)} ms` +
        references.map((r) => `; ${r.name} ${round(refs[r.name].at(-1).wallMs)} ms`).join('') +
        ` (load ${loadavg()[0].toFixed(2)})`,
    );
  }
  const d = doctorSeries(doctor);
  const fl = floorSeries(floor);
  const refSeries = Object.fromEntries(Object.entries(refs).map(([name, runs]) => [name, floorSeries(runs)]));
  return {
    d,
    fl,
    refs: refSeries,
    ratio: medianRatio(d, fl),
    failures: missedTargets(d, { wallMs: TARGET_WALL_MS, rssMB: TARGET_RSS_MB }).map((f) => `${label}: ${f}`),
    floorReplyBytes: floor.at(-1).replyBytes,
    lastReport: briefFindings(last),
  };
}

/** The table of one topology: doctor, floor, ratio, RSS, then the references. */
function printTopology({ subject, floorText, m, references }) {
  const rows = doctorVsFloorRows({ doctor: 'doctor', floor: floorText, d: m.d, fl: m.fl, ratio: m.ratio });
  rows.splice(4, 0, ['doctor report durationMs (median; in-process work)', m.d.medianReportDurationMs, '']);
  for (const r of references) {
    const s = m.refs[r.name];
    rows.push([`reference wall (ms): ${r.text}`, s.medianWallMs, s.maxWallMs]);
  }
  printRows({
    heading:
      `doctor vs ${subject} (redis ${m.redisVersion}, node ${process.version}, ${RUNS} runs; targets: ` +
      `median wall < ${TARGET_WALL_MS} ms, max RSS < ${TARGET_RSS_MB} MB)`,
    rows,
  });
  const f = m.lastReport;
  // One entry per rule: "overcommit-disabled (warning) on 6 nodes".
  const byRule = new Map();
  for (const finding of f.findings) {
    const rule = finding.replace(/\) .*$/, ')');
    byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
  }
  const grouped = [...byRule].map(([rule, n]) => (n > 1 ? `${rule} on ${n} nodes` : rule));
  process.stdout.write(
    `NOTE: findings on the healthy topology (last run): ${grouped.join(', ') || 'none'}\n` +
      (f.crashed.length ? `NOTE: rules that crashed: ${f.crashed.join(', ')}\n` : '') +
      (Object.keys(f.unavailable).length
        ? `NOTE: unavailable: ${Object.entries(f.unavailable)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; ')}\n`
        : ''),
  );
}

const versionOf = (text) => /redis_version:(\S+)/.exec(text)?.[1] ?? 'unknown';
async function redisVersion(port) {
  const r = await timedRun('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'INFO', 'server'], {
    captureStdout: true,
    timeoutMs: RUN_TIMEOUT_MS,
    tracker: life,
  });
  return versionOf(r.stdout);
}

// ---------------------------------------------------------------------------------------------------

await life.run(async () => {
  life.tmp = await mkdtemp(join(tmpdir(), 'lifeline-bench-'));
  const rssFile = join(life.tmp, 'rss.json');
  const cliVersion = { name: 'cliStartup', text: 'lifeline --version (start-up)' };

  // The cluster.
  let t0 = performance.now();
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 15_000 });
  adopt(cluster);
  for (const n of cluster.nodes) assertPort(n.port);
  const seed = cluster.nodes[0];
  log(
    `cluster: ${cluster.nodes.length} nodes on 127.0.0.1:${cluster.nodes.map((n) => n.port).join(',')} ` +
      `in ${round((performance.now() - t0) / 1000)} s; seed ${cluster.seedUrl}`,
  );
  const clusterRefs = [
    {
      name: 'clusterCheck',
      text: 'redis-cli --cluster check',
      command: 'redis-cli',
      args: ['--cluster', 'check', `127.0.0.1:${seed.port}`],
    },
    { ...cliVersion, command: process.execPath, args: [CLI, '--version'] },
  ];
  const c = await measure({
    label: 'cluster',
    url: cluster.seedUrl,
    inspect: inspectTopology('cluster', { nodes: cluster.nodes.length }),
    floorBatches: cluster.nodes.map((n) => ({
      port: n.port,
      commands: [...nodeCommands(), 'CLUSTER INFO', ...(n === seed ? ['CLUSTER NODES'] : [])],
    })),
    references: clusterRefs,
    rssFile,
  });
  c.redisVersion = await redisVersion(seed.port);
  await stopTopology(cluster);

  // The Sentinel set.
  t0 = performance.now();
  const set = await startSentinel({
    replicas: 1,
    sentinels: 3,
    masterName: MASTER_NAME,
    downAfterMs: 30_000,
  });
  adopt(set);
  const dataNodes = [set.master, ...set.replicas];
  for (const n of [...dataNodes, ...set.sentinels]) assertPort(n.port);
  log(
    `sentinel: master ${set.master.port}, replica ${set.replicas.map((r) => r.port).join(',')}, ` +
      `sentinels ${set.sentinels.map((s) => s.port).join(',')} in ${round((performance.now() - t0) / 1000)} s`,
  );
  const sentinelRefs = [{ ...cliVersion, command: process.execPath, args: [CLI, '--version'] }];
  const s = await measure({
    label: 'sentinel',
    url: set.url,
    inspect: inspectTopology('sentinel', { nodes: dataNodes.length, sentinels: set.sentinels.length }),
    floorBatches: [
      ...set.sentinels.map((n) => ({
        port: n.port,
        commands: ['MASTER', 'GET-MASTER-ADDR-BY-NAME', 'REPLICAS', 'SENTINELS', 'CKQUORUM'].map(
          (sub) => `SENTINEL ${sub} ${MASTER_NAME}`,
        ),
      })),
      ...dataNodes.map((n) => ({ port: n.port, commands: nodeCommands() })),
    ],
    references: sentinelRefs,
    rssFile,
  });
  s.redisVersion = await redisVersion(set.master.port);
  await stopTopology(set);

  printTopology({
    subject: 'a 6-node cluster, 3 masters + 3 replicas',
    floorText: 'redis-cli per node',
    m: c,
    references: clusterRefs,
  });
  printTopology({
    subject: 'a Sentinel set: 1 master, 1 replica, 3 sentinels',
    floorText: 'redis-cli per server',
    m: s,
    references: sentinelRefs,
  });

  const failures = [...c.failures, ...s.failures];
  process.stdout.write(
    `load average after the runs: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  const series = (m) => ({ doctor: m.d, floor: m.fl, references: m.refs, ratioMedian: m.ratio });
  await writeResult({
    benchmark: BENCHMARK,
    context: {
      redisVersion: c.redisVersion,
      loadavgAfter: loadavg().map((x) => round(x, 2)),
      // Not `cluster`/`sentinel`: writeResult spreads the series (named so) over the context.
      clusterTopology: {
        masters: 3,
        replicasPerMaster: 1,
        clusterNodeTimeoutMs: 15_000,
        floor:
          'redis-cli per node: INFO everything, CONFIG GET, CLIENT LIST, SLOWLOG GET, LATENCY LATEST, CLUSTER INFO (+ CLUSTER NODES on the seed)',
        floorReplyBytes: c.floorReplyBytes,
        lastReport: c.lastReport,
      },
      sentinelTopology: {
        replicas: 1,
        sentinels: 3,
        downAfterMs: 30_000,
        floor:
          'redis-cli per sentinel: SENTINEL MASTER/GET-MASTER-ADDR-BY-NAME/REPLICAS/SENTINELS/CKQUORUM; per data node as the cluster less CLUSTER INFO',
        floorReplyBytes: s.floorReplyBytes,
        lastReport: s.lastReport,
      },
    },
    runs: RUNS,
    targets: TARGETS,
    series: { cluster: series(c), sentinel: series(s) },
    ratio: { cluster: c.ratio, sentinel: s.ratio },
    failures,
    log,
  });
  return printVerdict(failures, 'both targets met on both topologies');
});
