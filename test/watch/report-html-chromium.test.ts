import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/watch/history/read-history.js';
import { renderReportHtml } from '../../src/watch/report/render-report-html.js';
import { buildTimeline } from '../../src/watch/report/timeline.js';
import { realisticHistory, toNdjson } from './support/synth-history.js';

/**
 * The HTML report in a real browser: Debian's chromium, headless. No puppeteer: the DevTools protocol
 * over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4) is a few lines and needs no
 * WebSocket, which Node 20 lacks. Every browser run is bounded in time and killed if it overstays.
 */
const CHROMIUM = process.env.LIFELINE_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--hide-scrollbars',
];
const RUN_TIMEOUT_MS = 30_000;

let dir: string;
let pageUrl: string;
let expectedIncidents: number;

/** Called first in every test, so that without a browser each test fails (never skips) and says how to fix it. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the HTML report is tested in headless Chromium; install it with "apt-get install -y chromium" (or set LIFELINE_CHROMIUM)`,
    );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-report-html-'));
  const { records, expected } = realisticHistory();
  expectedIncidents = expected.incidents;
  writeFileSync(join(dir, 'lifeline-watch.ndjson'), toNdjson(records));
  const timeline = buildTimeline(await readHistory(dir), { generatedBy: 'redis-lifeline test' });
  writeFileSync(join(dir, 'report.html'), renderReportHtml(timeline));
  pageUrl = pathToFileURL(join(dir, 'report.html')).href;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One browser run with its own throwaway profile; resolves with its output, killed at the time bound. */
async function chromium(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'lifeline-chromium-'));
  try {
    return await new Promise((done) => {
      execFile(
        CHROMIUM,
        [...FLAGS, `--user-data-dir=${profile}`, ...args],
        { timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          done({ code, stdout, stderr });
        },
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

interface PageFacts {
  title: string;
  scripts: number;
  rows: number;
  charts: {
    target: string;
    width: number;
    height: number;
    markers: number;
    series: { name: string; points: number; length: number; stroke: string }[];
  }[];
}

const FACTS = `(() => ({
  title: document.title,
  scripts: document.scripts.length,
  rows: document.querySelectorAll('tr.incident').length,
  charts: [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return {
      target: svg.dataset.target,
      width: box.width,
      height: box.height,
      markers: svg.querySelectorAll('g.marker').length,
      series: [...svg.querySelectorAll('path.series')].map((p) => ({
        name: p.dataset.series,
        points: Number(p.dataset.points),
        length: p.getTotalLength(),
        stroke: getComputedStyle(p).stroke,
      })),
    };
  }),
}))()`;

/**
 * Loads a page over the DevTools protocol and returns what the page reported (console errors and
 * warnings, uncaught exceptions, failed loads, CSP violations) and the facts FACTS reads from the DOM.
 */
async function inspect(url: string): Promise<{ problems: string[]; facts: PageFacts }> {
  requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'lifeline-chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [...FLAGS, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }>();
  const listeners: ((m: CdpMessage) => void)[] = [];
  const problems: string[] = [];
  let buffer = '';
  let nextId = 0;
  let failed: Error | undefined;
  /** Waits that are not calls (the load event) and must end too when the browser dies or overstays. */
  const waiters = new Set<(e: Error) => void>();
  const failAll = (error: Error) => {
    failed ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    for (const reject of waiters) reject(error);
  };
  child.once('exit', (code) => failAll(new Error(`chromium exited (${code}) early: ${stderr.trim()}`)));
  child.once('error', (error) => failAll(error));
  fromBrowser.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let end = buffer.indexOf('\0'); end !== -1; end = buffer.indexOf('\0')) {
      const message = JSON.parse(buffer.slice(0, end)) as CdpMessage;
      buffer = buffer.slice(end + 1);
      const waiting = message.id === undefined ? undefined : pending.get(message.id);
      if (waiting && message.id !== undefined) {
        pending.delete(message.id);
        if (message.error) waiting.reject(new Error(`${message.error.message}`));
        else waiting.resolve(message);
      } else for (const listener of listeners) listener(message);
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<CdpMessage> => {
    if (failed) return Promise.reject(failed);
    nextId += 1;
    const id = nextId;
    return new Promise((resolveCall, rejectCall) => {
      pending.set(id, { resolve: resolveCall, reject: rejectCall });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  };
  const deadline = setTimeout(
    () => failAll(new Error(`chromium did not finish within ${RUN_TIMEOUT_MS} ms`)),
    RUN_TIMEOUT_MS,
  );
  try {
    listeners.push((m) => {
      const p = m.params ?? {};
      if (m.method === 'Runtime.exceptionThrown')
        problems.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      if (m.method === 'Runtime.consoleAPICalled' && ['error', 'assert', 'warning'].includes(p.type ?? ''))
        problems.push(`console.${p.type}: ${(p.args ?? []).map((a) => a.value ?? a.description).join(' ')}`);
      if (m.method === 'Log.entryAdded' && ['error', 'warning'].includes(p.entry?.level ?? ''))
        problems.push(`${p.entry?.source} ${p.entry?.level}: ${p.entry?.text} ${p.entry?.url ?? ''}`);
    });
    const target = await send('Target.createTarget', { url: 'about:blank' });
    const attached = await send('Target.attachToTarget', {
      targetId: target.result?.targetId,
      flatten: true,
    });
    const session = attached.result?.sessionId;
    for (const domain of ['Runtime', 'Log', 'Page']) await send(`${domain}.enable`, {}, session);
    const loaded = new Promise<void>((done, reject) => {
      waiters.add(reject);
      listeners.push((m) => {
        if (m.method === 'Page.loadEventFired' && m.sessionId === session) done();
      });
    });
    await send('Page.navigate', { url }, session);
    await loaded;
    // Late messages (a deferred error) get a moment to arrive before the page is judged.
    await new Promise((r) => setTimeout(r, 300));
    const evaluated = await send('Runtime.evaluate', { expression: FACTS, returnByValue: true }, session);
    const facts = evaluated.result?.result?.value as PageFacts;
    await send('Browser.close').catch(() => undefined);
    return { problems, facts };
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await rm(profile, { recursive: true, force: true });
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  error?: { message: string };
  result?: { targetId?: string; sessionId?: string; result?: { value?: unknown } };
  params?: {
    type?: string;
    args?: { value?: unknown; description?: string }[];
    exceptionDetails?: { text?: string; exception?: { description?: string } };
    entry?: { source?: string; level?: string; text?: string; url?: string };
  };
}

describe('the HTML report in headless Chromium', () => {
  it('renders: the DOM after load holds both charts with data and every incident row', async () => {
    const { code, stdout } = await chromium(['--dump-dom', pageUrl]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/<title>lifeline report — 2 targets, /);
    expect(stdout.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(stdout.match(/<tr class="incident"/g)).toHaveLength(expectedIncidents);
    const points = [...stdout.matchAll(/data-series="(\w+)" data-points="(\d+)"/g)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(points.map(([name]) => name)).toEqual([
      'connections',
      'rejections',
      'kills',
      'connections',
      'rejections',
      'kills',
    ]);
    for (const [, n] of points) expect(n).toBeGreaterThan(0);
  }, 60_000);

  it('draws visible series and markers, with no console error, exception or failed load', async () => {
    const { problems, facts } = await inspect(pageUrl);
    expect(problems).toEqual([]);
    expect(facts.scripts).toBe(0);
    expect(facts.rows).toBe(expectedIncidents);
    expect(facts.charts).toHaveLength(2);
    for (const chart of facts.charts) {
      expect(chart.width).toBeGreaterThan(500);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.markers).toBeGreaterThan(0);
      expect(chart.series.map((s) => s.name)).toEqual(['connections', 'rejections', 'kills']);
      for (const series of chart.series) {
        expect(series.points).toBeGreaterThan(0);
        expect(series.length).toBeGreaterThan(100); // a drawn line across the chart, not an empty path
        expect(series.stroke).toMatch(/^rgb\(/); // styled by the inline CSS, not 'none'
      }
    }
  }, 60_000);

  it('the console check catches errors (control: a deliberately broken page)', async () => {
    const broken = join(dir, 'broken.html');
    writeFileSync(
      broken,
      '<!doctype html><title>broken</title><script>console.error("boom"); missingFunction();</script><img src="missing.png">',
    );
    const { problems } = await inspect(pathToFileURL(broken).href);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^console\.error: boom/),
        expect.stringMatching(/^exception: ReferenceError: missingFunction is not defined/),
        expect.stringMatching(/^network error: Failed to load resource/),
      ]),
    );
  }, 60_000);

  it('takes a 1200×900 screenshot (LIFELINE_SCREENSHOT=docs/img/watch-report.png keeps it)', async () => {
    const shot = join(dir, 'report.png');
    const { code, stderr } = await chromium([`--screenshot=${shot}`, '--window-size=1200,900', pageUrl]);
    expect(code, stderr.slice(-2000)).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 900]);
    expect(statSync(shot).size).toBeGreaterThan(30_000); // a chart, not a blank page
    const keep = process.env.LIFELINE_SCREENSHOT;
    if (keep) {
      mkdirSync(dirname(resolve(keep)), { recursive: true });
      copyFileSync(shot, resolve(keep));
    }
  }, 60_000);
});
