import { endpointOf, type NodeAddress } from '../../core/redis-url.js';
import { cliAt, type Detection } from './detect-context.js';

/** A `+switch-master` a sentinel announced: the master named `masterName` moved from `from` to `to`. */
export interface SwitchMasterEvent {
  masterName: string;
  from: NodeAddress;
  to: NodeAddress;
  /** The sentinel that announced it first ("host:port"). */
  sentinel: string;
}

/**
 * Sentinel switched the master: raised as soon as the first sentinel announces `+switch-master` (the
 * others' announcements of the same switch are the same failover). Clients that do not follow the
 * switch keep writing to the old master, which becomes a replica (READONLY) once Sentinel reaches it.
 */
export function detectFailover(event: SwitchMasterEvent): Detection[] {
  const from = endpointOf(event.from);
  const to = endpointOf(event.to);
  return [
    {
      kind: 'failover',
      severity: 'critical',
      confidence: 'high',
      title: `Sentinel failed over "${event.masterName}": ${from} → ${to}`,
      message: `The master "${event.masterName}" moved from ${from} to ${to} (+switch-master from sentinel ${event.sentinel}). Connections to the old master were closed or now get READONLY; clients must reconnect to ${to}.`,
      explanation:
        'Sentinel promoted a replica after the master was objectively down, or an operator ran SENTINEL FAILOVER. ' +
        'Clients that resolve the master through Sentinel reconnect on their own; clients pinned to the old address keep failing, and writes the old master acknowledged after the switch are lost.',
      evidence: {
        masterName: event.masterName,
        oldMaster: from,
        newMaster: to,
        announcedBy: event.sentinel,
      },
      fix: [
        {
          command: cliAt(event.sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', event.masterName),
          note: 'the master Sentinel gives clients now',
        },
        {
          command: "lifeline(client) in the application (import { lifeline } from 'redis-lifeline')",
          note: 'reconnects to the current master on READONLY instead of failing every write',
        },
      ],
    },
  ];
}
