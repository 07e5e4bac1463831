import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from '../../src/lab/scenarios/index.js';
import { runCli } from '../support/run-cli.js';

describe('lifeline lab (CLI)', () => {
  it('--list names every scenario, the failover ones included', async () => {
    const { code, stdout } = await runCli(['lab', '--list']);
    expect(code).toBe(0);
    for (const s of ALL_SCENARIOS) expect(stdout).toContain(s.id);
    expect(stdout).toContain('failover scenarios (--failover, or by id):');
  });

  it('--scenario runs a failover scenario on a throwaway cluster; the table gains its two figures', async () => {
    const { code, stdout } = await runCli(
      ['lab', '--scenario', 'cluster-failover', '--format', 'markdown'],
      {},
      60_000,
    );
    expect(code).toBe(0); // ioredis follows a manual cluster failover without losing a write
    expect(stdout).toContain('| acked lost | stale master |');
    expect(stdout).toMatch(/\| ✓ cluster-failover \|.*\| 0 \| 0 ms \|/);
  }, 60_000);

  it('a wrapped topology client runs the failover scenarios: a cluster master kill fails no write and the failover is told', async () => {
    const { code, stdout } = await runCli(
      ['lab', '--client', 'lifeline-ioredis', '--scenario', 'cluster-master-kill', '--json'],
      {},
      60_000,
    );
    const [result] = JSON.parse(stdout).results;
    expect(result.measurement.error).toBeUndefined();
    expect(result.verdict).toMatchObject({
      executedTwice: 0,
      writes: expect.objectContaining({ rejected: 0 }),
    });
    expect(result.measurement.events.map((e: { event: string }) => e.event)).toContain('lifeline:failover');
    expect(code).toBe(result.verdict.status === 'ok' ? 0 : 1);
  }, 60_000);

  it('runs one scenario with the user options module and exits 1 when the client fails the app', async () => {
    const options = join(tmpdir(), `lifeline-lab-options-${process.pid}.mjs`);
    // ioredis with auto-resend off: the INCR whose reply is lost is not run twice, its promise hangs.
    await writeFile(options, 'export default () => ({ autoResendUnfulfilledCommands: false });\n');
    try {
      const { code, stdout } = await runCli(
        ['lab', '--client', 'ioredis', '--options', options, '--only', 'reply-lost-incr', '--json'],
        {},
        60_000,
      );
      expect(code).toBe(1);
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ schemaVersion: 1, client: 'ioredis', summary: { fail: 1 } });
      expect(report.results[0].verdict).toMatchObject({ executedTwice: 0, neverSettled: 1 });
    } finally {
      await rm(options, { force: true });
    }
  }, 60_000);

  it.each([
    [['lab', '--client', 'jedis'], /Unknown client "jedis"/],
    [['lab', '--only', 'no-such-scenario'], /Unknown scenario "no-such-scenario"/],
    [
      ['lab', '--options', '/nonexistent/options.mjs', '--only', 'client-kill'],
      /Cannot load client options from \/nonexistent\/options\.mjs/,
    ],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
