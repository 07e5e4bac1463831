/** One line of CLUSTER NODES: a node as the answering node sees it. */
export interface ClusterNodeLine {
  id: string;
  host: string;
  port: number;
  busPort: number;
  /** The flags as listed: myself, master, slave, fail?, fail, handshake, noaddr, nofailover... */
  flags: string[];
  myself: boolean;
  role: 'master' | 'replica';
  /** `fail`: a majority of masters agreed it is down; `pfail`: this node cannot reach it. */
  failing: 'fail' | 'pfail' | undefined;
  /** The master a replica follows. */
  masterId: string | undefined;
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
  /** Slot ranges served (inclusive), migrating/importing entries left out. */
  slots: [number, number][];
  slotCount: number;
}

export const CLUSTER_SLOTS = 16384;

/**
 * Parses CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv>
 * <config-epoch> <link-state> <slot> ...`. Lines it cannot read are skipped, never guessed.
 */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const nodes: ClusterNodeLine[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id = '', address = '', flagText = '', master = '', , , epoch = '', link = '', ...slotParts] =
      parts;
    const m = /^(.*):(\d+)@(\d+)/.exec(address);
    if (!m) continue;
    const flags = flagText.split(',');
    const slots: [number, number][] = [];
    for (const slot of slotParts) {
      if (slot.startsWith('[')) continue;
      const [from, to = from] = slot.split('-').map(Number);
      if (Number.isInteger(from) && Number.isInteger(to)) slots.push([from as number, to as number]);
    }
    nodes.push({
      id,
      host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'),
      port: Number(m[2]),
      busPort: Number(m[3]),
      flags,
      myself: flags.includes('myself'),
      role: flags.includes('slave') ? 'replica' : 'master',
      failing: flags.includes('fail') ? 'fail' : flags.includes('fail?') ? 'pfail' : undefined,
      masterId: master === '-' ? undefined : master,
      configEpoch: Number(epoch) || 0,
      linkState: link === 'connected' ? 'connected' : 'disconnected',
      slots,
      slotCount: slots.reduce((n, [from, to]) => n + to - from + 1, 0),
    });
  }
  return nodes;
}
