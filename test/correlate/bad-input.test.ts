import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../support/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-correlate-bad-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
};

describe('lifeline correlate on bad input', () => {
  it('a missing file, a directory: one line naming it, exit 2', async () => {
    expectOneLineError(
      await runCli(['correlate', join(dir, 'nope.log')]),
      /nope\.log: cannot read it: no such file/,
    );
    expectOneLineError(await runCli(['correlate', dir]), /cannot read it: it is a directory/);
  });

  it('a binary file', async () => {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    expectOneLineError(
      await runCli(['correlate', await file('core.bin', bytes)]),
      /core\.bin: binary data, not a text log/,
    );
  });

  it('a corrupt gzip file', async () => {
    const gz = gzipSync(Buffer.from('2026-12-07T12:00:00Z ERROR redis read ECONNRESET\n'.repeat(1000)));
    const broken = Buffer.concat([gz.subarray(0, 40), Buffer.alloc(100, 0x41)]);
    expectOneLineError(
      await runCli(['correlate', await file('app.log.gz', broken)]),
      /app\.log\.gz: not a valid gzip stream/,
    );
  });

  it('no timestamps, or a format it does not know', async () => {
    const plain = 'ERROR redis read ECONNRESET\n'.repeat(50);
    expectOneLineError(
      await runCli(['correlate', await file('plain.log', plain)]),
      /plain\.log: no timestamp it can read in its first 50 lines/,
    );
    const unknown = '07.12.26 12h02m14 redis read ECONNRESET\n'.repeat(20);
    expectOneLineError(await runCli(['correlate', await file('odd.log', unknown)]), /odd\.log: no timestamp/);
  });

  it('a large file with no timestamps fails after its first lines, not after reading it all', async () => {
    const path = await file('big-plain.log', 'GET /index.html 200 redis ok\n'.repeat(2_000_000));
    const started = Date.now();
    expectOneLineError(await runCli(['correlate', path]), /no timestamp it can read in its first 1000 lines/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a bad zone, a server log that is not one, an unwritable HTML file', async () => {
    const app = await file('ok.log', '2026-12-07T12:00:00.000Z ERROR redis: read ECONNRESET\n');
    expectOneLineError(
      await runCli(['correlate', app, '--tz', 'Mars/Olympus']),
      /--tz: unknown time zone "Mars\/Olympus"/,
    );
    expectOneLineError(
      await runCli(['correlate', app, '--log', app]),
      /ok\.log: none of its 1 lines looks like a Redis or Valkey log line/,
    );
    expectOneLineError(
      await runCli(['correlate', app, '--html', join(dir, 'no/such/dir/x.html')]),
      /cannot write the HTML timeline/,
    );
  });

  it('a line without end, longer than any buffer: read in bounded memory', async () => {
    const path = await file(
      'one-line.log',
      `2026-12-07T12:00:00.000Z ERROR redis: read ECONNRESET ${'x'.repeat(8 * 1024 * 1024)}`,
    );
    const r = await runCli(['correlate', path, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.errors).toBe(1);
    expect(result.files[0].overlong).toBe(1);
  });

  it('10^6 errors: a useful answer in bounded time and memory', async () => {
    // One error every 10 ms for 10^4 s, with a quiet minute every 1000 s: ten bursts of 10^5.
    const path = join(dir, 'million.log');
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(path);
    const t0 = Date.parse('2026-12-07T00:00:00Z');
    for (let i = 0; i < 1_000_000; i++) {
      const at = t0 + i * 10 + Math.floor(i / 100_000) * 60_000;
      if (!out.write(`${new Date(at).toISOString()} ERROR redis GET failed: read ECONNRESET id=${i}\n`))
        await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const started = Date.now();
    const r = await runCli(
      ['correlate', path, '--json'],
      { NODE_OPTIONS: '--max-old-space-size=200' },
      60_000,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.errors).toBe(1_000_000);
    expect(result.bursts).toBe(10);
    expect(result.correlations[0].burst.count).toBe(100_000);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});
