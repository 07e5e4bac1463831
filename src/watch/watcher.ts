import { EventEmitter } from 'node:events';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import {
  endpointOf,
  isSentinelUrl,
  type NodeAddress,
  nodeUrl,
  parseRedisUrl,
  parseSentinelUrl,
  type RedisTarget,
  type SentinelTarget,
} from '../core/redis-url.js';
import { docsPath } from '../docs-path.js';
import { ruleDocsPath } from '../doctor/rules/define-rule.js';
import { RULES } from '../doctor/rules/index.js';
import { discoverCluster } from '../doctor/topology/discover-cluster.js';
import { discoverSentinel } from '../doctor/topology/discover-sentinel.js';
import { AlertGrouper } from './alerts/alert-grouping.js';
import type { Detection } from './detectors/detect-context.js';
import type { doctorAdvice } from './doctor-advice.js';
import { type ResolvedWatchOptions, resolveWatchOptions, type WatchOptions } from './options.js';
import { TargetWatcher } from './target-watcher.js';
import { ClusterWatch } from './topology/cluster-watch.js';
import { SentinelWatch } from './topology/sentinel-watch.js';
import { CAUSE_OF_INCIDENT, type Incident, type Sample } from './types.js';

export interface WatcherEvents {
  sample: [Sample];
  incident: [Incident];
  warning: [string];
}

/**
 * Watches every target on its own schedule. Emits each sample, each incident (first occurrences at
 * once, repeats within the grouping window as one summary when it ends) and warnings about watch
 * itself (a log it cannot follow, a CLIENT LIST it skips).
 */
export class Watcher extends EventEmitter<WatcherEvents> {
  readonly options: ResolvedWatchOptions;
  private readonly targets: TargetWatcher[] = [];
  /** "host:port/db" of every target, so that a node is watched once. */
  private readonly watched = new Set<string>();
  /** redis+sentinel:// URLs: their nodes become targets at start(). */
  private readonly sentinelTargets: SentinelTarget[] = [];
  private readonly sentinelWatches: SentinelWatch[] = [];
  private readonly clusterWatches: ClusterWatch[] = [];
  private readonly grouper: AlertGrouper;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly advice = new Map<string, ReturnType<typeof doctorAdvice>>();
  private sequence = 0;
  private stopped = false;

  constructor(options: WatchOptions) {
    super();
    this.options = resolveWatchOptions(options);
    if (this.options.urls.length === 0)
      throw new CannotRunError(ERROR_CODES.noTarget, 'Give at least one redis:// URL to watch.');
    if (this.options.logPath && this.options.urls.length > 1)
      throw new CannotRunError(
        ERROR_CODES.log,
        '--log names one server log, so it can be used with one URL only (local servers of several URLs are found from CONFIG GET logfile).',
      );
    this.grouper = new AlertGrouper({ windowMs: this.options.groupWindowMs });
    for (const url of this.options.urls) {
      if (isSentinelUrl(url)) {
        const sentinel = parseSentinelUrl(url);
        if (this.options.logPath)
          throw new CannotRunError(
            ERROR_CODES.log,
            `--log names one server log; ${sentinel.url} watches several servers (local servers' logs are found from CONFIG GET logfile).`,
          );
        this.sentinelTargets.push(sentinel);
        continue;
      }
      const target = parseRedisUrl(url);
      if (this.watched.has(watchKey(target)))
        throw new CannotRunError(ERROR_CODES.badUrl, `${target.url} is given twice; watch it once.`);
      this.addTarget(target);
    }
  }

  /** A TargetWatcher for `target`, unless that server is watched already. */
  private addTarget(target: RedisTarget): TargetWatcher | undefined {
    const key = watchKey(target);
    if (this.watched.has(key)) return undefined;
    this.watched.add(key);
    const watcher = new TargetWatcher(target, this.options, {
      sample: (sample) => this.deliver('sample', sample),
      detection: (detection, advise, at) => this.raise(target.url, detection, advise, at),
      warning: (message) => this.deliver('warning', message),
    });
    this.targets.push(watcher);
    return watcher;
  }

  /**
   * Discovers each Sentinel set: its master and replicas become targets, and its sentinels' events
   * are followed. Nodes found this way that cannot be read at start are watched anyway (as down).
   */
  private async discover(): Promise<TargetWatcher[]> {
    const discovered: TargetWatcher[] = [];
    for (const sentinel of this.sentinelTargets) {
      const evidence = await discoverSentinel(sentinel, {
        timeoutMs: this.options.timeoutMs,
        tlsCaFile: this.options.tlsCaFile,
        tlsInsecure: this.options.tlsInsecure,
        recentS: 0,
        ...(this.options.sentinelAuth ? { sentinelAuth: this.options.sentinelAuth } : {}),
      });
      for (const node of evidence.nodes) {
        const added = this.addTarget(nodeTarget(sentinel, node));
        if (added) discovered.push(added);
      }
      this.sentinelWatches.push(
        new SentinelWatch(sentinel, evidence, this.options, {
          detection: (detection, node) =>
            this.raise(
              node ? nodeTarget(sentinel, node).url : sentinel.url,
              detection,
              () => undefined,
              Date.now(),
            ),
          switched: (to) => this.follow(sentinel, to),
          warning: (message) => this.deliver('warning', message),
        }),
      );
    }
    return discovered;
  }

  /**
   * Each given URL that is a cluster node (`cluster` option, or its first INFO said cluster_enabled:1):
   * its cluster's nodes become targets, and the cluster's own state is read every interval. A seed that
   * is a node of a cluster found from an earlier URL adds nothing.
   */
  private async discoverClusters(given: TargetWatcher[]): Promise<TargetWatcher[]> {
    const found: TargetWatcher[] = [];
    const inCluster = new Set<string>();
    for (const seed of given) {
      if (!this.options.cluster && !seed.clusterEnabled) continue;
      if (inCluster.has(watchKey(seed.target))) continue;
      const evidence = await discoverCluster(seed.target, {
        timeoutMs: this.options.timeoutMs,
        tlsCaFile: this.options.tlsCaFile,
        tlsInsecure: this.options.tlsInsecure,
        recentS: 0,
      });
      const nodes = evidence.nodes.map((n) => ({ host: n.host, port: n.port }));
      for (const node of nodes) {
        const target = { ...seed.target, ...node, url: nodeTarget(seed.target, node).url };
        inCluster.add(watchKey(target));
        const added = this.addTarget(target);
        if (added) found.push(added);
      }
      this.clusterWatches.push(
        new ClusterWatch(seed.target, nodes, this.options, {
          detection: (detection, node) =>
            this.raise(nodeTarget(seed.target, node).url, detection, () => undefined, Date.now()),
          joined: (node) => this.watchFound(nodeTarget(seed.target, node), 'a node that joined the cluster'),
        }),
      );
    }
    return found;
  }

  /** The master moved to a node not watched yet: watch it from now on. */
  private follow(sentinel: SentinelTarget, to: NodeAddress): void {
    this.watchFound(nodeTarget(sentinel, to), `the new master of "${sentinel.masterName}"`);
  }

  /** A node the topology named after start (a new master, a node that joined): watched from now on. */
  private watchFound(target: RedisTarget, what: string): void {
    if (this.stopped) return;
    const added = this.addTarget(target);
    if (!added) return;
    this.deliver('warning', `now also watching ${added.target.url}, ${what}`);
    this.openFound(added).then(() => this.schedule(added, Date.now()));
  }

  /** Opens a target found in a topology; one that cannot be read now is watched as down, not fatal. */
  private async openFound(target: TargetWatcher): Promise<void> {
    await target.open().catch((error: Error) => {
      this.deliver('warning', `${endpointOf(target.target)}: ${error.message}`);
    });
  }

  /** The targets' URLs as printed (passwords redacted). */
  get targetUrls(): string[] {
    return this.targets.map((t) => t.target.url);
  }

  /**
   * Connects to every target (a target that cannot be used at start is a usage error, thrown as a
   * CannotRunError), takes the first samples, then keeps sampling every interval until stop().
   */
  async start(): Promise<void> {
    try {
      const given = [...this.targets];
      const discovered = await this.discover();
      if (this.stopped) throw new Error('stopped');
      await Promise.all([
        ...given.map((t) => t.open()),
        ...discovered.map((t) => this.openFound(t)),
        ...this.sentinelWatches.map((w) => w.start()),
      ]);
      const clusterNodes = await this.discoverClusters(given);
      await Promise.all(clusterNodes.map((t) => this.openFound(t)));
      if (this.stopped) throw new Error('stopped');
      for (const w of this.clusterWatches) w.start();
    } catch (error) {
      for (const t of this.targets) t.close();
      for (const w of this.sentinelWatches) w.close();
      await Promise.all(this.clusterWatches.map((w) => w.close()));
      // stop() during start() closed the connections under it: that is no failure to start.
      if (this.stopped) return;
      throw error;
    }
    // stop() during start() closed the targets already; nothing may be scheduled after it.
    if (this.stopped) return;
    for (const t of this.targets) this.schedule(t, Date.now());
  }

  /**
   * Stops sampling at once: connections close now, rounds in flight end without reporting, and
   * summaries of held repeats are emitted.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const t of this.targets) t.close();
    for (const w of this.sentinelWatches) w.close();
    await Promise.all(this.clusterWatches.map((w) => w.close()));
    await Promise.allSettled([...this.inFlight]);
    for (const summary of this.grouper.drain()) this.deliver('incident', summary);
  }

  private schedule(target: TargetWatcher, dueAt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const round = target.round().finally(() => {
          this.inFlight.delete(round);
          for (const summary of this.grouper.flush(Date.now())) this.deliver('incident', summary);
          // The next round keeps the cadence; a round slower than the interval skips ahead, never overlaps.
          const now = Date.now();
          let next = dueAt + this.options.intervalMs;
          while (next <= now) next += this.options.intervalMs;
          this.schedule(target, next);
        });
        this.inFlight.add(round);
      },
      Math.max(0, dueAt - Date.now()),
    );
    this.timers.add(timer);
  }

  /**
   * Emits to the application's listeners; one that throws must not stop watching or be taken for
   * an unreachable server, so its error becomes a warning.
   */
  private deliver<K extends keyof WatcherEvents>(event: K, ...args: WatcherEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: WatcherEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'warning') return;
      this.deliver('warning', `a '${event}' listener threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private raise(
    target: string,
    detection: Detection,
    advise: () => ReturnType<typeof doctorAdvice>,
    at: number,
  ): void {
    const when = new Date(at).toISOString();
    const { fix, explanation, ...rest } = detection;
    // A repeat that grouping holds back reuses the advice of the alert before it: the doctor's rule
    // re-reads the round (a CLIENT LIST of thousands of lines), which a repeat every round need not pay.
    const key = `${target}\u0000${detection.kind}`;
    const held = this.grouper.willAbsorb(target, detection.kind, detection.severity, at);
    const advice = held && this.advice.has(key) ? this.advice.get(key) : advise();
    this.advice.set(key, advice);
    const incident: Incident = {
      id: `${target}#${++this.sequence}`,
      target,
      ...rest,
      cause: CAUSE_OF_INCIDENT[detection.kind],
      explanation: explanation ?? advice?.explanation ?? '',
      fix: advice?.fix ?? fix ?? [],
      docs: RULES.some((r) => r.id === detection.kind)
        ? ruleDocsPath(detection.kind)
        : `${docsPath('watch.md')}#${detection.kind}`,
      at: when,
      occurrences: 1,
      firstAt: when,
      lastAt: when,
    };
    const passed = this.grouper.offer(incident);
    if (passed) this.deliver('incident', passed);
  }
}

const watchKey = (target: RedisTarget): string => `${endpointOf(target)}/${target.db}`;

/** A data node of a topology, with the credentials of the URL it was found from. */
const nodeTarget = (login: Pick<RedisTarget, 'username' | 'password' | 'tls' | 'db'>, node: NodeAddress) =>
  parseRedisUrl(nodeUrl(login, node));
