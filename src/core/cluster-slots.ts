import { CLUSTER_SLOTS, type ClusterNodeLine } from './parse-cluster-nodes.js';

/** Slot ranges as redis-cli and CLUSTER NODES write them: "0-5460 5462". */
export const slotText = (ranges: readonly [number, number][]): string =>
  ranges.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(' ');

/** The slot ranges no line of CLUSTER NODES claims. */
export function unassignedRanges(lines: readonly ClusterNodeLine[]): [number, number][] {
  const covered = new Uint8Array(CLUSTER_SLOTS);
  for (const line of lines) for (const [from, to] of line.slots) covered.fill(1, from, to + 1);
  const ranges: [number, number][] = [];
  for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
    if (covered[slot]) continue;
    const last = ranges.at(-1);
    if (last && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot]);
  }
  return ranges;
}

/** How many slots the ranges hold. */
export const slotCount = (ranges: readonly [number, number][]): number =>
  ranges.reduce((sum, [from, to]) => sum + to - from + 1, 0);
