import { describe, expect, it } from 'vitest';
import { attribute, type DisconnectFacts } from '../../src/client/disconnect-cause.js';
import { UNBOUNDED_REPLIES } from '../../src/core/command-facts.js';
import type { CollectorContext } from '../../src/doctor/collectors/context.js';
import { collectSlowlog } from '../../src/doctor/collectors/slowlog.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';

/** The client's cause for a clean close with `command` written and unanswered. */
const clientCause = (command: string) => {
  const facts: DisconnectFacts = {
    error: undefined,
    killedBy: undefined,
    endpoint: '127.0.0.1:6380',
    quietMs: 10,
    inFlight: [{ name: command, bytes: 30 }],
    subscribed: false,
    serverTimeoutS: undefined,
    reconnectRefused: false,
  };
  return attribute(facts).cause;
};

/** The doctor's big-replies verdict on a slowlog holding `args`, read as the collector reads it. */
async function doctorVerdict(args: string[]): Promise<string | undefined> {
  const redis = { call: async () => [[1, 1_700_000_000, 20_000, args, '10.0.0.5:40000']] };
  const slowlog = await collectSlowlog({ redis } as unknown as CollectorContext);
  const evidence = { ...fixtureEvidence('redis-7.4.1', 'healthy'), slowlog };
  return diagnose(evidence, { only: ['big-replies'] }).results[0]?.status;
}

/** A call asking for everything the command can return. */
const wholeCall = (name: string): string[] => {
  if (/^x(rev)?range$/.test(name)) return [name.toUpperCase(), 'stream', '-', '+'];
  if (/range$/.test(name)) return [name.toUpperCase(), 'key', '0', '-1'];
  return [name.toUpperCase(), 'a', 'b'];
};

describe('command facts: the client and the doctor agree on commands with unbounded replies', () => {
  it.each([...UNBOUNDED_REPLIES])('%s', async (name) => {
    expect(clientCause(name)).toBe('output-buffer-limit');
    expect(clientCause(name.toUpperCase())).toBe('output-buffer-limit');
    expect(await doctorVerdict(wholeCall(name))).toBe('finding');
  });

  it('MGET, once only in the client list, is one for the doctor too', async () => {
    expect(UNBOUNDED_REPLIES.has('mget')).toBe(true);
    expect(clientCause('mget')).toBe('output-buffer-limit');
    expect(await doctorVerdict(['MGET', 'k1', 'k2', 'k3'])).toBe('finding');
  });

  it('neither side flags a bounded read', async () => {
    expect(clientCause('get')).toBe('unknown');
    expect(await doctorVerdict(['GET', 'k'])).toBe('pass');
    // A range read with bounds is bounded for the doctor; the client sees only names.
    expect(await doctorVerdict(['LRANGE', 'key', '0', '99'])).toBe('pass');
  });
});
