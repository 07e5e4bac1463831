import type { NodeAddress } from './redis-url.js';

/** An announcement on a Sentinel channel, parsed. */
export type SentinelMessage =
  | { type: 'switch-master'; masterName: string; from: NodeAddress; to: NodeAddress }
  | {
      type: 'down' | 'up';
      down: 'sdown' | 'odown';
      instance: 'master' | 'slave' | 'sentinel' | string;
      node: NodeAddress;
      /** The master the instance belongs to. */
      masterName: string;
      quorum?: string;
    }
  | { type: 'failover-end'; masterName: string; node: NodeAddress }
  | { type: 'failover-abort'; reason: string; masterName: string; node: NodeAddress };

const address = (host: string | undefined, port: string | undefined): NodeAddress | undefined => {
  const n = Number(port);
  return host && Number.isInteger(n) && n > 0 ? { host, port: n } : undefined;
};

/**
 * One message of a Sentinel event channel. Instance events read `<type> <name> <ip> <port> @ <master-name>
 * <master-ip> <master-port>` (no `@ ...` part for a master); `+switch-master` reads `<name> <old-ip>
 * <old-port> <new-ip> <new-port>`. Undefined for what cannot be read.
 */
export function parseSentinelMessage(channel: string, text: string): SentinelMessage | undefined {
  const words = text.trim().split(/\s+/);
  if (channel === '+switch-master') {
    const [name, oldIp, oldPort, newIp, newPort] = words;
    const from = address(oldIp, oldPort);
    const to = address(newIp, newPort);
    return name && from && to ? { type: 'switch-master', masterName: name, from, to } : undefined;
  }
  const [instance = '', name = '', ip, port] = words;
  const node = address(ip, port);
  if (!node) return undefined;
  const at = words.indexOf('@');
  const masterName = instance === 'master' ? name : at >= 0 ? (words[at + 1] ?? '') : '';
  const quorum = words.find((w) => w.startsWith('#quorum')) ? words[words.indexOf('#quorum') + 1] : undefined;
  const m = /^([+-])(sdown|odown)$/.exec(channel);
  if (m)
    return {
      type: m[1] === '+' ? 'down' : 'up',
      down: m[2] as 'sdown' | 'odown',
      instance,
      node,
      masterName,
      ...(quorum ? { quorum } : {}),
    };
  if (channel === '+failover-end') return { type: 'failover-end', masterName, node };
  if (channel.startsWith('-failover-abort-'))
    return { type: 'failover-abort', reason: channel.slice('-failover-abort-'.length), masterName, node };
  return undefined;
}

/**
 * Every sentinel publishes the same event (a +switch-master, its own +sdown): one announced again
 * within this long is the same event.
 */
export const SENTINEL_REPEAT_MS = 30_000;

/** Tells the first announcement of an event (by key) from the other sentinels' repeats of it. */
export class SentinelRepeats {
  private readonly seen = new Map<string, number>();

  /** True the first time `key` is announced within SENTINEL_REPEAT_MS. */
  first(key: string, now = Date.now()): boolean {
    for (const [k, at] of this.seen) if (now - at >= SENTINEL_REPEAT_MS) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  /** The event is over (a -sdown): its next announcement is a new one. */
  forget(key: string): void {
    this.seen.delete(key);
  }

  clear(): void {
    this.seen.clear();
  }
}
