/**
 * The detectors on real captures from every server version: a counter on the versions that have it
 * (7.4+, Valkey 8), the server log on the ones that do not, and never a guess when neither exists.
 */
import { describe, expect, it } from 'vitest';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { parseConfigText } from '../../src/core/parse-config.js';
import { parseInfo } from '../../src/core/parse-info.js';
import {
  type DetectContext,
  newDetectorMemory,
  type Round,
} from '../../src/watch/detectors/detect-context.js';
import { DETECTORS } from '../../src/watch/detectors/index.js';
import { resolveWatchOptions } from '../../src/watch/options.js';
import { counters, gauges, serverFacts } from '../../src/watch/sampling/read-info.js';
import type { IncidentKind } from '../../src/watch/types.js';
import { fixtureVersions, readFixture } from '../support/fixture-evidence.js';

/** A round from a capture's INFO, with some INFO fields replaced (to make the round before the fault). */
function round(version: string, scenario: string, at: number, replace: Record<string, string> = {}): Round {
  let text = readFixture(version, scenario, 'info.txt');
  for (const [field, value] of Object.entries(replace))
    text = text.replace(new RegExp(`^${field.replace('|', '\\|')}:.*$`, 'm'), `${field}:${value}\r`);
  const info = parseInfo(text);
  const config = parseConfigText(readFixture(version, scenario, 'config.txt'));
  return {
    sample: {
      target: 'redis://127.0.0.1:6390',
      at,
      up: true,
      durationMs: 1,
      server: serverFacts(info),
      counters: counters(info),
      gauges: gauges(info, config),
    },
    info,
    logEvents: [],
  };
}

function detect(version: string, scenario: string, before: Record<string, string>, withLog: boolean) {
  const config = parseConfigText(readFixture(version, scenario, 'config.txt'));
  const prev = round(version, scenario, 0, before);
  const cur = round(version, scenario, 5000);
  if (withLog) cur.logEvents = summarizeLog(readFixture(version, scenario, 'server.log')).events;
  const ctx: DetectContext = {
    cur,
    prev,
    prevList: undefined,
    config,
    logFollowed: withLog,
    previousRunEnd: undefined,
    downSince: undefined,
    ownConnects: 0,
    options: resolveWatchOptions({ urls: [] }),
    memory: newDetectorMemory(),
    cli: (...args) => `redis-cli ${args.join(' ')}`,
  };
  return DETECTORS.flatMap((d) => d(ctx));
}

const hasCounter = (version: string) => !/redis-7\.[02]\./.test(version);

const CASES: { scenario: string; kind: IncidentKind; before: Record<string, string>; counter?: string }[] = [
  {
    scenario: 'output-buffer-pubsub',
    kind: 'output-buffer-kills',
    before: { client_output_buffer_limit_disconnections: '0' },
    counter: 'client_output_buffer_limit_disconnections',
  },
  {
    scenario: 'query-buffer',
    kind: 'query-buffer-kills',
    before: { client_query_buffer_limit_disconnections: '0' },
    counter: 'client_query_buffer_limit_disconnections',
  },
  { scenario: 'client-eviction', kind: 'client-eviction', before: { evicted_clients: '0' } },
  { scenario: 'maxclients', kind: 'maxclients-reached', before: { rejected_connections: '0' } },
  {
    scenario: 'client-kill',
    kind: 'client-kills-observed',
    before: { 'cmdstat_client|kill': 'calls=0,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0' },
  },
];

describe.each(fixtureVersions())('watch detectors on %s captures', (version) => {
  it.each(CASES)('$scenario → $kind', ({ scenario, kind, before, counter }) => {
    const found = detect(version, scenario, before, true).filter((d) => d.kind === kind);
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe(kind === 'client-kills-observed' ? 'warning' : 'critical');
    if (counter) {
      // The buffer-kill counters exist on 7.4+/Valkey 8; older servers are read from their log.
      expect(found[0]?.evidence.source).toBe(hasCounter(version) ? 'counter' : 'log');
      expect(found[0]?.evidence.recentVictims).not.toEqual([]);
    }
  });

  it('a buffer kill without a counter and without the log is not guessed', () => {
    const found = detect(
      version,
      'output-buffer-pubsub',
      { client_output_buffer_limit_disconnections: '0' },
      false,
    ).filter((d) => d.kind === 'output-buffer-kills');
    expect(found).toHaveLength(hasCounter(version) ? 1 : 0);
  });

  it('the healthy capture compared with itself raises nothing', () => {
    expect(detect(version, 'healthy', {}, true)).toEqual([]);
  });
});
