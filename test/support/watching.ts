import type { WatchOptions } from '../../src/watch/options.js';
import type { Incident, Sample } from '../../src/watch/types.js';
import { Watcher } from '../../src/watch/watcher.js';
import { waitFor } from './with-redis.js';

export interface Watching {
  watcher: Watcher;
  incidents: { incident: Incident; receivedAt: number }[];
  samples: Sample[];
  warnings: string[];
  /** The first incident of `kind` received at or after `since` (epoch ms), waiting at most `timeoutMs`. */
  next(
    kind: Incident['kind'],
    since: number,
    timeoutMs?: number,
  ): Promise<{ incident: Incident; receivedAt: number }>;
}

/** A started Watcher on `url` (1 s interval unless told), stopped by `defer`; records what it emits. */
export async function watching(
  defer: (close: () => unknown) => void,
  url: string,
  options: Partial<WatchOptions> = {},
): Promise<Watching> {
  const watcher = new Watcher({ urls: [url], intervalMs: 1000, groupWindowMs: 10 * 60_000, ...options });
  const incidents: Watching['incidents'] = [];
  const samples: Sample[] = [];
  const warnings: string[] = [];
  watcher.on('incident', (incident) => incidents.push({ incident, receivedAt: Date.now() }));
  watcher.on('sample', (sample) => samples.push(sample));
  watcher.on('warning', (message) => warnings.push(message));
  await watcher.start();
  defer(() => watcher.stop());
  // Counters are compared between samples: a fault before the first one is history, not an incident.
  await waitFor('the first sample', () => samples.length > 0, 5000);
  return {
    watcher,
    incidents,
    samples,
    warnings,
    next: (kind, since, timeoutMs = 10_000) =>
      waitFor(
        () => `a ${kind} incident (seen: ${incidents.map((i) => i.incident.kind).join(', ') || 'none'})`,
        () => incidents.find((i) => i.incident.kind === kind && i.receivedAt >= since),
        timeoutMs,
      ) as Promise<Watching['incidents'][number]>,
  };
}
