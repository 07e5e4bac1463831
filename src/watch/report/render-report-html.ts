import { esc, htmlPage } from '../../core/html-page.js';
import { formatDuration } from '../../core/units.js';
import type { SeriesPoint } from '../history/read-history.js';
import type { Incident } from '../types.js';
import { describeCounts, describeTarget, describeWindow } from './render-report-text.js';
import { formatTime, type TargetTimeline, type Timeline } from './timeline.js';

/**
 * One self-contained page: inline CSS and server-side SVG, no script at all (nothing to fail in the
 * browser), and a CSP that forbids loading anything, so the page can be mailed or attached anywhere.
 * Every string that came from the history goes through esc().
 */
export function renderReportHtml(timeline: Timeline): string {
  const s = timeline.bySeverity;
  const body = [
    `<header><h1>lifeline report</h1><p class="window">${esc(describeWindow(timeline))}</p>`,
    `<p class="counts">${esc(describeCounts(timeline))}</p>`,
    `<p class="chips"><span class="chip critical">${s.critical} critical</span> <span class="chip warning">${s.warning} warning</span> <span class="chip info">${s.info} info</span></p></header>`,
    ...timeline.targets.map((t) => targetSection(t, timeline)),
    incidentTable(timeline.incidents),
    `<footer><p>History: ${timeline.files.map((f) => `<code>${esc(f)}</code>`).join(', ')}${
      timeline.skippedLines > 0
        ? ` — ${timeline.skippedLines} line(s) skipped (not lifeline watch history records)`
        : ''
    }. Times are UTC. Rendered by ${esc(timeline.generatedBy)}.</p></footer>`,
  ];
  return htmlPage(`lifeline report — ${describeWindow(timeline)}`, CSS, body.join('\n'));
}

const CSS = `
:root { --fg: #1f2328; --muted: #656d76; --grid: #e6e8eb; --bg: #fff; --panel: #f6f8fa;
  --conn: #2563eb; --rej: #ea580c; --kill: #9333ea; --critical: #cf222e; --warning: #bf8700; --info: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --grid: #30363d; --bg: #0d1117; --panel: #161b22;
  --conn: #58a6ff; --rej: #f0883e; --kill: #bc8cff; --critical: #f85149; --warning: #d29922; --info: #58a6ff; } }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1160px; padding: 16px 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 4px; word-break: break-all; }
.window, .counts, .stats, footer { color: var(--muted); margin: 2px 0; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.chip.critical, .sev.critical { background: var(--critical); } .chip.warning, .sev.warning { background: var(--warning); } .chip.info, .sev.info { background: var(--info); }
.sev { color: #fff; padding: 0 6px; border-radius: 8px; font-size: 12px; white-space: nowrap; }
svg.chart { width: 100%; height: auto; background: var(--panel); border-radius: 6px; display: block; }
svg text { fill: var(--muted); font-size: 11px; }
.grid { stroke: var(--grid); stroke-width: 1; } .axis { stroke: var(--muted); stroke-width: 1; }
.series { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
.series-connections { stroke: var(--conn); } .series-rejections { stroke: var(--rej); } .series-kills { stroke: var(--kill); }
.maxclients { stroke: var(--conn); stroke-dasharray: 6 4; opacity: .6; }
.down { fill: var(--muted); opacity: .18; }
.marker line { stroke-width: 1; stroke-dasharray: 3 3; } .marker circle { stroke: var(--bg); stroke-width: 1.5; }
.marker.critical line { stroke: var(--critical); } .marker.critical circle { fill: var(--critical); }
.marker.warning line { stroke: var(--warning); } .marker.warning circle { fill: var(--warning); }
.marker.info line { stroke: var(--info); } .marker.info circle { fill: var(--info); }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 18px; color: var(--muted); font-size: 12px; }
.legend i { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin-right: 6px; }
.legend .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--critical); }
table { border-collapse: collapse; width: 100%; margin-top: 8px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--grid); }
th { color: var(--muted); font-weight: 600; } td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td code, footer code { font-size: 12px; word-break: break-all; } .note { color: var(--muted); font-size: 12px; }
`;

const W = 1000;
const LEFT = 60;
const RIGHT = 16;
const PLOT_W = W - LEFT - RIGHT;
/** The marker lane, the connections panel, the per-interval panel and the time axis, top to bottom. */
const LANE_Y = 14;
const P1 = { top: 30, height: 150 };
const P2 = { top: 222, height: 80 };
const AXIS_Y = P2.top + P2.height;
const H = AXIS_Y + 26;

function targetSection(t: TargetTimeline, timeline: Timeline): string {
  const merged =
    t.perPoint > 1
      ? `<li>each point merges ${t.perPoint} samples: connections show their range, per-interval series their peak</li>`
      : '';
  return `<section class="target" data-target="${esc(t.target)}">
<h2>${esc(t.target)}</h2>
<p class="stats">${esc(describeTarget(t))}</p>
${chart(t, timeline)}
<ul class="legend"><li><i style="background: var(--conn)"></i>connected clients</li><li><i style="background: var(--rej)"></i>rejected connections per interval</li><li><i style="background: var(--kill)"></i>killed clients per interval (output/query buffer, evicted)</li><li><i style="border-top: 2px dashed var(--conn)"></i>maxclients</li><li><i style="background: var(--muted); opacity: .4; height: 9px"></i>target down</li><li><i class="dot"></i>incident (hover for details)</li>${merged}</ul>
</section>`;
}

function chart(t: TargetTimeline, timeline: Timeline): string {
  let t0 = timeline.window.from;
  let t1 = timeline.window.to;
  if (!(t1 > t0)) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const x = (ms: number) => LEFT + ((ms - t0) / (t1 - t0)) * PLOT_W;
  const peak = t.totals.peakConnected ?? 0;
  // maxclients joins the scale only when the clients came near it; otherwise it would flatten the line.
  const showMax = t.totals.maxclients !== undefined && peak >= t.totals.maxclients * 0.5;
  const top1 = niceMax(Math.max(peak, showMax ? (t.totals.maxclients ?? 0) : 0, 1));
  const top2 = niceMax(Math.max(1, ...t.points.map((p) => Math.max(p.rejectedPeak, p.killsPeak))));
  const y1 = (v: number) => P1.top + P1.height - (v / top1) * P1.height;
  const y2 = (v: number) => P2.top + P2.height - (v / top2) * P2.height;
  const gap = gapThreshold(t.points, timeline.intervalMs);

  const connections = path(
    t.points,
    gap,
    (p) =>
      p.connectedMin === undefined ? [] : rangeValues(p.connectedMin, p.connectedMax ?? p.connectedMin),
    x,
    y1,
  );
  const up = (p: SeriesPoint) => p.down < p.count;
  const rejections = path(t.points, gap, (p) => (up(p) ? [p.rejectedPeak] : []), x, y2);
  const kills = path(t.points, gap, (p) => (up(p) ? [p.killsPeak] : []), x, y2);

  const parts: string[] = [];
  for (const v of ticks(top1)) parts.push(yTick(v, y1(v)));
  for (const v of ticks(top2)) parts.push(yTick(v, y2(v)));
  parts.push(
    `<text x="${LEFT}" y="${P1.top - 4}">connected clients</text>`,
    `<text x="${LEFT}" y="${P2.top - 10}">per interval: rejected connections, killed clients</text>`,
  );
  for (const tick of timeTicks(t0, t1)) {
    const px = x(tick.at);
    parts.push(
      `<line class="grid" x1="${n(px)}" x2="${n(px)}" y1="${P1.top}" y2="${AXIS_Y}"/>`,
      `<text x="${n(px)}" y="${AXIS_Y + 16}" text-anchor="middle">${esc(tick.label)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${P1.top + P1.height}" y2="${P1.top + P1.height}"/>`,
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${AXIS_Y}" y2="${AXIS_Y}"/>`,
  );
  for (const span of t.downtime) {
    const from = x(span.from);
    const width = Math.max(2, x(span.to) - from);
    const what = `down ${formatTime(span.from)} to ${formatTime(span.to)} (${formatDuration(span.to - span.from)})${span.ongoing ? ', still down at the end of the history' : ''}`;
    parts.push(
      `<rect class="down" x="${n(from)}" y="${P1.top}" width="${n(width)}" height="${AXIS_Y - P1.top}"><title>${esc(what)}</title></rect>`,
    );
  }
  if (showMax && t.totals.maxclients !== undefined) {
    const my = y1(t.totals.maxclients);
    parts.push(
      `<line class="maxclients" x1="${LEFT}" x2="${W - RIGHT}" y1="${n(my)}" y2="${n(my)}"><title>maxclients ${t.totals.maxclients}</title></line>`,
    );
  }
  parts.push(
    seriesPath('connections', connections),
    seriesPath('rejections', rejections, t.totals.rejected),
    seriesPath('kills', kills, t.totals.kills),
  );
  for (const m of t.markers) parts.push(marker(m.incident, x(m.at)));

  const label = `Connected clients, rejected connections and killed clients over time for ${t.target}, with ${t.markers.length} incident markers`;
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" data-target="${esc(t.target)}" xmlns="http://www.w3.org/2000/svg">
${parts.join('\n')}
</svg>`;
}

function seriesPath(name: string, p: { d: string; points: number }, total?: number): string {
  const d = p.d ? ` d="${p.d}"` : '';
  const sum = total === undefined ? '' : ` data-total="${total}"`;
  return `<path class="series series-${name}" data-series="${name}" data-points="${p.points}"${sum}${d}/>`;
}

function marker(incident: Incident, px: number): string {
  const what = `${formatTime(Date.parse(incident.at))} ${incident.severity} ${incident.kind}: ${incident.message}${incident.occurrences > 1 ? ` (×${incident.occurrences})` : ''}`;
  return `<g class="marker ${incident.severity}" data-kind="${esc(incident.kind)}" data-cause="${esc(incident.cause)}"><title>${esc(what)}</title><line x1="${n(px)}" x2="${n(px)}" y1="${LANE_Y}" y2="${AXIS_Y}"/><circle cx="${n(px)}" cy="${LANE_Y}" r="5"/></g>`;
}

function incidentTable(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return '<h2>Incidents</h2>\n<p>No incidents.</p>';
  const rows = incidents.map((i) => {
    const fixes = i.fix
      .map(
        (f) =>
          `<div><code>${esc(f.command)}</code>${f.note ? `<div class="note">${esc(f.note)}</div>` : ''}${f.risk ? `<div class="note">risk: ${esc(f.risk)}</div>` : ''}</div>`,
      )
      .join('');
    // Only http(s) links: a history could carry a javascript: URL.
    const docs = /^https?:\/\//i.test(i.docs)
      ? ` <a href="${esc(i.docs)}">more</a>`
      : i.docs
        ? ` <span class="note">${esc(i.docs)}</span>`
        : '';
    return `<tr class="incident" data-kind="${esc(i.kind)}" data-cause="${esc(i.cause)}" data-severity="${i.severity}"><td class="time">${esc(formatTime(Date.parse(i.at)))}</td><td>${esc(i.target)}</td><td><span class="sev ${i.severity}">${i.severity}</span></td><td><code>${esc(i.kind)}</code></td><td><strong>${esc(i.title)}</strong><br>${esc(i.message)}${i.occurrences > 1 ? ` <span class="note">(×${i.occurrences})</span>` : ''}${docs}</td><td>${fixes || '<span class="note">none recorded</span>'}</td></tr>`;
  });
  return `<h2>Incidents</h2>
<table class="incidents"><thead><tr><th>time (UTC)</th><th>target</th><th>severity</th><th>incident</th><th>what happened</th><th>fix</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/**
 * An SVG path through the points; a point without a value, or a gap in the samples (watch was not
 * running), lifts the pen instead of drawing a line across the hole.
 */
function path(
  points: readonly SeriesPoint[],
  gap: number,
  values: (p: SeriesPoint) => number[],
  x: (ms: number) => number,
  y: (v: number) => number,
): { d: string; points: number } {
  const d: string[] = [];
  let pen = false;
  let previous: number | undefined;
  let count = 0;
  for (const p of points) {
    const vs = values(p);
    if (vs.length === 0 || (previous !== undefined && p.from - previous > gap)) pen = false;
    previous = p.to;
    if (vs.length === 0) continue;
    count += 1;
    const px = n(x(p.from));
    for (const v of vs) {
      d.push(`${pen ? 'L' : 'M'}${px} ${n(y(v))}`);
      pen = true;
    }
  }
  return { d: d.join(''), points: count };
}

/** A merged point draws its range as a vertical stroke, so the spikes survive downsampling. */
const rangeValues = (min: number, max: number) => (min === max ? [min] : [min, max]);

/** A hole is five sampling intervals (or five typical point spacings) without a sample. */
function gapThreshold(points: readonly SeriesPoint[], intervalMs: number | undefined): number {
  const spacings: number[] = [];
  for (let i = 1; i < points.length; i += 1)
    spacings.push((points[i] as SeriesPoint).from - (points[i - 1] as SeriesPoint).to);
  spacings.sort((a, b) => a - b);
  const typical = Math.max(intervalMs ?? 0, spacings[Math.floor(spacings.length / 2)] ?? 0);
  return typical > 0 ? typical * 5 : Number.POSITIVE_INFINITY;
}

function yTick(v: number, py: number): string {
  return `<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n(py)}" y2="${n(py)}"/><text x="${LEFT - 6}" y="${n(py + 4)}" text-anchor="end">${compact(v)}</text>`;
}

/** 1, 2 or 5 times a power of ten, at or above max. */
export function niceMax(max: number): number {
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}

function ticks(top: number): number[] {
  // niceMax gives 1, 2 or 5 × 10^k: split in 4, 4 or 5 steps; integers only (counts).
  const lead = top / 10 ** Math.floor(Math.log10(top));
  const steps = lead === 5 ? 5 : 4;
  const out: number[] = [];
  for (let i = 0; i <= steps; i += 1) {
    const v = (top / steps) * i;
    if (Number.isInteger(v)) out.push(v);
  }
  return out;
}

const TIME_STEPS = [
  1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
].map((s) => s * 1000);

/** Round UTC times for the x axis, at most about eight. */
function timeTicks(t0: number, t1: number): { at: number; label: string }[] {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= 8) ?? (TIME_STEPS.at(-1) as number);
  const out: { at: number; label: string }[] = [];
  for (let at = Math.ceil(t0 / step) * step; at <= t1; at += step) {
    const iso = new Date(at).toISOString();
    const label =
      t1 - t0 > 86_400_000
        ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
        : step < 60_000
          ? iso.slice(11, 19)
          : iso.slice(11, 16);
    out.push({ at, label });
  }
  return out;
}

const compact = (v: number) =>
  v >= 1_000_000 ? `${v / 1_000_000}M` : v >= 10_000 ? `${v / 1000}k` : String(v);
const n = (v: number) => (Math.round(v * 10) / 10).toString();
