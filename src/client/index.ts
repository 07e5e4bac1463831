export { fullJitterDelay, lifelineReconnectStrategy } from './backoff.js';
export { type ReplaySafety, replaySafety } from './command-table.js';
export type { DisconnectCause } from './disconnect-cause.js';
export { CODES, LifelineCommandError } from './errors.js';
export {
  channels as diagnosticsChannels,
  type DisconnectEvent,
  EVENTS,
  type FailoverEvent,
  type PubsubGapEvent,
  type ReconnectEvent,
} from './events.js';
export { lifeline } from './lifeline.js';
export { lifelineMetrics } from './metrics.js';
export { DEFAULTS, type LifelineOptions, type ReplayPolicy } from './options.js';
export {
  SafeSubscriber,
  type SafeSubscriberOptions,
  type SafeSubscriberStats,
} from './pubsub/safe-subscriber.js';
