import type { Cause } from '../core/causes.js';
import { CAUSE_CHECKS } from './cause-checks.js';
import { CLIENTS, type ClientName, clientOf, type Language } from './client-signature.js';
import { type CatalogueMessage, type ErrorCatalogue, errorCatalogue } from './error-catalogue.js';
import { KNOWN_CLIENT_BUGS } from './known-client-bugs.js';
import { templatePattern } from './message-template.js';
import { type SocketEvent, socketEventOf } from './socket-event.js';
import { ALSO_CAUSES, SOURCE_MESSAGES } from './source-messages.js';

/** One cause an error can mean, with how likely the lab and the sources make it and how to tell. */
export interface CauseCandidate {
  cause: Cause;
  /** 0–1 (4 decimals): the share of the lab runs that produced these words under this cause. */
  likelihood: number;
  check: string;
  /** Where the likelihood comes from: lab sightings, or the source that names the cause. */
  basis: string;
}

export interface Explanation {
  /** Whether the words were recognised at all (a client's, or a socket event's). */
  recognised: boolean;
  client: ClientName | null;
  language: Language | null;
  socketEvent: SocketEvent | null;
  /** The catalogue's messages the words matched (the lab saw these exact words). */
  matched: Pick<CatalogueMessage, 'client' | 'class' | 'text'>[];
  /** Most likely first. */
  causes: CauseCandidate[];
}

/** Read of a pasted text: a message, a log line, a stack trace (more than this is cut). */
export const MAX_TEXT = 64 * 1024;

/**
 * The order the guides check causes in, for causes equally likely: did the server stay up, then
 * its limits on clients, then idle reaping and the path, then memory.
 */
const GUIDE_ORDER: readonly Cause[] = [
  'server-restart',
  'server-crash',
  'failover',
  'output-buffer-limit',
  'maxclients',
  'client-kill',
  'idle-timeout',
  'lb-idle-reset',
  'half-open',
  'client-eviction',
  'query-buffer-limit',
  'oom-kill',
  'network',
  'tls',
  'app-misuse',
  'client-bug',
  'unknown',
];

/** What a sighting of the same socket event under other words counts, beside the words' own. */
const SAME_EVENT_WEIGHT = 0.1;

/** The share of the likelihood left to causes that only end in the same socket event. */
const ALSO_SHARE = 0.1;

/** What an error message can mean: the client, the socket event, the causes most likely first. */
export function explainText(input: string, catalogue: ErrorCatalogue = errorCatalogue()): Explanation {
  const text = input.slice(0, MAX_TEXT);
  const guess = clientOf(text);
  const matched = catalogue.messages.filter(
    (m) =>
      templatePattern(m.text).test(text) &&
      (!guess.client || m.client === guess.client) &&
      (!guess.language || CLIENTS[m.client].language === guess.language),
  );
  // The longest words matched are the most specific: "read ECONNRESET" inside a longer matched text.
  const longest = Math.max(0, ...matched.map((m) => m.text.length));
  const best = matched.filter((m) => m.text.length === longest);
  const clients = new Set(best.map((m) => m.client));
  // The lab's words name their client only when the text shows no other class for them.
  const ownClass = best.every((m) => m.class === 'Error' || text.includes(m.class));
  const client = guess.client ?? (clients.size === 1 && ownClass ? [...clients][0] : undefined);
  const language = client ? CLIENTS[client].language : (guess.language ?? languageOf(clients));
  const sources = SOURCE_MESSAGES.filter(
    (s) => (!s.client || !client || s.client === client) && s.words.test(text),
  );
  const socketEvent = best[0]?.socketEvent ?? sources[0]?.socketEvent ?? socketEventOf(text);

  const measured = new Map<Cause, number>();
  const basis = new Map<Cause, string[]>();
  // The words' own sightings count in full. The same socket event's other sightings (any client's) count
  // for little beside them — a cause the lab met these words under only rarely is still listed — and in
  // full when the lab never met these words (then of the same language, when it is known).
  const sameEvent = socketEvent
    ? catalogue.messages.filter(
        (m) =>
          m.socketEvent === socketEvent &&
          !best.includes(m) &&
          (best.length > 0 || !language || CLIENTS[m.client].language === language),
      )
    : [];
  const own = new Set<Cause>();
  const count = (m: CatalogueMessage, weight: number) => {
    for (const s of m.seen) {
      measured.set(s.cause, (measured.get(s.cause) ?? 0) + s.runs * weight);
      if (best.includes(m)) own.add(s.cause);
      const note = `${m.client} in ${s.scenario} (${s.runs}/${catalogue.runs} runs)`;
      basis.set(s.cause, [...(basis.get(s.cause) ?? []), note]);
    }
  };
  for (const m of best) count(m, 1);
  for (const m of sameEvent) count(m, best.length ? SAME_EVENT_WEIGHT : 1);
  const named: Cause[] = [];
  for (const s of sources) {
    for (const cause of s.causes) {
      if (!named.includes(cause)) named.push(cause);
      basis.set(cause, [...(basis.get(cause) ?? []), s.source]);
    }
  }
  // A known defect of the client the words name (or of any client, when they name none).
  const bugs = KNOWN_CLIENT_BUGS.filter(
    (b) =>
      (!client || b.client === client) &&
      (!language || CLIENTS[b.client].language === language) &&
      b.words.test(text),
  );
  const also = [
    ...(socketEvent ? ALSO_CAUSES[socketEvent] : []).filter((c) => !named.includes(c)),
    ...(bugs.length && !named.includes('client-bug') ? (['client-bug'] as const) : []),
  ];
  if (bugs.length)
    basis.set(
      'client-bug',
      bugs.map((b) => `${b.summary} (${b.url})`),
    );

  const causes = rank(measured, own, named, also, basis);
  return {
    recognised: Boolean(socketEvent || client),
    client: client ?? null,
    language: language ?? null,
    socketEvent: socketEvent ?? null,
    matched: best.map(({ client, class: errorClass, text }) => ({ client, class: errorClass, text })),
    causes,
  };
}

/**
 * Likelihood from three kinds of evidence, strongest first: the lab's sightings (their share of the
 * runs), causes the sources name for these words (in their order), causes that also end in the same
 * socket event (a small share, so they follow the others).
 */
function rank(
  measured: Map<Cause, number>,
  own: ReadonlySet<Cause>,
  named: readonly Cause[],
  also: readonly Cause[],
  basis: Map<Cause, string[]>,
): CauseCandidate[] {
  const total = [...measured.values()].reduce((a, b) => a + b, 0);
  const sourced = named.filter((c) => !measured.has(c));
  // Measured causes share the main part with source-named ones; the latter count as one sighting each.
  const weights = new Map<Cause, number>();
  for (const [cause, runs] of measured) weights.set(cause, runs);
  const perSourced = total > 0 ? total / Math.max(1, measured.size) : 1;
  sourced.forEach((cause, i) => {
    weights.set(cause, perSourced / (i + 1));
  });
  const mainTotal = [...weights.values()].reduce((a, b) => a + b, 0);
  const alsoOnly = also.filter((c) => !weights.has(c));
  // Alone, the also-causes are all there is: they share everything, in their order.
  const alsoShare = alsoOnly.length === 0 ? 0 : mainTotal === 0 ? 1 : ALSO_SHARE;
  const out: CauseCandidate[] = [];
  for (const [cause, weight] of weights) {
    const seen = basis.get(cause) ?? [];
    out.push({
      cause,
      likelihood: (weight / mainTotal) * (1 - alsoShare),
      check: CAUSE_CHECKS[cause],
      basis: measured.has(cause)
        ? `${own.has(cause) ? 'lab: these words' : 'lab: the same socket event'}, ${seen.slice(0, 3).join('; ')}${seen.length > 3 ? `; +${seen.length - 3} more` : ''}`
        : `source: ${seen.join('; ')}`,
    });
  }
  const alsoWeights = alsoOnly.map((_, i) => 1 / (i + 1));
  const alsoTotal = alsoWeights.reduce((a, b) => a + b, 0);
  alsoOnly.forEach((cause, i) => {
    out.push({
      cause,
      likelihood: (alsoShare * (alsoWeights[i] ?? 0)) / alsoTotal,
      check: CAUSE_CHECKS[cause],
      basis: basis.get(cause)?.join('; ') ?? 'also ends this way; not reproduced in the lab',
    });
  });
  const order = (c: Cause) => GUIDE_ORDER.indexOf(c);
  return out
    .map((c) => ({ ...c, likelihood: Math.round(c.likelihood * 10_000) / 10_000 }))
    .sort((a, b) => b.likelihood - a.likelihood || order(a.cause) - order(b.cause));
}

const languageOf = (clients: Set<ClientName>): Language | undefined => {
  const languages = new Set([...clients].map((c) => CLIENTS[c].language));
  return languages.size === 1 ? [...languages][0] : undefined;
};
