import bandwidth from './bandwidth.js';
import blackhole from './blackhole.js';
import type { ToxicDefinition } from './define-toxic.js';
import idleReset from './idle-reset.js';
import latency from './latency.js';
import limitData from './limit-data.js';
import replyDrop from './reply-drop.js';
import resetPeer from './reset-peer.js';
import silentDrop from './silent-drop.js';
import slicer from './slicer.js';
import slowClose from './slow-close.js';
import timeout from './timeout.js';

/** Toxiproxy's toxics first, then the middlebox faults that matter for Redis. */
export const TOXICS: readonly ToxicDefinition<Record<string, number>>[] = [
  latency,
  bandwidth,
  slowClose,
  timeout,
  resetPeer,
  limitData,
  slicer,
  idleReset,
  silentDrop,
  blackhole,
  replyDrop,
] as readonly ToxicDefinition<Record<string, number>>[] as never;

export const toxicByType = (type: string): ToxicDefinition<Record<string, number>> | undefined =>
  TOXICS.find((t) => t.type === type);
