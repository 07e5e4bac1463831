import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/**
 * correlate --html in a real browser (Debian's chromium, headless, as the report's HTML test): the page
 * parses, and its timeline holds a mark per burst and per server event, a link per match.
 */
const CHROMIUM = process.env.LIFELINE_CHROMIUM ?? '/usr/bin/chromium';
const RUN_TIMEOUT_MS = 30_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-correlate-html-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The DOM after load, as chromium serialises it. */
async function dumpDom(url: string): Promise<string> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with "apt-get install -y chromium" (or set LIFELINE_CHROMIUM)`,
    );
  const profile = await mkdtemp(join(tmpdir(), 'lifeline-chromium-'));
  try {
    return await new Promise((done, fail) => {
      execFile(
        CHROMIUM,
        [
          '--headless=new',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          `--user-data-dir=${profile}`,
          '--dump-dom',
          url,
        ],
        { timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? fail(new Error(`chromium failed: ${stderr.slice(-500)}`)) : done(stdout),
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

describe('correlate --html', () => {
  it('draws bursts, server events and the links between them', async () => {
    const t = Date.parse('2026-12-07T12:02:10Z');
    const iso = (ms: number) => new Date(t + ms).toISOString();
    const app = join(dir, 'app.log');
    await writeFile(
      app,
      [
        `${iso(4500)} ERROR [ioredis] read ECONNRESET`,
        `${iso(4600)} ERROR [ioredis] read ECONNRESET <script>alert(1)</script>`,
        `${iso(60_000)} ERROR redis GET failed: connect ECONNREFUSED 10.0.3.7:6379`,
      ].join('\n'),
    );
    // The server log in UTC (the CLI below runs with TZ=UTC, as Redis writes local time).
    const log = join(dir, 'redis.log');
    const stamp = (ms: number) => {
      const d = new Date(t + ms);
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      return `${p(d.getUTCDate())} Dec 2026 ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
    };
    await writeFile(
      log,
      [
        `1:M ${stamp(0)} * Ready to accept connections`,
        `1:M ${stamp(4400)} # Client id=7 addr=10.0.3.7:5555 laddr=10.0.3.1:6379 fd=9 name=sub age=3 idle=0 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=9 omem=300000 tot-mem=320000 events=rw cmd=subscribe user=default redir=-1 resp=2 lib-name=ioredis lib-ver=5 scheduled to be closed ASAP for overcoming of output buffer limits.`,
        `1:M ${stamp(90_000)} * DB saved on disk`,
      ].join('\n'),
    );
    const html = join(dir, 'timeline.html');
    const r = await runCli(['correlate', app, '--log', log, '--html', html], { TZ: 'UTC' });
    expect(r.code).toBe(1);
    const dom = await dumpDom(pathToFileURL(html).href);
    expect(count(dom, /<svg class="timeline"/g)).toBe(1);
    expect(count(dom, /<g class="burst matched"/g)).toBe(1);
    expect(count(dom, /<g class="burst unmatched"/g)).toBe(1);
    expect(count(dom, /<g class="event output-buffer-limit"/g)).toBe(1);
    expect(count(dom, /<line class="link"/g)).toBe(1);
    expect(count(dom, /<tr class="(?:un)?matched"/g)).toBe(2);
    expect(dom).not.toContain('<script>');
    expect(dom).toContain('killed for its output buffer');
  }, 60_000);
});
