import { CLUSTER_SLOTS } from '../core/parse-cluster-nodes.js';
import { channels, type DisconnectEvent, EVENTS, type FailoverEvent } from './events.js';

/** How long after a failover a slot map naming the old master again is taken for a stale view. */
const STALE_VIEW_MS = 30_000;

/** A master that lost all its slots to one other node between two looks at the slot map: a failover. */
export interface SlotOwnerMove {
  /** The old master ("host:port", as the cluster names its nodes). */
  from: string;
  to: string;
  slots: number;
}

/**
 * The owner of each slot as a Cluster client last mapped it, compared at each refresh. A resharding
 * moves some slots and leaves their old owner others; a failover moves all of a master's slots to
 * the replica that won the election.
 */
export class SlotOwners {
  private owners: (string | undefined)[] = [];
  /** The last move told, "from to" → when: a map that undoes it soon after is a stale node's view. */
  private readonly told = new Map<string, number>();

  /**
   * Takes the client's slot map (the master of each slot, "host:port"); returns the masters replaced.
   * A map read from a node that has not heard of a failover yet names the old master again: within
   * STALE_VIEW_MS of a move, its reverse is not believed (those slots keep their new owner).
   */
  update(ownerOf: (slot: number) => string | undefined, at = Date.now()): SlotOwnerMove[] {
    const moves = this.compare(ownerOf);
    const undoesRecent = (m: SlotOwnerMove) =>
      at - (this.told.get(`${m.to} ${m.from}`) ?? Number.NEGATIVE_INFINITY) < STALE_VIEW_MS;
    const believed = moves.filter((m) => !undoesRecent(m));
    for (const m of moves) {
      if (believed.includes(m)) this.told.set(`${m.from} ${m.to}`, at);
      else
        for (let slot = 0; slot < CLUSTER_SLOTS; slot++)
          if (this.owners[slot] === m.to) this.owners[slot] = m.from;
    }
    return believed;
  }

  private compare(ownerOf: (slot: number) => string | undefined): SlotOwnerMove[] {
    const before = this.owners;
    const now: (string | undefined)[] = new Array(CLUSTER_SLOTS);
    // A slot the map leaves out (its master failed, none elected yet) keeps its last known owner.
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) now[slot] = ownerOf(slot) ?? before[slot];
    this.owners = now;
    const owning = new Set(now);
    const gone = new Map<string, Map<string, number>>(); // old master → new owner → slots
    for (let slot = 0; slot < before.length; slot++) {
      const from = before[slot];
      const to = now[slot];
      if (!from || !to || from === to || owning.has(from)) continue;
      const heirs = gone.get(from) ?? new Map<string, number>();
      heirs.set(to, (heirs.get(to) ?? 0) + 1);
      gone.set(from, heirs);
    }
    const moves: SlotOwnerMove[] = [];
    for (const [from, heirs] of gone) {
      if (heirs.size !== 1) continue; // spread over several nodes: a resharding, not a failover
      const [[to, count]] = [...heirs] as [[string, number]];
      moves.push({ from, to, slots: count });
    }
    return moves;
  }
}

/**
 * 'lifeline:failover' for a Cluster client: each master its slot map replaced, with how long its
 * slots were without a reachable master when its connection had dropped first.
 */
export class ClusterFailovers {
  private readonly owners = new SlotOwners();
  /** When each node's connection dropped (Date.now()), until the slot map replaces it. */
  private readonly droppedAt = new Map<string, number>();

  constructor(private readonly emit: (event: string, payload: unknown) => void) {}

  /** A node connection's 'lifeline:disconnect'. */
  nodeDropped(event: Pick<DisconnectEvent, 'endpoint' | 'at'>): void {
    this.droppedAt.set(event.endpoint, Date.parse(event.at));
  }

  /** The client's slot map, after each refresh. */
  slotMapSeen(ownerOf: (slot: number) => string | undefined): void {
    for (const move of this.owners.update(ownerOf)) {
      const dropped = this.droppedAt.get(move.from);
      this.droppedAt.delete(move.from);
      const event: FailoverEvent = {
        topology: 'cluster',
        by: 'slot-map',
        from: move.from,
        to: move.to,
        at: new Date().toISOString(),
        moved: false,
        slots: move.slots,
        ...(dropped !== undefined ? { writesRefusedMs: Math.max(0, Date.now() - dropped) } : {}),
      };
      this.emit(EVENTS.failover, event);
      channels.failover.publish(event);
    }
  }
}
