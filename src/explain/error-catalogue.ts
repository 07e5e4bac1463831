import { readFileSync } from 'node:fs';
import { type Cause, isCause } from '../core/causes.js';
import { CLIENTS, type ClientName } from './client-signature.js';
import { SOCKET_EVENTS, type SocketEvent } from './socket-event.js';

/**
 * The error catalogue (data/error-catalogue.json): what each client said, word for word, under each
 * cause the lab reproduces, and how often. Generated from lab runs (`npm run catalogue`), never by hand;
 * test/explain/error-catalogue.test.ts runs the lab again and fails when the two drift.
 */
export interface ErrorCatalogue {
  about: string;
  /** The server the lab ran. */
  server: string;
  /** Full lab runs per client the counts come from. */
  runs: number;
  /** Each client's library and version, as the lab reported it. */
  clients: Partial<Record<ClientName, string>>;
  messages: CatalogueMessage[];
}

export interface CatalogueMessage {
  client: ClientName;
  /** The error's class as the library raised it ("Error", "redis.exceptions.ConnectionError"). */
  class: string;
  /** The message, addresses as <host>:<port> (message-template.ts). */
  text: string;
  socketEvent: SocketEvent;
  /** Each scenario that produced it: its cause, in how many of the runs, how many times in all. */
  seen: CatalogueSighting[];
}

export interface CatalogueSighting {
  cause: Cause;
  scenario: string;
  runs: number;
  count: number;
}

const CATALOGUE_URL = new URL('../../data/error-catalogue.json', import.meta.url);

let loaded: ErrorCatalogue | undefined;

/** The shipped catalogue (read once). */
export function errorCatalogue(): ErrorCatalogue {
  loaded ??= JSON.parse(readFileSync(CATALOGUE_URL, 'utf8')) as ErrorCatalogue;
  return loaded;
}

/** A catalogue read from elsewhere is checked before use: an unknown cause or event is a defect. */
export function checkCatalogue(catalogue: ErrorCatalogue): string[] {
  const problems: string[] = [];
  for (const m of catalogue.messages) {
    if (!(m.client in CLIENTS)) problems.push(`unknown client ${m.client}`);
    if (!(m.socketEvent in SOCKET_EVENTS)) problems.push(`unknown socket event ${m.socketEvent}`);
    for (const s of m.seen) if (!isCause(s.cause)) problems.push(`unknown cause ${s.cause}`);
  }
  return problems;
}
