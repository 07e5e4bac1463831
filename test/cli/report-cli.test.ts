import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../support/run-cli.js';
import { realisticHistory, toNdjson } from '../watch/support/synth-history.js';

describe('lifeline report (CLI)', () => {
  let dir: string;
  let expectedIncidents: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeline-report-cli-'));
    const { records, expected } = realisticHistory();
    expectedIncidents = expected.incidents;
    writeFileSync(join(dir, 'lifeline-watch.ndjson'), toNdjson(records));
    writeFileSync(join(dir, 'garbage.ndjson'), 'this is not a history\n{"json":"but not a record"}\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the text timeline of a history directory (exit 0)', async () => {
    const { code, stdout, stderr } = await runCli(['report', dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^lifeline report — 2 targets, 2025-03-04 09:00:00Z to 2025-03-04 11:00:00Z \(2h\)\n/,
    );
    expect(stdout).toContain(`${expectedIncidents} incidents: 3 critical, 2 warning, 0 info`);
    expect(stdout.split('\n').filter((l) => /^ {2}2025-03-04 /.test(l))).toHaveLength(expectedIncidents);
    expect(stdout).not.toContain('\u001b['); // not a TTY: no colour
  });

  it('--format markdown prints tables (exit 0)', async () => {
    const { code, stdout } = await runCli([
      'report',
      join(dir, 'lifeline-watch.ndjson'),
      '--format',
      'markdown',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^## lifeline report: 2 targets/);
    expect(stdout).toContain('| time (UTC) | target | severity | incident | message |');
  });

  it('--format html writes one page to stdout, or to --output (exit 0, nothing on stdout)', async () => {
    const toStdout = await runCli(['report', dir, '--format', 'html']);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toMatch(/^<!doctype html>/);
    expect(toStdout.stdout.trimEnd()).toMatch(/<\/html>$/);
    const out = join(dir, 'report.html');
    const toFile = await runCli(['report', dir, '--format', 'html', '--output', out]);
    expect(toFile).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(toStdout.stdout);
  });

  it('--target keeps one target, named with or without credentials', async () => {
    const { code, stdout } = await runCli([
      'report',
      dir,
      '--target',
      'redis://app:secret@sessions.internal:6380',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^lifeline report — 1 target, /);
    expect(stdout).toContain('client-eviction');
    expect(stdout).not.toContain('cache-1.internal');
  });

  it('a missing path, a garbage file or an unknown target: exit 2 and one line', async () => {
    expectOneLineError(
      await runCli(['report', join(dir, 'nope.ndjson')]),
      /^lifeline: History .*nope\.ndjson does not exist/,
    );
    expectOneLineError(
      await runCli(['report', join(dir, 'garbage.ndjson')]),
      /^lifeline: .*garbage\.ndjson has 2 lines, none of them a lifeline watch history record/,
    );
    expectOneLineError(
      await runCli(['report', dir, '--target', 'redis://other:6379']),
      /^lifeline: .* has no record for target redis:\/\/other:6379; targets in it: /,
    );
    expectOneLineError(await runCli(['report', dir, '--format', 'pdf']), /argument 'pdf' is invalid/);
    expectOneLineError(
      await runCli(['report', dir, '--output', join(dir, 'no-such-dir', 'r.txt')]),
      /^lifeline: Cannot write the report to .*r\.txt: ENOENT/,
    );
  });
});
