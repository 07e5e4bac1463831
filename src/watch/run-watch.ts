import type { Severity } from '../doctor/report/types.js';
import { TOOL_VERSION } from '../version.js';
import { WebhookSink } from './alerts/webhook.js';
import { HistoryWriter } from './history/history-writer.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { WatchMetrics } from './metrics/watch-metrics.js';
import type { WatchOptions } from './options.js';
import { LiveView } from './render/live-view.js';
import { renderIncidentLine } from './render/render-incident-line.js';
import type { Incident } from './types.js';
import { Watcher } from './watcher.js';

/** A whole watch run as `lifeline watch` does it: the Watcher and everything fed from it. */
export interface WatchRunOptions {
  /** What to watch and how. */
  watch: WatchOptions;
  /** Incidents as NDJSON on `out`, one object per line (no live view, no start line). */
  json?: boolean;
  /** The live view when `out` is a terminal and not `json`. @default true */
  live?: boolean;
  /** POST each incident as JSON to this URL (retried with backoff). */
  webhook?: string;
  /** Serve Prometheus `/metrics`. */
  metrics?: { port: number; host?: string };
  /** Write samples and incidents as NDJSON into `dir`, capped at `maxTotalBytes`. */
  history?: { dir: string; maxTotalBytes?: number };
  /** Stop after this long, milliseconds; otherwise when `onStop` calls back. */
  durationMs?: number;
}

export interface WatchRunIo {
  /** Incidents, and the live view's frames. */
  out: (text: string) => void;
  /** The start line and notices about watch itself (prefixed `lifeline watch: `). */
  err: (text: string) => void;
  /** `out` is a terminal: the live view is painted on it. */
  isTty: boolean;
  /** Colour in incident lines and the live view. */
  color: boolean;
  /** Called once watching has started; calls `stop` back when watch is to stop (Ctrl-C, SIGTERM, a reader gone). */
  onStop: (stop: () => void) => void;
}

export interface WatchRunResult {
  /** Incidents seen, by severity (repeat summaries included). */
  incidents: Record<Severity, number>;
}

/**
 * Runs watch until `durationMs` or `onStop`: incidents go to `out` (a line each, NDJSON, or the live
 * view), to the webhook, the metrics and the history. Everything that can refuse the options is built
 * before anything listens or connects; a target that cannot be used at start throws a CannotRunError,
 * with everything started so far closed again.
 */
export async function runWatch(options: WatchRunOptions, io: WatchRunIo): Promise<WatchRunResult> {
  const watcher = new Watcher(options.watch);
  const webhook = options.webhook
    ? new WebhookSink({
        url: options.webhook,
        onError: (line: string) => io.err(`lifeline watch: ${line}\n`),
      })
    : undefined;
  const metrics = options.metrics ? new WatchMetrics() : undefined;
  const history = options.history
    ? new HistoryWriter({
        dir: options.history.dir,
        maxTotalBytes: options.history.maxTotalBytes,
        onError: (error: Error) => io.err(`lifeline watch: history: ${error.message}\n`),
      })
    : undefined;

  const incidents: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  // Built once started: the targets of a Sentinel URL are known only after discovery.
  let view: LiveView | undefined;
  watcher.on('sample', (sample) => {
    metrics?.observe(sample);
    history?.write({ type: 'sample', ...sample });
    view?.sample(sample);
  });
  watcher.on('incident', (incident: Incident) => {
    incidents[incident.severity]++;
    metrics?.incident(incident);
    history?.write({ type: 'incident', ...incident });
    webhook?.send(incident);
    if (view) view.incident(incident);
    else if (options.json) io.out(`${JSON.stringify({ type: 'incident', ...incident })}\n`);
    else io.out(`${renderIncidentLine(incident, { color: io.color })}\n`);
  });
  watcher.on('warning', (message) => {
    if (view) view.notice(message);
    else io.err(`lifeline watch: ${message}\n`);
  });

  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let repaint: NodeJS.Timeout | undefined;
  let started = false;
  try {
    server =
      options.metrics && metrics
        ? await startMetricsServer({ ...options.metrics, registry: metrics.registry })
        : undefined;
    await watcher.start();
    started = true;
    if (io.isTty && (options.live ?? true) && !options.json) view = new LiveView(watcher.targetUrls);
    history?.write({
      type: 'start',
      at: new Date().toISOString(),
      tool: { name: 'redis-lifeline', version: TOOL_VERSION },
      targets: watcher.targetUrls,
      intervalMs: watcher.options.intervalMs,
    });
    if (!view && !options.json)
      io.err(
        `lifeline watch: watching ${watcher.targetUrls.join(', ')} every ${watcher.options.intervalMs} ms${server ? `; metrics at ${server.url}` : ''}; Ctrl-C to stop\n`,
      );
    const painted = view;
    if (painted)
      repaint = setInterval(() => io.out(`\u001b[H\u001b[2J${painted.render(new Date(), io.color)}\n`), 1000);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      io.onStop(done);
      if (options.durationMs) setTimeout(done, options.durationMs).unref();
    });
  } finally {
    if (repaint) clearInterval(repaint);
    await watcher.stop();
    await webhook?.flush(5_000);
    webhook?.close();
    await server?.close();
    if (started) history?.write({ type: 'stop', at: new Date().toISOString() });
    history?.close();
  }
  if (view) io.out(`${view.render(new Date(), false)}\n`);
  return { incidents };
}
