import { basename } from 'node:path';
import { esc, htmlPage } from '../core/html-page.js';
import type { CorrelateResult } from './correlate.js';
import { type Correlation, clock } from './match-bursts.js';
import { burstHeadline, MAX_SHOWN } from './render-correlation.js';
import type { ServerEvent } from './server-events.js';

const W = 1000;
const LEFT = 110;
const RIGHT = 20;
const PLOT = W - LEFT - RIGHT;
const SERVER_Y = 40;
const APP_Y = 120;
const H = 170;

/**
 * One self-contained page, like lifeline report's: inline CSS and SVG, no script, a CSP that loads
 * nothing. Two lanes on one time axis (server events above, app bursts below), a line from each burst
 * to the event taken as its cause, then the table. Every string from a log goes through esc().
 */
export function renderCorrelationHtml(r: CorrelateResult): string {
  const shown = r.correlations.slice(0, MAX_SHOWN);
  const involved = new Map<number, ServerEvent>();
  for (const c of shown)
    for (const e of [c.cause, ...c.alsoMatched, ...c.during]) if (e) involved.set(e.id, e);
  const times = [
    ...shown.flatMap((c) => [c.burst.first, c.burst.last]),
    ...[...involved.values()].map((e) => e.at),
  ];
  const t0 = times.length ? Math.min(...times) : Date.now();
  const t1 = times.length ? Math.max(...times) : t0 + 1000;
  const span = Math.max(1000, t1 - t0);
  const x = (t: number) => LEFT + ((t - (t0 - span * 0.03)) / (span * 1.06)) * PLOT;
  const maxCount = Math.max(1, ...shown.map((c) => c.burst.count));
  const svg = [
    `<svg class="timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="bursts of app errors and server events">`,
    `<text x="8" y="${SERVER_Y + 4}">server</text><text x="8" y="${APP_Y + 4}">app errors</text>`,
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${H - 24}" y2="${H - 24}"/>`,
    `<text x="${LEFT}" y="${H - 8}">${esc(clock(t0))}</text><text x="${W - RIGHT}" y="${H - 8}" text-anchor="end">${esc(clock(t1))}</text>`,
    ...shown
      .filter((c) => c.cause)
      .map(
        (c) =>
          `<line class="link" data-burst="${c.burst.id}" data-event="${c.cause?.id}" x1="${f(x(c.burst.first))}" y1="${APP_Y}" x2="${f(x(c.cause?.at ?? 0))}" y2="${SERVER_Y}"/>`,
      ),
    ...[...involved.values()].map(
      (e) =>
        `<g class="event ${esc(e.cause)}" data-event="${e.id}"><title>${esc(`${clock(e.at)} ${e.title} [${e.cause}] (${e.source})`)}</title><rect x="${f(x(e.at) - 5)}" y="${SERVER_Y - 5}" width="10" height="10" transform="rotate(45 ${f(x(e.at))} ${SERVER_Y})"/></g>`,
    ),
    ...shown.map((c) => burstMark(c, x, maxCount)),
    '</svg>',
  ].join('\n');
  const rows = shown.map((c) => {
    const b = c.burst;
    return `<tr class="${c.cause ? 'matched' : 'unmatched'}" data-burst="${b.id}"><td class="time">${esc(clock(b.first))}</td><td>${b.count}</td><td>${esc(burstHeadline(b))}</td><td>${
      c.cause
        ? `${esc(clock(c.cause.at))} ${esc(c.cause.title)}`
        : `<span class="none">no server event</span>: ${esc(c.verdict.title)}`
    }</td><td>${esc(c.verdict.cause)}</td><td class="note">${c.verdict.evidence.map((e) => esc(e)).join('<br>')}</td></tr>`;
  });
  return htmlPage(
    `lifeline correlate — ${r.bursts} bursts, ${r.matched} matched`,
    CSS,
    `<header><h1>lifeline correlate</h1><p class="counts">${esc(`${r.errors} Redis errors in ${r.bursts} bursts from ${r.files.map((x) => basename(x.file)).join(', ')}; ${r.matched} matched a server event.`)}</p></header>
${svg}
<ul class="legend"><li><i class="dia"></i>server event</li><li><i class="bar"></i>burst of app errors (height: count)</li><li><i class="ln"></i>matched: the event taken as the burst's cause</li></ul>
<table><thead><tr><th>first error (UTC)</th><th>errors</th><th>burst</th><th>server event</th><th>cause</th><th>evidence</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
${r.correlations.length > MAX_SHOWN ? `<p class="note">${r.correlations.length - MAX_SHOWN} more bursts: see --json.</p>` : ''}
<footer><p>Times are UTC. Rendered by ${esc(`${r.tool.name} ${r.tool.version}`)}.</p></footer>`,
  );
}

function burstMark(c: Correlation, x: (t: number) => number, maxCount: number): string {
  const b = c.burst;
  const h = 8 + 32 * Math.sqrt(b.count / maxCount);
  const x0 = x(b.first);
  const w = Math.max(4, x(b.last) - x0);
  return `<g class="burst ${c.cause ? 'matched' : 'unmatched'}" data-burst="${b.id}"><title>${esc(`${clock(b.first)} ${burstHeadline(b)}`)}</title><rect x="${f(x0)}" y="${f(APP_Y - h / 2)}" width="${f(w)}" height="${f(h)}" rx="2"/></g>`;
}

const f = (v: number) => (Math.round(v * 10) / 10).toString();

const CSS = `
:root { --fg: #1f2328; --muted: #656d76; --grid: #e6e8eb; --bg: #fff; --panel: #f6f8fa; --match: #2563eb; --none: #bf8700; --event: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --grid: #30363d; --bg: #0d1117; --panel: #161b22; --match: #58a6ff; --none: #d29922; --event: #f85149; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1160px; padding: 16px 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } .counts, footer, .note { color: var(--muted); }
svg.timeline { width: 100%; height: auto; background: var(--panel); border-radius: 6px; display: block; }
svg text { fill: var(--muted); font-size: 11px; } .axis { stroke: var(--muted); }
.event rect { fill: var(--event); } .burst.matched rect { fill: var(--match); } .burst.unmatched rect { fill: var(--none); }
.link { stroke: var(--match); stroke-dasharray: 3 3; }
.legend { list-style: none; padding: 0; display: flex; gap: 18px; color: var(--muted); font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 6px; vertical-align: middle; }
.legend .dia { background: var(--event); transform: rotate(45deg); width: 8px; height: 8px; } .legend .bar { background: var(--match); } .legend .ln { border-top: 2px dashed var(--match); height: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--grid); }
th { color: var(--muted); } td.time { white-space: nowrap; } .none { color: var(--none); }
`;
