import { describe, expect, it } from 'vitest';
import { SlotOwners } from '../../src/client/cluster-failovers.js';

/** A slot map of three masters with even shares; `override` changes the owner of a slot range. */
const map =
  (owners: [string, string, string], ...override: [number, number, string | undefined][]) =>
  (slot: number): string | undefined => {
    for (const [from, to, owner] of override) if (slot >= from && slot <= to) return owner;
    return owners[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2];
  };
const A = 'a:1';
const B = 'b:2';
const C = 'c:3';
const R = 'r:4'; // A's replica

describe('SlotOwners: failovers read off a Cluster client slot map', () => {
  it('a master whose slots all went to one node is a failover; the first map is only a baseline', () => {
    const owners = new SlotOwners();
    expect(owners.update(map([A, B, C]), 0)).toEqual([]);
    expect(owners.update(map([A, B, C]), 1)).toEqual([]);
    expect(owners.update(map([R, B, C]), 2)).toEqual([{ from: A, to: R, slots: 5461 }]);
  });

  it('a resharding (some slots moved, or spread over several nodes) is not', () => {
    const owners = new SlotOwners();
    owners.update(map([A, B, C]), 0);
    expect(owners.update(map([A, B, C], [0, 100, B]), 1)).toEqual([]);
    expect(owners.update(map([A, B, C], [0, 2000, B], [2001, 5460, C]), 2)).toEqual([]);
  });

  it('slots left out while no master is elected keep their owner until the replica takes them', () => {
    const owners = new SlotOwners();
    owners.update(map([A, B, C]), 0);
    expect(owners.update(map([A, B, C], [0, 5460, undefined]), 1)).toEqual([]);
    expect(owners.update(map([R, B, C]), 2)).toEqual([{ from: A, to: R, slots: 5461 }]);
  });

  it("a stale node's map naming the old master again is not a failback; a real one later is", () => {
    const owners = new SlotOwners();
    owners.update(map([A, B, C]), 0);
    expect(owners.update(map([R, B, C]), 1_000)).toHaveLength(1);
    expect(owners.update(map([A, B, C]), 1_100)).toEqual([]);
    expect(owners.update(map([R, B, C]), 1_200)).toEqual([]); // not told twice
    expect(owners.update(map([A, B, C]), 60_000)).toEqual([{ from: R, to: A, slots: 5461 }]);
  });
});
