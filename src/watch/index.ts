export { AlertGrouper } from './alerts/alert-grouping.js';
export { WebhookSink } from './alerts/webhook.js';
export { HistoryWriter } from './history/history-writer.js';
export { readHistory } from './history/read-history.js';
export { startMetricsServer } from './metrics/metrics-server.js';
export { WatchMetrics } from './metrics/watch-metrics.js';
export { WATCH_DEFAULTS, type WatchOptions } from './options.js';
export { runWatch, type WatchRunIo, type WatchRunOptions, type WatchRunResult } from './run-watch.js';
export {
  CAUSE_OF_INCIDENT,
  type HistoryRecord,
  INCIDENT_KINDS,
  type Incident,
  type IncidentKind,
  type Sample,
} from './types.js';
export { Watcher } from './watcher.js';
