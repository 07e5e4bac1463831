import type { Redis } from 'ioredis';
import type { RedisTarget } from '../../core/redis-url.js';
import { capReply } from '../../core/reply-cap.js';
import { versionAtLeast } from '../../core/server-product.js';
import { collectConfig } from '../../doctor/collectors/config.js';
import { connect } from '../../doctor/connect.js';
import { TOOL_VERSION } from '../../version.js';

/** CLIENT SETNAME of watch's connections: other tools (and watch itself) leave it out of churn. */
export const WATCH_CONNECTION_NAME = 'lifeline-watch';

export interface LinkOptions {
  timeoutMs: number;
  tlsCaFile?: string | undefined;
  tlsInsecure?: boolean | undefined;
}

/**
 * Watch's one connection to a target. It is opened again after any failure, on the next round, so a
 * target that goes away and comes back is sampled again without a restart of watch.
 */
export class TargetLink {
  private redis: Redis | undefined;
  /** CLIENT ID of the current connection, so CLIENT LIST leaves it out. */
  ownId = '';
  /** Connections watch opened: its own share of total_connections_received. */
  connectsMade = 0;
  config: Record<string, string> | undefined;
  configReason = '';
  private configAt = 0;
  /** Closed for good: a round still running may not open a new connection. */
  private shut = false;

  constructor(
    readonly target: RedisTarget,
    private readonly options: LinkOptions,
  ) {}

  get connected(): boolean {
    return this.redis !== undefined && this.redis.status === 'ready';
  }

  /** The connection, opened if needed; throws CannotRunError with a one-line reason when it cannot be. */
  async open(): Promise<Redis> {
    if (this.redis && this.redis.status === 'ready') return this.redis;
    this.dropConnection();
    if (this.shut) throw new Error('watch stopped');
    this.connectsMade++;
    const redis = await connect(this.target, { ...this.options, connectionName: WATCH_CONNECTION_NAME });
    if (this.shut) {
      redis.disconnect();
      throw new Error('watch stopped');
    }
    this.redis = redis;
    // Our next failure closes it; nothing else may keep a dead connection around.
    redis.on('close', () => {
      if (this.redis === redis) this.redis = undefined;
    });
    this.ownId = String(await redis.call('CLIENT', 'ID').catch(() => ''));
    this.configAt = 0;
    return redis;
  }

  /** Names our library on 7.2+/Valkey, where CLIENT SETINFO exists (on 7.0 it would add an error reply). */
  async nameLibrary(product: string, version: string): Promise<void> {
    const redis = this.redis;
    if (!redis || !(product === 'valkey' || (product === 'redis' && versionAtLeast(version, '7.2')))) return;
    await redis.call('CLIENT', 'SETINFO', 'LIB-NAME', 'lifeline').catch(() => undefined);
    await redis.call('CLIENT', 'SETINFO', 'LIB-VER', TOOL_VERSION).catch(() => undefined);
  }

  /** CONFIG GET, again after `everyMs` (a CONFIG SET changes what detectors compare against). */
  async refreshConfig(everyMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis || Date.now() - this.configAt < everyMs) return;
    this.configAt = Date.now();
    try {
      const collected = await capReply(redis, 'CONFIG GET', () =>
        collectConfig({
          redis,
          target: this.target,
          timeoutMs: this.options.timeoutMs,
          logPath: undefined,
          logMaxBytes: 0,
        }),
      );
      if (collected.status === 'ok') this.config = collected.value;
    } catch (error) {
      this.configReason = (error as Error).message.replace(/\s+/g, ' ').slice(0, 200);
    }
  }

  /** Drops the connection; the next open() makes a new one. */
  dropConnection(): void {
    const redis = this.redis;
    this.redis = undefined;
    redis?.disconnect();
  }

  /** Closes for good. */
  close(): void {
    this.shut = true;
    this.dropConnection();
  }
}
