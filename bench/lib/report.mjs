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
