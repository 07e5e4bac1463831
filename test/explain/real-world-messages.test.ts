/**
 * Messages users posted in the clients' issue trackers (test/explain/real-world-messages.json, each with
 * its thread's URL): lifeline explain recognises each — the socket event the words mean, the client
 * when the words name one (never a wrong one), and the cause the thread concluded among its causes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainText } from '../../src/explain/explain-text.js';

interface RealMessage {
  text: string;
  url: string;
  client: string;
  language: string;
  /** What the words mean on the socket; "a|b" where the words alone cannot tell (phpredis's read error). */
  socketEvent: string;
  cause: string;
  causeNote: string;
}

/**
 * Threads whose concluded cause the words cannot carry: a client defect with no fixed version to name
 * (explain lists the socket event's causes, not this one).
 */
const CAUSE_NOT_IN_WORDS = new Map([
  [
    'https://github.com/redis/node-redis/issues/1103',
    'a TLS regression after node_redis 2.6.0-1, no fix named',
  ],
  [
    'https://github.com/redis/hiredis/issues/923',
    'EAGAIN over SSL treated as fatal by an async wrapper, no fix named',
  ],
]);

const MESSAGES: RealMessage[] = JSON.parse(
  readFileSync(new URL('./real-world-messages.json', import.meta.url), 'utf8'),
);

describe('lifeline explain recognises messages from real issue threads', () => {
  it('holds at least 20 cited messages, at least 4 per client', () => {
    expect(MESSAGES.length).toBeGreaterThanOrEqual(20);
    for (const m of MESSAGES)
      expect(m.url).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull)\/\d+/);
    const perClient = new Map<string, number>();
    for (const m of MESSAGES) perClient.set(m.client, (perClient.get(m.client) ?? 0) + 1);
    for (const client of ['ioredis', 'node-redis', 'redis-py', 'redis-rb', 'phpredis', 'hiredis'])
      expect(perClient.get(client), client).toBeGreaterThanOrEqual(4);
  });

  it.each(MESSAGES.map((m) => [m.text.split('\n')[0]?.slice(0, 70), m] as const))('%s', (_, m) => {
    const e = explainText(m.text);
    expect(e.recognised, m.url).toBe(true);
    expect(m.socketEvent.split('|'), m.url).toContain(e.socketEvent);
    // The client when the words name one; a wrong one never.
    if (e.client !== null) expect(e.client, m.url).toBe(m.client);
    if (e.language !== null) expect(e.language, m.url).toBe(m.language);
    expect(e.causes.length, m.url).toBeGreaterThan(0);
    const causes = e.causes.map((c) => c.cause);
    if (m.cause === 'unknown') return;
    if (CAUSE_NOT_IN_WORDS.has(m.url)) expect(causes).not.toContain(m.cause);
    else expect(causes, m.url).toContain(m.cause);
  });

  it('names the client of most of them from the words alone', () => {
    const named = MESSAGES.filter((m) => explainText(m.text).client === m.client).length;
    // Measured: 44 of 64. The rest are a runtime's words (read ECONNRESET, READONLY, Connection refused).
    expect(named / MESSAGES.length).toBeGreaterThanOrEqual(0.65);
  });
});
