import type { Report } from '../doctor/report/types.js';
import type { CauseCandidate, Explanation } from './explain-text.js';
import type { CheckedCause, ExplanationWithServer } from './explain-with-doctor.js';
import { SOCKET_EVENTS } from './socket-event.js';

/** The JSON contract: `{ client, language, socketEvent, causes: [{ cause, likelihood, check }] }` and more. */
export function explanationJson(
  explanation: Explanation | ExplanationWithServer,
  report?: Pick<Report, 'target'>,
): string {
  const { recognised, client, language, socketEvent, matched, causes } = explanation;
  return `${JSON.stringify(
    {
      recognised,
      client,
      language,
      socketEvent,
      matched,
      causes,
      ...('answer' in explanation ? { answer: explanation.answer } : {}),
      ...(report ? { target: report.target.url } : {}),
    },
    null,
    2,
  )}\n`;
}

const percent = (c: CauseCandidate) =>
  (c.likelihood < 0.005 ? '<1%' : `${Math.round(c.likelihood * 100)}%`).padStart(4);

function whose(e: Explanation): string {
  if (e.client) return `${e.client}'s (${e.language})`;
  if (e.language) return `a ${e.language} client's`;
  return "a client's";
}

/** What the words are, in one paragraph. */
function heading(e: Explanation): string[] {
  const event = e.socketEvent ? SOCKET_EVENTS[e.socketEvent] : 'the words name no socket event';
  const lines = [`These are ${whose(e)} words: ${event}.`];
  if (e.matched.length) {
    const seen = e.matched.map((m) => `${m.client} "${m.class}: ${m.text}"`).join(', ');
    lines.push(`The lab saw these exact words: ${seen}.`);
  } else if (e.socketEvent) {
    lines.push('The lab did not see these exact words: the causes are those of the same socket event.');
  }
  return lines;
}

const STATUS: Record<CheckedCause['status'], string> = {
  found: 'FOUND',
  'ruled-out': 'ruled out',
  'not-checked': 'not checked',
};

export function renderExplanationText(
  e: Explanation | ExplanationWithServer,
  report?: Pick<Report, 'target'>,
): string {
  const lines = heading(e);
  if ('answer' in e) {
    const { answer } = e;
    lines.push('', `Checked against ${report?.target.url ?? 'the server'}:`);
    lines.push(
      answer.cause
        ? `Answer: ${answer.cause} — ${answer.message} (rule ${answer.ruleId})`
        : "Answer: none of the server's own evidence names one of these causes; the ones it cannot see (the path's, the client's) are next: run lifeline doctor on the app's host to read its sockets.",
    );
    if (answer.otherwise)
      lines.push(
        `The doctor's most likely cause is ${answer.otherwise.cause} (${answer.otherwise.title}), which these words do not usually mean.`,
      );
  }
  lines.push('', 'Causes, most likely first:');
  e.causes.forEach((c, i) => {
    const status = 'status' in c ? `  ${STATUS[(c as CheckedCause).status].padEnd(11)}` : '';
    lines.push(`  ${i + 1}. ${c.cause.padEnd(20)} ${percent(c)}${status}  ${c.basis}`);
    const checked = c as Partial<CheckedCause>;
    if (checked.finding) lines.push(`     found: ${checked.finding}`);
    else lines.push(`     check: ${c.check}`);
  });
  if (!('answer' in e)) lines.push('', 'Give the server URL (or set REDIS_URL) to run these checks.');
  return `${lines.join('\n')}\n`;
}

export function renderExplanationMarkdown(
  e: Explanation | ExplanationWithServer,
  report?: Pick<Report, 'target'>,
): string {
  const lines = ['## lifeline explain', '', ...heading(e)];
  if ('answer' in e) {
    lines.push(
      '',
      `**Checked against** \`${report?.target.url ?? ''}\`: ${
        e.answer.cause
          ? `**${e.answer.cause}** — ${e.answer.message}`
          : 'none of these causes shows on the server.'
      }`,
    );
  }
  const withStatus = 'answer' in e;
  lines.push('', `| # | cause | likelihood |${withStatus ? ' checked |' : ''} check |`);
  lines.push(`|---|---|---|${withStatus ? '---|' : ''}---|`);
  e.causes.forEach((c, i) => {
    const checked = c as Partial<CheckedCause>;
    const status = withStatus ? ` ${checked.status ? STATUS[checked.status] : ''} |` : '';
    const check = (checked.finding ?? c.check).replace(/\|/g, '\\|');
    lines.push(`| ${i + 1} | \`${c.cause}\` | ${percent(c).trim()} |${status} ${check} |`);
  });
  return `${lines.join('\n')}\n`;
}
