import type { Cluster, ClusterNode } from '../redis-server/start-cluster.js';
import type { SentinelSet } from '../redis-server/start-sentinel.js';
import { ask } from '../redis-server/topology-support.js';
import type { AppTraffic } from './app-traffic.js';
import type { TopologyBasics, TopologyScenario } from './scenario.js';

/** The app's write rate in the failover scenarios: one INCR on a fresh key every 20 ms (50/s). */
const WRITE_EVERY_MS = 20;
/** Writes before the fault, all to the master as started. */
const WARMUP_MS = 1000;
// The bounds keep a whole run (1 s + 20 s + 20 s + the last writes + 6 s) inside the lab's 60 s.
/** Bound for a replica to be promoted after the fault (a Sentinel or cluster failover takes 0.1–5 s). */
const PROMOTION_BOUND_MS = 20_000;
/** Bound for the old master to stop taking writes after the promotion (Sentinel demotes it after ~11 s). */
const STOP_BOUND_MS = 20_000;
/** How often the roles are polled: the promotion and demotion times are this precise. */
const OBSERVE_EVERY_MS = 50;
/** Bound for the app's last writes to settle once it stops writing. */
const SETTLE_MS = 6000;

export interface FailoverPlan {
  /** The master the fault is aimed at. */
  oldMaster: { port: number };
  /** Its replicas: one of them is promoted. */
  heirs: { port: number }[];
  /** Issues the fault (returns once it is issued, not when the failover is done). */
  fault(): Promise<unknown>;
  /**
   * How long the app goes on writing: `afterStopMs` after the old master stopped taking writes (and a
   * replica was promoted), or a fixed `afterFaultMs` from the fault.
   */
  writeFor: { afterStopMs: number } | { afterFaultMs: number };
}

/**
 * The app writes INCRs on fresh keys at 50/s while `plan.fault` makes the topology fail over; the
 * roles of the old master and its heirs are polled throughout, so that the promotion (when the fault
 * clears) and the moment the old master stopped taking writes are known to 50 ms.
 */
export async function failoverUnderWrites(ctx: TopologyBasics, plan: FailoverPlan): Promise<void> {
  const { app, faultStarts, faultClears, now, sleep } = ctx;
  const roles = new RoleWatch(plan.oldMaster.port, plan.heirs, now);
  const writer = writeSteadily(app, now);
  try {
    await sleep(WARMUP_MS);
    const faultAt = now();
    faultStarts(faultAt);
    await plan.fault();
    const promoted = await roles.promotion(PROMOTION_BOUND_MS);
    if (promoted) faultClears(promoted.at);
    if ('afterFaultMs' in plan.writeFor) {
      await sleep(Math.max(0, faultAt + plan.writeFor.afterFaultMs - now()));
    } else if (promoted && (await roles.stopped(STOP_BOUND_MS))) {
      await sleep(plan.writeFor.afterStopMs);
    }
  } finally {
    await writer.stop();
    await roles.stop();
  }
  ctx.sawFailover(roles.facts());
  await app.settle(SETTLE_MS);
}

/** A failover scenario: what it is called, its fault (given the topology), how long the app writes. */
interface FailoverScenarioSpec<Target> {
  id: string;
  title: string;
  fault(target: Target): Promise<unknown>;
  writeFor: FailoverPlan['writeFor'];
}

/** A scenario on a Sentinel set: the fault aims at the master as started, its replica is the heir. */
export function sentinelFailoverScenario(spec: FailoverScenarioSpec<SentinelSet>): TopologyScenario {
  return {
    id: spec.id,
    title: spec.title,
    cause: 'failover',
    topology: 'sentinel',
    run: (ctx) =>
      failoverUnderWrites(ctx, {
        oldMaster: ctx.sentinel.master,
        heirs: ctx.sentinel.replicas,
        fault: () => spec.fault(ctx.sentinel),
        writeFor: spec.writeFor,
      }),
  };
}

/** The shard the cluster scenarios fail over: the second master (not the seed node) and its replicas. */
export interface Shard {
  master: ClusterNode;
  replicas: ClusterNode[];
}

/** A scenario on a cluster: the fault aims at one shard (the second master and its replica). */
export function clusterFailoverScenario(spec: FailoverScenarioSpec<Shard>): TopologyScenario {
  return {
    id: spec.id,
    title: spec.title,
    cause: 'failover',
    topology: 'cluster',
    run: (ctx) => {
      const shard = shardOf(ctx.cluster);
      return failoverUnderWrites(ctx, {
        oldMaster: shard.master,
        heirs: shard.replicas,
        fault: () => spec.fault(shard),
        writeFor: spec.writeFor,
      });
    },
  };
}

function shardOf(cluster: Cluster): Shard {
  const master = cluster.nodes.filter((n) => n.role === 'master')[1] as ClusterNode;
  return { master, replicas: cluster.nodes.filter((n) => n.masterId === master.id) };
}

/** INCRs on fresh keys every WRITE_EVERY_MS on the scenario clock (no drift), not awaiting replies. */
function writeSteadily(app: AppTraffic, now: () => number): { stop(): Promise<void> } {
  let writing = true;
  const start = now();
  const loop = (async () => {
    for (let n = 0; writing; n++) {
      void app.write();
      const next = start + (n + 1) * WRITE_EVERY_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - now())));
    }
  })();
  return {
    async stop() {
      writing = false;
      await loop;
    },
  };
}

/**
 * Polls ROLE on the old master and its heirs every 50 ms (fresh connections: a killed node just stops
 * answering), and the old master's INCR count, so that the INCRs it ran after the promotion are known.
 */
class RoleWatch {
  private promotedAt?: number;
  private newMaster?: number;
  private stoppedAt?: number;
  private incrAtPromotion?: number;
  private lastIncrAsMaster?: number;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly oldMaster: number,
    private readonly heirs: { port: number }[],
    private readonly now: () => number,
  ) {
    this.loop = this.poll();
  }

  /** Resolves with the promotion once a heir answers ROLE as master, or undefined after `boundMs`. */
  async promotion(boundMs: number): Promise<{ at: number; port: number } | undefined> {
    const ok = await this.until(() => this.promotedAt !== undefined, boundMs);
    return ok ? { at: this.promotedAt as number, port: this.newMaster as number } : undefined;
  }

  /** Resolves true once the old master no longer answers as master, false after `boundMs`. */
  stopped(boundMs: number): Promise<boolean> {
    return this.until(() => this.stoppedAt !== undefined, boundMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  facts() {
    const afterPromotion =
      this.incrAtPromotion !== undefined && this.lastIncrAsMaster !== undefined
        ? this.lastIncrAsMaster - this.incrAtPromotion
        : this.promotedAt !== undefined
          ? 0 // the old master was already gone or demoted when the heir took over
          : undefined;
    return {
      oldMaster: this.oldMaster,
      ...(this.newMaster !== undefined ? { newMaster: this.newMaster } : {}),
      ...(this.stoppedAt !== undefined ? { oldMasterStoppedAt: this.stoppedAt } : {}),
      ...(afterPromotion !== undefined ? { oldMasterWritesAfterPromotion: afterPromotion } : {}),
    };
  }

  private async until(done: () => boolean, boundMs: number): Promise<boolean> {
    const until = this.now() + boundMs;
    while (!done() && this.now() < until && this.running) {
      await new Promise((resolve) => setTimeout(resolve, OBSERVE_EVERY_MS / 2));
    }
    return done();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const tick = new Promise((resolve) => setTimeout(resolve, OBSERVE_EVERY_MS));
      const at = this.now();
      const [old, ...heirs] = await Promise.all([
        this.stoppedAt === undefined ? this.oldMasterIncrs() : Promise.resolve(undefined),
        ...this.heirs.map((heir) => roleOf(heir.port)),
      ]);
      const promoted = this.heirs.find((_, i) => heirs[i] === 'master');
      // A count that could not be read this time (Sentinel killing clients, a loaded machine) is
      // skipped, not taken for zero.
      if (old !== null) {
        if (this.promotedAt === undefined && promoted) {
          this.promotedAt = at;
          this.newMaster = promoted.port;
          this.incrAtPromotion = old; // undefined when the old master was already gone or demoted
        }
        if (this.stoppedAt === undefined) {
          if (old === undefined) this.stoppedAt = at;
          else if (this.promotedAt !== undefined) this.lastIncrAsMaster = old;
        }
      }
      await tick;
    }
  }

  /** The old master's INCR count while it still answers as a master, undefined after, null: not read now. */
  private async oldMasterIncrs(): Promise<number | undefined | null> {
    if ((await roleOf(this.oldMaster)) !== 'master') return undefined;
    const stats = await ask(this.oldMaster, ['INFO', 'commandstats'], 1000).catch(() => null);
    if (stats === null) return null;
    return Number(/cmdstat_incr:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
  }
}

/** 'master', 'slave' (or 'sentinel'), or undefined when the node does not answer. */
export async function roleOf(port: number): Promise<string | undefined> {
  const role = await ask(port, ['ROLE'], 1000).catch(() => undefined);
  return Array.isArray(role) ? String(role[0]) : undefined;
}
