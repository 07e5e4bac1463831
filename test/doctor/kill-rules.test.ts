/**
 * The three kills the server does on its own (output buffer, query buffer, client eviction) are one
 * rule shape (rules/clients/server-kill-rule.ts): the doctor's own connection, which a tiny limit or
 * a big CLIENT LIST reply may cut off too, is never the application's drop, whichever the kind.
 */
import { describe, expect, it } from 'vitest';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { type Evidence, ok } from '../../src/doctor/evidence.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';

const result = (evidence: Evidence, id: string) => diagnose(evidence, { only: [id] }).results[0];

const client = (id: number, name: string, more = '') =>
  `id=${id} addr=127.0.0.1:${40000 + id} laddr=127.0.0.1:6379 fd=7 name=${name} age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=1114112 qbuf-free=0 argv-mem=9 multi-mem=0 rbs=16392 rbp=16392 obl=0 oll=0 omem=1051648 tot-mem=2118425 events=r cmd=client|list user=default redir=-1 resp=2 lib-name= lib-ver=${more}`;

/** A log line of each kill, as Redis 7.x writes it, for a client of that name. */
const KILLS = {
  'output-buffer-kills': {
    counter: 'client_output_buffer_limit_disconnections',
    line: (id: number, name: string) =>
      `26923:M 22 Nov 2026 02:05:10.850 # Client ${client(id, name)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
  },
  'query-buffer-kills': {
    counter: 'client_query_buffer_limit_disconnections',
    line: (id: number, name: string) =>
      `26923:M 22 Nov 2026 02:05:10.850 # Closing client that reached max query buffer length: ${client(id, name)} (qbuf initial bytes: "*2")`,
  },
  'client-eviction': {
    counter: 'evicted_clients',
    line: (id: number, name: string) =>
      `26923:M 22 Nov 2026 02:05:10.850 * Evicting client: ${client(id, name)}`,
  },
} as const;

/** The healthy 7.4 capture (it has all three counters) with a kill of each named client, logged and counted. */
function withKills(id: keyof typeof KILLS, names: string[]): Evidence {
  const base = fixtureEvidence('redis-7.4.1', 'healthy');
  if (base.info.status !== 'ok') throw new Error('fixture without INFO');
  const text = names.map((name, i) => KILLS[id].line(10 + i, name)).join('\n');
  return {
    ...base,
    info: ok({
      ...base.info.value,
      fields: { ...base.info.value.fields, [KILLS[id].counter]: String(names.length) },
    }),
    log: ok({
      ...summarizeLog(text),
      path: 'server.log',
      fileBytes: text.length,
      bytesRead: text.length,
      tailOnly: false,
      source: 'option',
    }),
  };
}

const IDS = Object.keys(KILLS) as (keyof typeof KILLS)[];

describe('server kill rules: one shape, the doctor left out of every kind', () => {
  it.each(IDS)('%s: only the doctor itself was cut off: not a drop of the application', (id) => {
    expect(result(withKills(id, ['lifeline-doctor']), id)?.status).toBe('pass');
  });

  it.each(IDS)('%s: the application and the doctor: only the application is named', (id) => {
    const r = result(withKills(id, ['worker', 'lifeline-doctor']), id);
    expect(r).toMatchObject({ status: 'finding', severity: 'critical', confidence: 'high' });
    const victims = (r?.evidence as { recentVictims: { name: string }[] } | undefined)?.recentVictims ?? [];
    expect(victims.map((v) => v.name)).toEqual(['worker']);
    expect(r?.message).toContain('Last: name=worker');
    expect(r?.evidence).toMatchObject({ [KILLS[id].counter]: 2 });
  });

  it('client-eviction counts the application only', () => {
    const r = result(withKills('client-eviction', ['worker', 'lifeline-doctor']), 'client-eviction');
    expect(r?.message).toMatch(/^1 client connection was evicted \(evicted_clients=2,/);
  });
});
