// What a benchmark says: progress on stderr, the comparison table and the verdict on stdout, the result
// file under .bench-out/. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OUT_DIR } from './paths.mjs';
import { TARGETS, TARGETS_TEXT } from './targets.mjs';

/**
 * The benchmark's progress log: `[name] message` lines on stderr. Also keeps a closed pipe (`| head`)
 * from crashing the benchmark before its cleanup has run (servers and children must still stop).
 */
export function progressLog(name) {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  return (message) => {
    process.stderr.write(`[${name}] ${message}\n`);
  };
}

/**
 * The rows every doctor benchmark prints: the doctor's wall time next to the floor's, their ratio and the
 * doctor's peak RSS. `doctor` names the doctor run ("doctor --log <2 GiB>"), `floor` the floor command.
 */
export function doctorVsFloorRows({ doctor, floor, d, fl, ratio }) {
  return [
    ['', 'median', 'max'],
    [`${doctor} wall (ms)`, d.medianWallMs, d.maxWallMs],
    [`floor wall (ms): ${floor}`, fl.medianWallMs, fl.maxWallMs],
    ['doctor / floor (median)', ratio, ''],
    [`${doctor} peak RSS (MB)`, d.medianRssMB, d.maxRssMB],
  ];
}

/** A percentage for a table cell: `x%`, or — when there is none. */
export const pctCell = (x) => (x === null || x === undefined ? '—' : `${x}%`);

/**
 * The CPU and RSS rows of the watch benchmarks: watch (`w`) next to its floor (`fl`), both usageFigures,
 * and their steady CPU ratio.
 */
export function watchUsageRows({ w, fl, ratio }) {
  return [
    ['', 'watch', 'floor'],
    [
      'CPU % of one core, whole run (start-up included)',
      pctCell(w.cpuWholeRunPct),
      pctCell(fl.cpuWholeRunPct),
    ],
    ['CPU % of one core, after the first 10 s', pctCell(w.steadyPct), pctCell(fl.steadyPct)],
    ['CPU % of one core, 1-minute windows: median', pctCell(w.medianWindowPct), pctCell(fl.medianWindowPct)],
    ['CPU % of one core, 1-minute windows: max', pctCell(w.maxWindowPct), pctCell(fl.maxWindowPct)],
    ['watch / floor CPU (after the first 10 s)', ratio ?? '—', ''],
    ['RSS median (MB, sampled every second)', w.medianRssMB, fl.medianRssMB],
    ['RSS max (MB, sampled every second)', w.maxRssMB, fl.maxRssMB],
    ['peak RSS (MB, VmHWM / ru_maxrss)', w.peakRssMB, fl.peakRssMB],
  ];
}

/**
 * The sampling rows of the watch benchmarks (`w` with sampleFigures and incidents), the floor's rounds
 * next to the samples: `per` names a target ("server", "node"), `expected` is the samples of one target
 * at one per interval.
 */
export function watchSampleRows({ w, fl, per, expected }) {
  const n = w.samplesPerTarget;
  return [
    [
      `samples per ${per} (min/median/max; ${expected} s)`,
      `${n.min}/${n.median}/${n.max}`,
      `${fl.rounds} rounds`,
    ],
    ['samples up / all', `${w.samplesUp}/${w.samplesTotal}`, ''],
    ['samples with CLIENT LIST', w.samplesWithClientList, ''],
    ['gap between samples (ms, median / max)', `${w.medianGapMs}/${w.maxGapMs}`, ''],
    ['INFO round trip (ms, median / max)', `${w.infoRoundTripMedianMs}/${w.infoRoundTripMaxMs}`, ''],
    ['CLIENT LIST round trip (ms, median)', w.clientListRoundTripMedianMs, ''],
    ['incidents', w.incidents.length, ''],
  ];
}

/** Prints a NOTE for each of watch's first 10 incidents (`describe(incident)`) and stderr lines. */
export function printWatchNotes(w, describe) {
  for (const i of w.incidents.slice(0, 10)) process.stdout.write(`NOTE: ${describe(i)}\n`);
  for (const line of w.stderrLines.slice(0, 10)) process.stdout.write(`NOTE: watch said: ${line}\n`);
}

/**
 * Prints the heading `doctor vs <subject> (<details>node <version>, <runs> runs; targets: ...)` and the
 * rows as a table, on stdout. `details` ends with its own separator (", " or "; ").
 */
export function printTable({ subject, details, runs, rows }) {
  printRows({
    heading: `doctor vs ${subject} (${details}node ${process.version}, ${runs} runs; targets: ${TARGETS_TEXT})`,
    rows,
  });
}

/**
 * Prints `heading`, then the rows as a table on stdout: the first column left-aligned, every other one
 * right-aligned in `width` characters.
 */
export function printRows({ heading, rows, width = 8 }) {
  const w0 = Math.max(...rows.map((r) => String(r[0]).length));
  const table = rows
    .map(([first, ...rest]) =>
      [String(first).padEnd(w0), ...rest.map((cell) => String(cell).padStart(width))].join('  '),
    )
    .join('\n');
  process.stdout.write(`\n${heading}\n${table}\n`);
}

/**
 * Writes .bench-out/<benchmark>.json: the benchmark, date and node, then `context` (what was measured
 * against), the runs and targets (the doctor's unless given), then `series` (doctor, floor, ...), the
 * ratio and the verdict.
 */
export async function writeResult({
  benchmark,
  context,
  runs,
  targets = TARGETS,
  series,
  ratio,
  failures,
  log,
}) {
  const result = {
    benchmark,
    date: new Date().toISOString(),
    node: process.version,
    ...context,
    runs,
    targets,
    ...series,
    ratioMedian: ratio,
    pass: failures.length === 0,
    failures,
  };
  const file = join(OUT_DIR, `${benchmark}.json`);
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

/** Prints PASS or one FAIL line per missed target; returns the exit code (0: every target met). */
export function printVerdict(failures, passText = 'both targets met') {
  if (failures.length > 0) {
    for (const f of failures) process.stdout.write(`FAIL: ${f}\n`);
    return 1;
  }
  process.stdout.write(`PASS: ${passText}\n`);
  return 0;
}
