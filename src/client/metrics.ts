import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, register as defaultRegistry, Histogram, type Registry } from 'prom-client';
import type { PubsubGapEvent, ReconnectEvent } from './events.js';

/**
 * Prometheus metrics for every wrapped client in the process, fed by lifeline's diagnostics channels.
 * Returns a function that stops collecting.
 */
export function lifelineMetrics(registry: Registry = defaultRegistry): () => void {
  const registers = [registry];
  const disconnects = new Counter({
    name: 'lifeline_client_disconnects_total',
    help: 'Connections that dropped and came back, by the cause the server confirmed (counted on recovery).',
    labelNames: ['endpoint', 'cause', 'confidence'],
    registers,
  });
  const downtime = new Histogram({
    name: 'lifeline_client_reconnect_seconds',
    help: 'Time from a drop until the client was ready again.',
    labelNames: ['endpoint', 'cause'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const gaps = new Counter({
    name: 'lifeline_client_pubsub_gaps_total',
    help: 'Resubscribes after an outage: messages published in the window were lost.',
    labelNames: ['endpoint'],
    registers,
  });
  const gapSeconds = new Counter({
    name: 'lifeline_client_pubsub_gap_seconds_total',
    help: 'Seconds subscriptions were down.',
    labelNames: ['endpoint'],
    registers,
  });
  const replays = new Counter({
    name: 'lifeline_client_unanswered_commands_total',
    help: 'Commands written but unanswered when a connection dropped, by safety and whether they were replayed.',
    labelNames: ['endpoint', 'safety', 'replayed'],
    registers,
  });

  // Counted on recovery, when the cause is confirmed: a drop announced with the client's facts alone
  // would otherwise count under a cause the server later contradicts.
  const onReconnect = (message: unknown) => {
    const e = message as ReconnectEvent;
    disconnects.inc({ endpoint: e.endpoint, cause: e.cause, confidence: e.confidence });
    downtime.observe({ endpoint: e.endpoint, cause: e.cause }, e.downMs / 1000);
  };
  const onGap = (message: unknown) => {
    const g = message as PubsubGapEvent;
    gaps.inc({ endpoint: g.endpoint });
    gapSeconds.inc({ endpoint: g.endpoint }, g.durationMs / 1000);
  };
  const onReplay = (message: unknown) => {
    const r = message as { endpoint: string; commands: string[]; safety: string; replayed: boolean };
    replays.inc({ endpoint: r.endpoint, safety: r.safety, replayed: String(r.replayed) }, r.commands.length);
  };
  subscribe('lifeline:reconnect', onReconnect);
  subscribe('lifeline:pubsub-gap', onGap);
  subscribe('lifeline:replay', onReplay);
  return () => {
    unsubscribe('lifeline:reconnect', onReconnect);
    unsubscribe('lifeline:pubsub-gap', onGap);
    unsubscribe('lifeline:replay', onReplay);
    for (const name of [
      'lifeline_client_disconnects_total',
      'lifeline_client_reconnect_seconds',
      'lifeline_client_pubsub_gaps_total',
      'lifeline_client_pubsub_gap_seconds_total',
      'lifeline_client_unanswered_commands_total',
    ]) {
      registry.removeSingleMetric(name);
    }
  };
}
