import { CLUSTER_SLOTS } from '../../core/parse-cluster-nodes.js';

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

  /** Takes the client's slot map (slot → node keys, the master first); returns the masters replaced. */
  update(slots: readonly (readonly string[] | undefined)[]): SlotOwnerMove[] {
    const before = this.owners;
    const now: (string | undefined)[] = new Array(CLUSTER_SLOTS);
    // A slot the map leaves out (its master failed, none elected yet) keeps its last known owner.
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) now[slot] = slots[slot]?.[0] ?? before[slot];
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
