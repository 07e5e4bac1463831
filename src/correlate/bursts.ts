import type { Cause } from '../core/causes.js';
import type { SocketEvent } from '../explain/socket-event.js';
import type { ErrorStore } from './error-store.js';

/** Errors close together in time: one drop, as the apps saw it. */
export interface Burst {
  id: number;
  first: number;
  last: number;
  count: number;
  /** The coarsest timestamp resolution among its errors, ms (whole seconds: 1000). */
  precisionMs: number;
  /** Socket events by count, most first. */
  events: { event: SocketEvent; count: number }[];
  clients: string[];
  languages: string[];
  files: string[];
  hosts: string[];
  /** Redis addresses the lines name. */
  peers: string[];
  /** The distinct words, most frequent first (at most five), with a line as written. */
  messages: { text: string; event: SocketEvent; client: string | null; count: number; sample: string }[];
  /** explain's causes for its most frequent words. */
  causes: { cause: Cause; likelihood: number }[];
}

const MAX_LIST = 20;

/**
 * Groups the errors of every app log into bursts: sorted by time, a new burst where the gap to the
 * previous error exceeds `gapMs`. Lists are capped (MAX_LIST) so that a burst of 10^6 errors is small.
 */
export function groupBursts(store: ErrorStore, gapMs: number): Burst[] {
  const n = store.size;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const at = store.at;
  order.sort((a, b) => (at[a] as number) - (at[b] as number));
  const bursts: Burst[] = [];
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && (at[order[j] as number] as number) - (at[order[j - 1] as number] as number) <= gapMs) j++;
    bursts.push(summarize(store, order.subarray(i, j), bursts.length + 1));
    i = j;
  }
  return bursts;
}

function summarize(store: ErrorStore, members: Uint32Array, id: number): Burst {
  const perKind = new Map<number, number>();
  let precisionMs = 1;
  for (const m of members) {
    const k = store.kind[m] as number;
    perKind.set(k, (perKind.get(k) ?? 0) + 1);
    precisionMs = Math.max(precisionMs, store.precision[m] as number);
  }
  const events = new Map<SocketEvent, number>();
  const texts = new Map<string, Burst['messages'][number]>();
  const sets = {
    clients: new Set<string>(),
    languages: new Set<string>(),
    files: new Set<string>(),
    hosts: new Set<string>(),
    peers: new Set<string>(),
  };
  const add = (set: Set<string>, value: string | null | undefined) => {
    if (value && set.size < MAX_LIST) set.add(value);
  };
  for (const [k, count] of perKind) {
    const kind = store.kinds[k];
    if (!kind) continue;
    const r = kind.recognised;
    events.set(r.event, (events.get(r.event) ?? 0) + count);
    add(sets.clients, r.client);
    add(sets.languages, r.language);
    add(sets.files, kind.file);
    add(sets.hosts, kind.host);
    add(sets.peers, kind.peer);
    const key = `${r.client ?? ''}\0${r.text}`;
    const entry = texts.get(key);
    if (entry) entry.count += count;
    else texts.set(key, { text: r.text, event: r.event, client: r.client, count, sample: kind.sample });
  }
  const messages = [...texts.values()].sort((a, b) => b.count - a.count);
  const top = messages[0];
  const topKind = top
    ? [...perKind.keys()].map((k) => store.kinds[k]).find((k) => k?.recognised.text === top.text)
    : undefined;
  return {
    id,
    first: store.at[members[0] as number] as number,
    last: store.at[members[members.length - 1] as number] as number,
    count: members.length,
    precisionMs,
    events: [...events].map(([event, count]) => ({ event, count })).sort((a, b) => b.count - a.count),
    clients: [...sets.clients].sort(),
    languages: [...sets.languages].sort(),
    files: [...sets.files],
    hosts: [...sets.hosts].sort(),
    peers: [...sets.peers].sort(),
    messages: messages.slice(0, 5),
    causes: topKind?.recognised.causes ?? [],
  };
}
