import { basename } from 'node:path';
import type { Burst } from './bursts.js';
import type { CorrelateResult } from './correlate.js';
import { type Correlation, clock } from './match-bursts.js';

/** Bursts shown in text and Markdown at most (JSON: MAX_JSON_BURSTS); the rest are counted. */
export const MAX_SHOWN = 100;
export const MAX_JSON_BURSTS = 1000;

const time = (ms: number) => clock(ms).slice(11);

/** "38× read ECONNRESET (ioredis, 3 hosts)". */
export function burstHeadline(b: Burst): string {
  const top = b.messages[0];
  const words = top ? `${top.text}${b.messages.length > 1 ? ` +${b.messages.length - 1} more` : ''}` : '?';
  const who = [
    b.clients.join(', ') || b.languages.join(', '),
    b.hosts.length > 1 ? `${b.hosts.length} hosts` : b.hosts[0],
    b.files.length > 1 ? `${b.files.length} logs` : undefined,
  ].filter(Boolean);
  return `${b.count}× ${words}${who.length ? ` (${who.join(', ')})` : ''}`;
}

export function correlationLine(c: Correlation): string {
  const b = c.burst;
  const head = `${time(b.first)} ${burstHeadline(b)}`;
  return c.cause
    ? `${head} ← ${time(c.cause.at)} ${c.cause.title} [${c.cause.cause}]`
    : `${head} → ${c.verdict.title} [${c.verdict.cause}]`;
}

function header(r: CorrelateResult): string[] {
  const lines = [
    `lifeline correlate: ${r.files.length} app log${r.files.length === 1 ? '' : 's'}, ${r.errors} Redis error${r.errors === 1 ? '' : 's'} in ${r.bursts} burst${r.bursts === 1 ? '' : 's'}; ${r.matched} matched a server event.`,
  ];
  const sources: string[] = [];
  for (const c of r.server.coverage)
    sources.push(
      `${c.source === 'log' ? 'server log' : 'watch history'} ${c.what} (${clock(c.from)} – ${time(c.to)})`,
    );
  const f = r.server.facts;
  if (f)
    sources.push(
      `INFO ${f.url}${f.runId ? ` run_id ${f.runId.slice(0, 8)}` : ''}${f.startedAt !== undefined ? `, up since ${clock(f.startedAt)}` : ''}${
        Object.keys(f.counters).length
          ? `, ${Object.entries(f.counters)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`,
    );
  lines.push(
    `Server timeline: ${sources.length ? sources.join('; ') : 'none given (--log, --history or a URL): bursts are called by their socket events only'}.`,
  );
  lines.push(
    `Times in UTC. A burst's cause is a server event from ${r.settings.windowMs / 1000} s before its first error to ${r.settings.skewMs / 1000} s (clock skew) plus its timestamps' resolution after; errors more than ${r.settings.gapMs / 1000} s apart are separate bursts.`,
  );
  return lines;
}

export function renderCorrelationText(r: CorrelateResult): string {
  const out = header(r);
  out.push('');
  if (r.bursts === 0) out.push('No Redis client errors found in the app logs.');
  for (const c of r.correlations.slice(0, MAX_SHOWN)) {
    out.push(correlationLine(c));
    const b = c.burst;
    out.push(
      `    ${clock(b.first)} – ${time(b.last)}; ${b.events.map((e) => `${e.event} ${e.count}`).join(', ')}; in ${b.files.map((f) => (f === '-' ? 'stdin' : basename(f))).join(', ')}${b.peers.length ? `; to ${b.peers.join(', ')}` : ''}`,
    );
    for (const m of b.messages.slice(1, 3)) out.push(`    also ${m.count}× ${m.text}`);
    for (const e of c.verdict.evidence) out.push(`    - ${e}`);
  }
  if (r.correlations.length > MAX_SHOWN)
    out.push(`… ${r.correlations.length - MAX_SHOWN} more bursts: see --json`);
  const notes = [...r.server.notes, ...r.notes];
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}

const md = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderCorrelationMarkdown(r: CorrelateResult): string {
  const out = ['# lifeline correlate', '', ...header(r).map((l) => `${l}  `), ''];
  if (r.bursts === 0) out.push('No Redis client errors found in the app logs.');
  else {
    out.push(
      '| first error (UTC) | errors | words | clients | server event | cause |',
      '|---|---|---|---|---|---|',
    );
    for (const c of r.correlations.slice(0, MAX_SHOWN)) {
      const b = c.burst;
      out.push(
        `| ${clock(b.first)} | ${b.count} | ${md(b.messages[0]?.text ?? '')} | ${md(b.clients.join(', ') || b.languages.join(', '))} | ${c.cause ? md(`${time(c.cause.at)} ${c.cause.title}`) : `none: ${md(c.verdict.title)}`} | ${c.verdict.cause} |`,
      );
    }
    out.push('');
    for (const c of r.correlations.slice(0, MAX_SHOWN)) {
      out.push(`- **${md(correlationLine(c))}**`);
      for (const e of c.verdict.evidence) out.push(`  - ${md(e)}`);
    }
  }
  if (r.correlations.length > MAX_SHOWN)
    out.push('', `… ${r.correlations.length - MAX_SHOWN} more bursts: see --json`);
  const notes = [...r.server.notes, ...r.notes];
  if (notes.length) out.push('', ...notes.map((n) => `> note: ${md(n)}`));
  return `${out.join('\n')}\n`;
}

/** The result as JSON: every burst up to MAX_JSON_BURSTS, the server events they involve and a sample of the rest. */
export function correlationJson(r: CorrelateResult): string {
  const correlations = r.correlations.slice(0, MAX_JSON_BURSTS);
  const used = new Set<number>();
  for (const c of correlations) {
    if (c.cause) used.add(c.cause.id);
    for (const e of [...c.alsoMatched, ...c.during, ...c.ruledOut.map((x) => x.event)]) used.add(e.id);
  }
  const events = r.server.events.filter((e, i) => used.has(e.id) || i < MAX_JSON_BURSTS);
  const out = {
    ...r,
    correlations: correlations.map((c) => ({
      burst: c.burst,
      window: c.window,
      causeEventId: c.cause?.id ?? null,
      alsoMatchedEventIds: c.alsoMatched.map((e) => e.id),
      duringEventIds: c.during.map((e) => e.id),
      ruledOut: c.ruledOut.map((x) => ({ eventId: x.event.id, why: x.why })),
      verdict: c.verdict,
    })),
    truncatedBursts: Math.max(0, r.correlations.length - MAX_JSON_BURSTS),
    server: { ...r.server, events, truncatedEvents: r.server.events.length - events.length },
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
