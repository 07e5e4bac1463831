import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { endpointOf, type NodeAddress } from '../../core/redis-url.js';
import { parseSentinelMessage, SentinelRepeats } from '../../core/sentinel-message.js';

/** The master switch a sentinel announced. */
export interface MasterSwitch {
  masterName: string;
  from: string;
  to: string;
  /** The sentinel heard first ("host:port"). */
  announcedBy: string;
}

export interface SentinelLogin {
  username?: string;
  password?: string;
  tls?: ConnectionOptions;
}

/** A lost sentinel connection is tried again this often. */
const RECONNECT_MS = 1_000;

/**
 * Listens to `+switch-master` on every sentinel of a Sentinel-managed ioredis client, on connections
 * of lifeline's own (ioredis's `failoverDetector` does the same, but is off by default). Each switch
 * of `masterName` is reported once, as soon as the first sentinel announces it.
 */
export class SentinelFollower {
  private readonly connections: Redis[] = [];
  /** Every sentinel announces the same switch: the same old → new is reported once. */
  private readonly heard = new SentinelRepeats();

  constructor(
    private readonly sentinels: readonly NodeAddress[],
    private readonly masterName: string,
    private readonly login: SentinelLogin,
    private readonly onSwitch: (change: MasterSwitch) => void,
  ) {}

  get started(): boolean {
    return this.connections.length > 0;
  }

  start(): void {
    if (this.started) return;
    for (const sentinel of this.sentinels) this.connections.push(this.subscriber(sentinel));
  }

  close(): void {
    for (const redis of this.connections.splice(0)) redis.disconnect();
    this.heard.clear();
  }

  private subscriber(sentinel: NodeAddress): Redis {
    const where = endpointOf(sentinel);
    const redis = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      ...(this.login.username ? { username: this.login.username } : {}),
      ...(this.login.password ? { password: this.login.password } : {}),
      ...(this.login.tls ? { tls: this.login.tls } : {}),
      connectionName: 'redis-lifeline',
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
      // Until close(): disconnect() ends the retries.
      retryStrategy: () => RECONNECT_MS,
    });
    // A sentinel that is down is tried again; the others still announce the switch.
    redis.on('error', () => undefined);
    // ioredis subscribes again on each reconnect.
    redis.subscribe('+switch-master').catch(() => undefined);
    redis.on('message', (channel: string, text: string) => {
      const message = parseSentinelMessage(channel, text);
      if (message?.type !== 'switch-master' || message.masterName !== this.masterName) return;
      const change: MasterSwitch = {
        masterName: message.masterName,
        from: endpointOf(message.from),
        to: endpointOf(message.to),
        announcedBy: where,
      };
      if (!this.heard.first(`${change.from} ${change.to}`)) return;
      this.onSwitch(change);
    });
    return redis;
  }
}
