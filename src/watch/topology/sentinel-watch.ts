import { Redis } from 'ioredis';
import { endpointOf, type NodeAddress, type SentinelTarget } from '../../core/redis-url.js';
import { parseSentinelMessage, SentinelRepeats } from '../../core/sentinel-message.js';
import type { TopologyEvidence } from '../../doctor/topology/topology-evidence.js';
import type { Detection } from '../detectors/detect-context.js';
import { detectFailover } from '../detectors/failover.js';
import { detectNodeFailed } from '../detectors/node-failed.js';
import { detectSentinelQuorumLost } from '../detectors/sentinel-quorum-lost.js';
import type { ResolvedWatchOptions } from '../options.js';
import { WATCH_CONNECTION_NAME } from '../sampling/target-link.js';

/** The Sentinel channels watch subscribes to (and the pattern of the failover aborts). */
export const SENTINEL_CHANNELS = ['+switch-master', '+sdown', '-sdown', '+odown', '-odown', '+failover-end'];
export const SENTINEL_PATTERNS = ['-failover-abort-*'];

/** How often a lost sentinel connection is tried again. */
const RECONNECT_MS = 1_000;

export interface SentinelWatchEvents {
  /** `node` is the data node the detection is about (for its target), when it is about one. */
  detection(detection: Detection, node: NodeAddress | undefined): void;
  /** The master moved: watch the new one if it is not watched yet. */
  switched(to: NodeAddress): void;
  warning(message: string): void;
}

/**
 * Follows a Sentinel set's announcements for one master: one subscriber connection per sentinel,
 * reconnected when it drops. A switch of the master is raised at once (once, whichever sentinel
 * announces it first), a node going down as the sentinels see it, and the sentinels watch reaches
 * falling below the quorum.
 */
export class SentinelWatch {
  private readonly connections = new Map<string, Redis>();
  private readonly connected = new Set<string>();
  /** Each connection's subscription after its latest connect. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly seen = new SentinelRepeats();
  /** When each master was first announced down (+sdown), until it is up again: how long writes were refused. */
  private readonly masterDownAt = new Map<string, number>();
  private readonly quorum: number;
  private quorumLost = false;
  private started = false;
  private closed = false;

  constructor(
    readonly target: SentinelTarget,
    evidence: TopologyEvidence,
    private readonly options: Pick<ResolvedWatchOptions, 'timeoutMs' | 'sentinelAuth'>,
    private readonly events: SentinelWatchEvents,
  ) {
    const views = evidence.sentinels ?? [];
    const quorums = views.map((v) => Number(v.master?.quorum)).filter((q) => Number.isInteger(q) && q > 0);
    this.quorum = quorums[0] ?? Math.floor(views.length / 2) + 1;
    for (const view of views) this.connections.set(endpointOf(view.address), this.subscriber(view.address));
  }

  /** The sentinels followed ("host:port"). */
  get sentinels(): string[] {
    return [...this.connections.keys()];
  }

  /**
   * Connects every subscriber (waiting at most the timeout for each); from then on, fewer connected
   * sentinels than the quorum is an incident.
   */
  async start(): Promise<void> {
    await Promise.all(
      [...this.connections.entries()].map(async ([where, redis]) => {
        try {
          await redis.connect();
          await this.subscribed.get(where);
        } catch (error) {
          this.events.warning(
            `sentinel ${where}: cannot subscribe to its events (${(error as Error).message}); trying again`,
          );
        }
      }),
    );
    if (this.closed) return;
    this.started = true;
    this.checkQuorum();
  }

  close(): void {
    this.closed = true;
    for (const redis of this.connections.values()) redis.disconnect();
  }

  private subscriber(where: NodeAddress): Redis {
    const name = endpointOf(where);
    const redis = new Redis({
      host: where.host,
      port: where.port,
      lazyConnect: true,
      connectTimeout: this.options.timeoutMs,
      username: this.options.sentinelAuth?.username,
      password: this.options.sentinelAuth?.password,
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
      connectionName: WATCH_CONNECTION_NAME,
      retryStrategy: () => (this.closed ? null : RECONNECT_MS),
      // Subscribed again on each connect below, also after a first connect that failed.
      autoResubscribe: false,
    });
    redis.on('error', () => {
      // Reconnects are tried on their own; the lost connection counts against the quorum.
    });
    redis.on('ready', () => {
      const subscribing = (async () => {
        await redis.subscribe(...SENTINEL_CHANNELS);
        await redis.psubscribe(...SENTINEL_PATTERNS);
        this.connected.add(name);
        this.checkQuorum();
      })();
      // A failed subscription drops the connection: the reconnect subscribes again.
      subscribing.catch(() => redis.disconnect(true));
      this.subscribed.set(name, subscribing);
    });
    redis.on('close', () => {
      this.connected.delete(name);
      this.checkQuorum();
    });
    redis.on('message', (channel: string, text: string) => this.onMessage(name, channel, text));
    redis.on('pmessage', (_pattern: string, channel: string, text: string) =>
      this.onMessage(name, channel, text),
    );
    return redis;
  }

  private checkQuorum(): void {
    if (!this.started || this.closed) return;
    const reach = {
      masterName: this.target.masterName,
      sentinels: this.sentinels,
      connected: this.sentinels.filter((s) => this.connected.has(s)),
      quorum: this.quorum,
    };
    if (reach.connected.length >= this.quorum) {
      if (this.quorumLost)
        this.events.warning(
          `${reach.connected.length} of ${reach.sentinels.length} sentinels of "${reach.masterName}" reachable again (quorum ${this.quorum})`,
        );
      this.quorumLost = false;
      return;
    }
    if (this.quorumLost) return;
    this.quorumLost = true;
    for (const detection of detectSentinelQuorumLost(reach)) this.events.detection(detection, undefined);
  }

  private onMessage(sentinel: string, channel: string, text: string): void {
    if (this.closed) return;
    const message = parseSentinelMessage(channel, text);
    if (!message || message.masterName !== this.target.masterName) return;
    switch (message.type) {
      case 'switch-master': {
        if (!this.seen.first(`switch ${endpointOf(message.from)} ${endpointOf(message.to)}`)) return;
        const downAt = this.masterDownAt.get(endpointOf(message.from));
        this.masterDownAt.delete(endpointOf(message.from));
        const masterDownMs = downAt === undefined ? undefined : Date.now() - downAt;
        for (const detection of detectFailover({ ...message, sentinel, masterDownMs }))
          this.events.detection(detection, undefined);
        this.events.switched(message.to);
        return;
      }
      case 'down': {
        if (message.instance !== 'master' && message.instance !== 'slave') return;
        const where = endpointOf(message.node);
        if (message.instance === 'master' && !this.masterDownAt.has(where))
          this.masterDownAt.set(where, Date.now());
        if (!this.seen.first(`+${message.down} ${endpointOf(message.node)}`)) return;
        const detections = detectNodeFailed({
          source: 'sentinel',
          down: message.down,
          role: message.instance === 'master' ? 'master' : 'replica',
          node: message.node,
          masterName: message.masterName,
          sentinel,
          ...(message.quorum ? { quorum: message.quorum } : {}),
        });
        for (const detection of detections) this.events.detection(detection, message.node);
        return;
      }
      case 'up':
        // The node is back: a later fall is news again.
        if (message.down === 'sdown') this.masterDownAt.delete(endpointOf(message.node));
        this.seen.forget(`+${message.down} ${endpointOf(message.node)}`);
        return;
      case 'failover-abort':
        if (this.seen.first(`abort ${message.reason} ${endpointOf(message.node)}`))
          this.events.warning(
            `sentinel ${sentinel}: the failover of "${message.masterName}" was aborted (${message.reason}); the master stays ${endpointOf(message.node)}`,
          );
        return;
      case 'failover-end':
        return;
    }
  }
}
