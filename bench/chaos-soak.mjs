// Benchmark (issue 13): a seeded chaos soak, 120 s per client (BENCH_CHAOS_SECONDS), raw and wrapped
// side by side under the same fault schedule (BENCH_CHAOS_SEED): resets, blackholes 1–6 s, lost and
// slow replies, kill -9 and SHUTDOWN with 0.5–3 s down, CLIENT KILL, `timeout 1`. Targets, for the
// wrapped clients: nothing ran twice, every promise settled within 15 s, no ack-but-lost, no
// failed-but-ran, every lost pub/sub message inside a reported gap, RSS flat (< 50 MB growth).
import { startLifecycle } from './lib/lifecycle.mjs';
import { exitUnlessBuilt, LAB } from './lib/paths.mjs';
import { printRows, printVerdict, progressLog, writeResult } from './lib/report.mjs';

const NAME = 'chaos-soak';
const SECONDS = Number(process.env.BENCH_CHAOS_SECONDS) > 0 ? Number(process.env.BENCH_CHAOS_SECONDS) : 120;
const SEED = Number(process.env.BENCH_CHAOS_SEED) || 19;
const RSS_GROWTH_MB = 50;
const log = progressLog(NAME);
exitUnlessBuilt(log, [LAB]);
// Four runs of SECONDS each, plus their deadlines and set-up.
const life = startLifecycle({ log, overallTimeoutMs: 4 * (SECONDS + 60) * 1000 });
const { chaosViolations, runChaos } = await import(LAB);

await life.run(async () => {
  const reports = [];
  for (const library of ['ioredis', 'node-redis']) {
    for (const wrapped of [false, true]) {
      log(`${wrapped ? 'lifeline' : 'raw'} ${library}: ${SECONDS} s, seed ${SEED}`);
      reports.push(await runChaos({ seed: SEED, durationMs: SECONDS * 1000, library, wrapped }));
    }
  }
  const faults = reports[0].faults;
  const kinds = [...new Set(faults.map((f) => f.kind))].join(', ');
  const column = (r) => `${r.wrapped ? 'lifeline' : 'raw'} ${r.library}`;
  const rows = [
    ['', ...reports.map(column)],
    ['commands sent', ...reports.map((r) => r.commands.sent)],
    [
      '  failed (said "may have run")',
      ...reports.map((r) => `${r.commands.failed} (${r.commands.mayHaveRun})`),
    ],
    ['ran twice', ...reports.map((r) => r.ranTwice)],
    ['settled late (> 15 s) / never', ...reports.map((r) => `${r.late} / ${r.hung}`)],
    ['acknowledged but lost', ...reports.map((r) => r.ackButLost)],
    ['failed but ran', ...reports.map((r) => r.failedButRan)],
    ['messages published / lost', ...reports.map((r) => `${r.messages.published} / ${r.messages.lost}`)],
    ['  lost without a gap event', ...reports.map((r) => r.messages.lostUntold)],
    ['gap events', ...reports.map((r) => r.messages.gaps)],
    ['RSS start / end / peak (MB)', ...reports.map((r) => `${r.rssMb.start}/${r.rssMb.end}/${r.rssMb.peak}`)],
  ];
  printRows({
    heading: `chaos soak: seed ${SEED}, ${SECONDS} s per client, ${faults.length} faults (${kinds}); node ${process.version}`,
    rows,
    width: 20,
  });
  const failures = reports
    .filter((r) => r.wrapped)
    .flatMap((r) => chaosViolations(r, RSS_GROWTH_MB).map((v) => `${column(r)}: ${v}`));
  await writeResult({
    benchmark: NAME,
    context: { seed: SEED, seconds: SECONDS, faults },
    runs: reports.length,
    targets: {
      ranTwice: 0,
      late: 0,
      hung: 0,
      ackButLost: 0,
      failedButRan: 0,
      lostUntold: 0,
      rssGrowthMb: `< ${RSS_GROWTH_MB}`,
    },
    series: { reports },
    ratio: null,
    failures,
    log,
  });
  return printVerdict(failures, 'the wrapped clients kept every promise under chaos');
});
