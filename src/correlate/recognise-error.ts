import type { Cause } from '../core/causes.js';
import type { ClientName, Language } from '../explain/client-signature.js';
import { clientOf } from '../explain/client-signature.js';
import { explainText } from '../explain/explain-text.js';
import { type SocketEvent, socketEventOf } from '../explain/socket-event.js';

/**
 * The cheap first pass, run over whole chunks of the log: words some Redis client error carries
 * (errnos, the catalogue's and the clients' phrases, the server's error replies). Case-sensitive on
 * purpose: it is what keeps the scan at hundreds of MB/s. Lines it finds are then read properly.
 */
export const PREFILTER =
  /ECONN(?:RESET|REFUSED|ABORTED)|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|reset by peer|[Bb]roken pipe|max number of clients|[Cc]losed by server|closed unexpectedly|[Cc]onnection (?:lost|is closed|closed|refused|reset)|[Tt]ime[d ]?out|TimeoutError|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|NOAUTH|WRONGPASS|OOM command|MISCONF|Error \d+ (?:connecting|while)|[Ss]ocket closed|ClientClosedError|MaxRetriesPerRequest|max retries per request|went away|Connection not ready|Redis::|redis\.exceptions|RedisException/g;

/** A line names Redis: the word, a client's name, or the default ports. */
const REDIS_CONTEXT = /redis|valkey|:63[78]\d\b|:26379\b/i;

export interface Recognised {
  event: SocketEvent;
  client: ClientName | null;
  language: Language | null;
  /** The catalogue's words when the lab saw them (addresses as <host>:<port>), else the message, cut. */
  text: string;
  /** explain's causes for these words, most likely first (at most three). */
  causes: { cause: Cause; likelihood: number }[];
}

const MAX_CACHED = 20_000;
const MAX_TEXT = 200;

/**
 * Which lines are Redis client errors: a socket event (explain's words) and either words the catalogue
 * knows, a client's signature, or Redis named on the line. explainText is slow next to the scan, so its
 * answer is cached by the message with its numbers masked; past the cache's bound, the cheap regexes
 * alone answer (no causes), so that 10^6 distinct messages cost no more than the scan.
 */
export class Recognizer {
  private readonly cache = new Map<string, Recognised | null>();

  recognise(line: string, message: string): Recognised | undefined {
    const context = REDIS_CONTEXT.test(line);
    const key = `${context ? 1 : 0}${message.slice(0, 300).replace(/[0-9a-f]*\d[0-9a-f]*/gi, '#')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const words = message.length > 4096 ? message.slice(0, 4096) : message;
    let found: Recognised | null;
    if (this.cache.size < MAX_CACHED) {
      const e = explainText(words);
      const known = e.matched.length > 0 || e.client !== null || context;
      found =
        e.socketEvent && known
          ? {
              event: e.socketEvent,
              client: e.client,
              language: e.language,
              text: e.matched[0]?.text ?? cut(words),
              causes: e.causes.slice(0, 3).map(({ cause, likelihood }) => ({ cause, likelihood })),
            }
          : null;
      this.cache.set(key, found);
    } else {
      const event = socketEventOf(words);
      const guess = clientOf(words);
      found =
        event && (guess.client || context)
          ? {
              event,
              client: guess.client ?? null,
              language: guess.language ?? null,
              text: cut(words),
              causes: [],
            }
          : null;
    }
    return found ?? undefined;
  }
}

const cut = (text: string): string => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
};
