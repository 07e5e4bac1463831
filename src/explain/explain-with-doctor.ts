import { type Cause, SERVER_SIDE_CAUSES } from '../core/causes.js';
import type { Report, RuleResult } from '../doctor/report/types.js';
import { RULES } from '../doctor/rules/index.js';
import { TOPOLOGY_RULES } from '../doctor/rules/topology/index.js';
import type { CauseCandidate, Explanation } from './explain-text.js';

/** What the doctor's checks said of one cause the words can mean. */
export type CheckStatus = 'found' | 'ruled-out' | 'not-checked';

export interface CheckedCause extends CauseCandidate {
  status: CheckStatus;
  /** The doctor's rules about this cause that ran, and the first finding's message. */
  rules: string[];
  finding?: string;
}

export interface ServerAnswer {
  /** The cause the server's evidence names, among those the words can mean (null: none of them). */
  cause: Cause | null;
  ruleId: string | null;
  message: string | null;
  /** The doctor's most likely cause when the words do not usually mean it. */
  otherwise: { cause: Cause; ruleId: string; title: string } | null;
}

export interface ExplanationWithServer extends Explanation {
  causes: CheckedCause[];
  answer: ServerAnswer;
}

type Results = Pick<RuleResult, 'ruleId' | 'cause' | 'status' | 'severity' | 'message'>[];

const HYGIENE = new Set([...RULES, ...TOPOLOGY_RULES].filter((r) => r.tier === 'hygiene').map((r) => r.id));

/**
 * A finding that says a drop happened or is likely: not an info-level fact, and not host hygiene, which
 * cannot drop a connection by itself (as the doctor's most likely cause).
 */
const answers = (r: Results[number]) =>
  r.status === 'finding' && r.severity !== 'info' && !HYGIENE.has(r.ruleId);

/**
 * The words' causes re-ordered by the server's evidence: causes the doctor found first (its most likely
 * cause at the top), then the ones it could not check, in the words' order, then the ones its checks
 * ruled out.
 */
export function explainWithReport(
  explanation: Explanation,
  report: Pick<Report, 'mostLikelyCause'> & { results: Results },
): ExplanationWithServer {
  const checked: CheckedCause[] = explanation.causes.map((candidate) => {
    const about = report.results.filter((r) => r.cause === candidate.cause);
    const ran = about.filter((r) => r.status === 'finding' || r.status === 'pass');
    const found = about.find(answers);
    // Only the server's own evidence rules a cause out: a passed check of the path's or the client's
    // settings (keepalive on) does not mean that drop did not happen.
    const status: CheckStatus = found
      ? 'found'
      : SERVER_SIDE_CAUSES.includes(candidate.cause) &&
          ran.length > 0 &&
          ran.every((r) => r.status === 'pass')
        ? 'ruled-out'
        : 'not-checked';
    return {
      ...candidate,
      status,
      rules: ran.map((r) => r.ruleId),
      ...(found ? { finding: found.message } : {}),
    };
  });
  const top = report.mostLikelyCause;
  const rank = (c: CheckedCause) =>
    c.status === 'found' ? (c.cause === top?.cause ? 0 : 1) : c.status === 'not-checked' ? 2 : 3;
  const causes = checked
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
  const first = causes[0]?.status === 'found' ? causes[0] : undefined;
  const finding = first ? report.results.find((r) => r.cause === first.cause && answers(r)) : undefined;
  return {
    ...explanation,
    causes,
    answer: {
      cause: first?.cause ?? null,
      ruleId: finding?.ruleId ?? null,
      message: finding?.message ?? null,
      otherwise:
        top && !explanation.causes.some((c) => c.cause === top.cause)
          ? { cause: top.cause, ruleId: top.ruleId, title: top.title }
          : null,
    },
  };
}
