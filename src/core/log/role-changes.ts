import type { ClassifiedMessage } from './classify-log-event.js';

/**
 * How a node became a master, from its own log:
 * - `replicaof-no-one`: "MASTER MODE enabled (user request …)", REPLICAOF NO ONE (Sentinel sends it in a
 *   MULTI/EXEC: `bySentinel`);
 * - `failover-command`: "MASTER MODE enabled (failover request …)", the target of the FAILOVER command;
 * - `cluster-election`: "Failover election won" after its master was marked FAIL (`failed`);
 * - `cluster-manual` / `cluster-forced`: the same after "Manual/Forced failover user request accepted"
 *   (CLUSTER FAILOVER [FORCE]); `cluster-takeover`: "Taking over the master (user request)", no election.
 */
export type PromotionHow =
  | 'replicaof-no-one'
  | 'failover-command'
  | 'cluster-election'
  | 'cluster-manual'
  | 'cluster-forced'
  | 'cluster-takeover';

/**
 * How a node became a replica: `replicaof` ("REPLICAOF h:p enabled (user request …)", from Sentinel
 * when `bySentinel`), `failover-command` (a master that ran FAILOVER: "FAILOVER requested", then
 * "Connecting to MASTER"), `cluster-reconfigured` ("Configuration change detected. Reconfiguring myself
 * as a replica of <id>": another node took its slots).
 */
export type DemotionHow = 'replicaof' | 'failover-command' | 'cluster-reconfigured';

/** One change of role the log shows. */
export interface RoleChange {
  /** When the line says the role changed (epoch ms). */
  at: number | undefined;
  to: 'master' | 'replica';
  how: PromotionHow | DemotionHow;
  /** Someone asked for it: CLUSTER FAILOVER on the replica, or (old master) "Manual failover requested by replica". */
  manual?: boolean;
  /** REPLICAOF sent in a MULTI/EXEC (`cmd=exec` in the client info), as Sentinel does. */
  bySentinel?: boolean;
  /** When it was asked for: "Manual/Forced failover user request accepted", "FAILOVER requested". */
  requestedAt?: number;
  /** A cluster election won: its epoch ("Starting a failover election for epoch N", "configEpoch set to N after successful failover"). */
  configEpoch?: number;
  /** A cluster election after a failure: the node the last FAIL before it was about, and when this node learned of it. */
  failed?: { node: string; at: number | undefined };
  /**
   * Became a replica: what it was before, `master` when the log shows it ("Before turning into a replica,
   * using my own master parameters…", logged only by a master turning replica), else `replica` (a replica
   * told to follow another master, as Sentinel and the cluster do with the old master's other replicas).
   */
  from?: 'master' | 'replica';
  /** Became a replica: the master it follows ("host:port", from REPLICAOF or the next "Connecting to MASTER"). */
  master?: string;
  /** Became a replica in a cluster: the new master's node id. */
  masterId?: string;
  /** The line that says it, without any client info. */
  line: string;
}

/** At most this many changes are kept (the latest). */
export const KEEP_ROLE_CHANGES = 20;

/** A manual cluster failover counts for the election that follows within this long (Redis: CLUSTER_MF_TIMEOUT 5 s, doubled). */
const MANUAL_WINDOW_MS = 10_000;

/**
 * Follows one log's classified lines in order and records each change of role with what led to it.
 * The lines are the classifier's: nothing here matches log text.
 */
export class RoleChangeTracker {
  readonly changes: RoleChange[] = [];
  private manual: { at: number | undefined; how: 'cluster-manual' | 'cluster-forced' } | undefined;
  private failed: { node: string; at: number | undefined } | undefined;
  private epoch: number | undefined;
  private failoverRequestedAt: number | undefined;
  private failoverRequested = false;
  /** When a master last logged that it turns replica (the REPLICAOF line follows it). */
  private turningReplicaAt: number | undefined;
  /** The last change is a demotion still missing the master's address. */
  private awaitingAddress: RoleChange | undefined;

  /** A new server process: what led to a change does not carry over. */
  restart(): void {
    this.manual = undefined;
    this.failed = undefined;
    this.epoch = undefined;
    this.failoverRequested = false;
    this.failoverRequestedAt = undefined;
    this.turningReplicaAt = undefined;
    this.awaitingAddress = undefined;
  }

  note(event: ClassifiedMessage, at: number | undefined, message: string): void {
    const d = event.detail ?? {};
    if (event.kind === 'start') this.restart();
    else if (event.kind === 'role-change') this.roleChange(d, at, message);
    else if (event.kind === 'replica-connecting') this.connecting(d.master ?? '', at, message);
    else if (event.kind === 'cluster-node-fail') this.failed = { node: d.node ?? '', at };
    else if (event.kind === 'cluster-failover') this.clusterStep(d, at, message);
  }

  private roleChange(d: Record<string, string>, at: number | undefined, message: string): void {
    if (d.to === 'master') {
      const how = d.via === 'failover' ? 'failover-command' : 'replicaof-no-one';
      this.add({ at, to: 'master', how, bySentinel: d.sentinel === 'true', line: clean(message) });
    } else if (d.to === 'replica') {
      const wasMaster = this.turningReplicaAt !== undefined && withinWindow(this.turningReplicaAt, at, 1000);
      this.turningReplicaAt = undefined;
      this.add({
        at,
        to: 'replica',
        how: 'replicaof',
        from: wasMaster ? 'master' : 'replica',
        bySentinel: d.sentinel === 'true',
        master: d.master,
        line: clean(message),
      });
    } else if (d.wasMaster === 'true') {
      // Cluster: after "Configuration change detected"; REPLICAOF and FAILOVER: before their line.
      if (this.awaitingAddress) this.awaitingAddress.from = 'master';
      else this.turningReplicaAt = at ?? 0;
    } else if (d.aborted === 'true') {
      this.failoverRequested = false;
    } else {
      this.failoverRequested = true;
      this.failoverRequestedAt = at;
    }
  }

  private connecting(master: string, at: number | undefined, message: string): void {
    if (this.awaitingAddress) {
      this.awaitingAddress.master = master;
      this.awaitingAddress = undefined;
    } else if (this.failoverRequested) {
      this.failoverRequested = false;
      this.add({
        at,
        to: 'replica',
        how: 'failover-command',
        from: 'master',
        master,
        requestedAt: this.failoverRequestedAt,
        line: clean(message),
      });
    }
  }

  private clusterStep(d: Record<string, string>, at: number | undefined, message: string): void {
    switch (d.step) {
      case 'manual-accepted':
      case 'forced-accepted':
        this.manual = { at, how: d.step === 'manual-accepted' ? 'cluster-manual' : 'cluster-forced' };
        break;
      case 'manual-timed-out':
        this.manual = undefined;
        break;
      case 'manual-requested':
        // On the master: its replica asked to take over; the demotion follows.
        this.manual = { at, how: 'cluster-manual' };
        break;
      case 'election-started':
        this.epoch = Number(d.epoch);
        break;
      case 'takeover':
        this.add({
          at,
          to: 'master',
          how: 'cluster-takeover',
          manual: true,
          requestedAt: at,
          line: clean(message),
        });
        this.manual = undefined;
        break;
      case 'election-won': {
        const manual = this.manual && withinWindow(this.manual.at, at) ? this.manual : undefined;
        this.add({
          at,
          to: 'master',
          how: manual ? manual.how : 'cluster-election',
          manual: manual !== undefined,
          ...(manual ? { requestedAt: manual.at } : this.failed ? { failed: this.failed } : {}),
          ...(this.epoch === undefined ? {} : { configEpoch: this.epoch }),
          line: clean(message),
        });
        this.manual = undefined;
        this.failed = undefined;
        break;
      }
      case 'epoch-set': {
        const last = this.changes.at(-1);
        if (last?.to === 'master' && last.how.startsWith('cluster-')) last.configEpoch = Number(d.epoch);
        break;
      }
      case 'reconfigured-as-replica': {
        const manual = this.manual && withinWindow(this.manual.at, at) ? this.manual : undefined;
        const change: RoleChange = {
          at,
          to: 'replica',
          how: 'cluster-reconfigured',
          from: 'replica',
          manual: manual !== undefined,
          ...(manual ? { requestedAt: manual.at } : {}),
          masterId: d.master,
          line: clean(message),
        };
        this.add(change);
        this.awaitingAddress = change;
        this.manual = undefined;
        break;
      }
    }
  }

  private add(change: RoleChange): void {
    this.awaitingAddress = undefined;
    this.turningReplicaAt = undefined;
    this.changes.push(change);
    if (this.changes.length > KEEP_ROLE_CHANGES) this.changes.shift();
  }
}

const withinWindow = (
  from: number | undefined,
  to: number | undefined,
  windowMs = MANUAL_WINDOW_MS,
): boolean => from === undefined || to === undefined || (to >= from && to - from <= windowMs);

/** The line without the requesting client's info (addresses and names of other clients stay out of reports). */
const clean = (message: string): string =>
  message.replace(/ \((user|failover) request from '.*$/, ' ($1 request)').slice(0, 200);

/** The latest change to `to` among a log's changes. */
export function lastChange(changes: readonly RoleChange[], to: RoleChange['to']): RoleChange | undefined {
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i]?.to === to) return changes[i];
  return undefined;
}
