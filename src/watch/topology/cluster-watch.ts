import type { Redis } from 'ioredis';
import { type ClusterNodeLine, parseClusterNodes } from '../../core/parse-cluster-nodes.js';
import { parseInfo } from '../../core/parse-info.js';
import { endpointOf, type NodeAddress, type RedisTarget } from '../../core/redis-url.js';
import { capReply } from '../../core/reply-cap.js';
import { connect } from '../../doctor/connect.js';
import { detectClusterStateFail } from '../detectors/cluster-state-fail.js';
import type { Detection } from '../detectors/detect-context.js';
import { detectNodeFailed } from '../detectors/node-failed.js';
import { detectSlotsUncovered } from '../detectors/slots-uncovered.js';
import type { ResolvedWatchOptions } from '../options.js';
import { WATCH_CONNECTION_NAME } from '../sampling/target-link.js';

export interface ClusterWatchEvents {
  /** `node` is the node the detection is about (its target). */
  detection(detection: Detection, node: NodeAddress): void;
  /** CLUSTER NODES lists a node not watched yet (added to the cluster since): watch it too. */
  joined(node: NodeAddress): void;
}

/**
 * Reads what a Redis Cluster says about itself every interval: CLUSTER INFO on each node
 * (`cluster_state:fail` is `cluster-state-fail`, once per node until it is ok again) and CLUSTER NODES
 * on the first node that answers (a node flagged `fail` is `node-failed`, once until the flag clears;
 * a node it lists for the first time has joined, and is asked from the next round on).
 */
export class ClusterWatch {
  private readonly links = new Map<string, Redis>();
  private readonly nodes: NodeAddress[];
  private readonly stateFailed = new Set<string>();
  private readonly nodesFailed = new Set<string>();
  private slotsUncovered = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;

  constructor(
    /** The seed's login (TLS, user, password) for every node. */
    private readonly seed: RedisTarget,
    nodes: NodeAddress[],
    private readonly options: Pick<
      ResolvedWatchOptions,
      'timeoutMs' | 'intervalMs' | 'tlsCaFile' | 'tlsInsecure'
    >,
    private readonly events: ClusterWatchEvents,
  ) {
    this.nodes = [...nodes];
  }

  start(): void {
    const loop = () => {
      if (this.closed) return;
      this.inFlight = this.round().finally(() => {
        this.inFlight = undefined;
        if (!this.closed) this.timer = setTimeout(loop, this.options.intervalMs);
      });
    };
    loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const redis of this.links.values()) redis.disconnect();
    this.links.clear();
    await this.inFlight?.catch(() => undefined);
  }

  /** One look at the cluster; a node that does not answer is skipped (its own target reports it). */
  async round(): Promise<void> {
    const infos = await Promise.all(
      this.nodes.map(async (node) => ({
        node,
        info: await this.ask(node, 'CLUSTER INFO', (redis) => redis.call('CLUSTER', 'INFO')),
      })),
    );
    if (this.closed) return;
    for (const { node, info } of infos) {
      if (info === undefined) continue;
      const fields = parseInfo(String(info)).fields;
      const where = endpointOf(node);
      const detections = detectClusterStateFail(where, fields);
      if (detections.length === 0) this.stateFailed.delete(where);
      else if (!this.stateFailed.has(where)) {
        this.stateFailed.add(where);
        for (const detection of detections) this.events.detection(detection, node);
      }
    }
    for (const node of this.nodes) {
      const text = await this.ask(node, 'CLUSTER NODES', (redis) => redis.call('CLUSTER', 'NODES'));
      if (this.closed) return;
      if (text === undefined) continue;
      const lines = parseClusterNodes(String(text));
      this.nodesFailedIn(lines, endpointOf(node));
      this.slotsUncoveredIn(lines, node);
      this.nodesJoinedIn(lines);
      return;
    }
  }

  /** Slots no master claims: once until every slot has a master again. */
  private slotsUncoveredIn(lines: ClusterNodeLine[], seenFrom: NodeAddress): void {
    const detections = detectSlotsUncovered(endpointOf(seenFrom), lines);
    if (detections.length === 0) this.slotsUncovered = false;
    if (detections.length === 0 || this.slotsUncovered) return;
    this.slotsUncovered = true;
    for (const detection of detections) this.events.detection(detection, seenFrom);
  }

  /** Nodes listed with an address (a node still handshaking has none yet) that are not watched. */
  private nodesJoinedIn(lines: ClusterNodeLine[]): void {
    const known = new Set(this.nodes.map(endpointOf));
    for (const line of lines) {
      if (!line.host || line.port <= 0 || line.flags.includes('handshake') || line.flags.includes('noaddr'))
        continue;
      const node = { host: line.host, port: line.port };
      if (known.has(endpointOf(node))) continue;
      this.nodes.push(node);
      this.events.joined(node);
    }
  }

  private nodesFailedIn(lines: ClusterNodeLine[], seenFrom: string): void {
    const failing = lines.filter((l) => l.failing === 'fail');
    for (const id of this.nodesFailed) if (!failing.some((l) => l.id === id)) this.nodesFailed.delete(id);
    for (const line of failing) {
      if (this.nodesFailed.has(line.id)) continue;
      this.nodesFailed.add(line.id);
      const node = { host: line.host, port: line.port };
      const detections = detectNodeFailed({
        source: 'cluster',
        node,
        role: line.role,
        id: line.id,
        seenFrom,
        flags: line.flags.join(','),
      });
      for (const detection of detections) this.events.detection(detection, node);
    }
  }

  /** CLUSTER <what> on a kept connection; undefined when the node does not answer (dropped, asked again next round). */
  private async ask(
    node: NodeAddress,
    what: 'CLUSTER INFO' | 'CLUSTER NODES',
    call: (redis: Redis) => Promise<unknown>,
  ): Promise<unknown> {
    const where = endpointOf(node);
    try {
      let redis = this.links.get(where);
      if (!redis) {
        redis = await connect(
          { ...this.seed, ...node, url: where },
          {
            timeoutMs: this.options.timeoutMs,
            tlsCaFile: this.options.tlsCaFile,
            tlsInsecure: this.options.tlsInsecure,
            connectionName: WATCH_CONNECTION_NAME,
          },
        );
        if (this.closed) {
          redis.disconnect();
          return undefined;
        }
        this.links.set(where, redis);
      }
      const conn = redis;
      return await capReply(conn, what, () => call(conn));
    } catch {
      this.links.get(where)?.disconnect();
      this.links.delete(where);
      return undefined;
    }
  }
}
