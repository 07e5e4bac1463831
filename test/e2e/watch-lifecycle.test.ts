/**
 * The Watcher as an application embeds it: a listener that throws, stop() while a round hangs on a
 * blackholed server, stop() before start() has finished, and a user that may not run INFO.
 */
import { describe, expect, it } from 'vitest';
import { isCannotRun } from '../../src/core/errors.js';
import type { Sample } from '../../src/watch/types.js';
import { Watcher } from '../../src/watch/watcher.js';
import { closeAfterEach, serverBehindProxy } from '../support/fault-rig.js';
import { watching } from '../support/watching.js';
import { waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lifeline watch: the Watcher in an application', () => {
  it('an incident listener that throws: a warning, watching goes on, no false outage, no repeat', async () => {
    const { server, admin } = await serverBehindProxy(defer);
    const w = await watching(defer, server.url);
    w.watcher.on('incident', () => {
      throw new Error('listener bug');
    });
    await sleep(1200);
    const killedAt = Date.now();
    await admin.call('CLIENT', 'KILL', 'ID', '999999999', 'SKIPME', 'yes');
    await w.next('client-kills-observed', killedAt);
    await waitFor(
      'the listener error as a warning',
      () => w.warnings.some((m) => /listener threw: listener bug/.test(m)),
      3000,
    );
    const samplesThen = w.samples.length;
    await waitFor('three more samples', () => w.samples.length >= samplesThen + 3, 5000);
    expect(w.samples.every((s) => s.up)).toBe(true);
    expect(w.incidents.map((i) => i.incident.kind)).toEqual(['client-kills-observed']);
  });

  it('stop() returns at once while a round hangs on a blackholed server, and reports nothing after', async () => {
    const { proxy } = await serverBehindProxy(defer);
    const w = await watching(defer, `redis://127.0.0.1:${proxy.port}`, { timeoutMs: 5000 });
    proxy.addToxic({ type: 'blackhole' });
    // The next round's INFO hangs (the toxic holds the bytes) until its 5 s timeout.
    await sleep(1500);
    const counts = { samples: w.samples.length, incidents: w.incidents.length };
    const stopping = Date.now();
    await w.watcher.stop();
    const tookMs = Date.now() - stopping;
    expect(tookMs).toBeLessThan(500);
    await sleep(1500);
    expect({ samples: w.samples.length, incidents: w.incidents.length }).toEqual(counts);
  });

  it('stop() before start() has finished: nothing is sampled afterwards', async () => {
    const { server } = await serverBehindProxy(defer);
    const watcher = new Watcher({ urls: [server.url], intervalMs: 200 });
    const samples: Sample[] = [];
    watcher.on('sample', (s) => samples.push(s));
    const starting = watcher.start();
    await watcher.stop();
    await starting;
    await sleep(800);
    expect(samples).toEqual([]);
  });

  it('a user that may not run INFO cannot watch: start() fails with a one-line reason', async () => {
    const { server, admin } = await serverBehindProxy(defer);
    await admin.call('ACL', 'SETUSER', 'blind', 'on', '>blind-pw', '+@all', '-info');
    const watcher = new Watcher({ urls: [`redis://blind:blind-pw@127.0.0.1:${server.port}`] });
    const error = await watcher.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    defer(() => watcher.stop());
    expect(isCannotRun(error)).toBe(true);
    expect((error as Error).message).toMatch(/INFO is not permitted for this user .*NOPERM/);
    expect((error as Error).message).not.toContain('blind-pw');
  });
});
