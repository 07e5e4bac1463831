import { endpointOf, type NodeAddress } from '../../core/redis-url.js';
import { formatDuration } from '../../core/units.js';
import { cliAt, type Detection } from './detect-context.js';

/** A `+switch-master` a sentinel announced: the master named `masterName` moved from `from` to `to`. */
export interface SwitchMasterEvent {
  masterName: string;
  from: NodeAddress;
  to: NodeAddress;
  /** The sentinel that announced it first ("host:port"). */
  sentinel: string;
  /**
   * From the first +sdown of the old master to the switch, when watch saw it go down: writes were
   * refused at least that long (plus down-after-milliseconds before the +sdown). Undefined when the
   * old master was up (SENTINEL FAILOVER): then it kept acknowledging writes until it was demoted.
   */
  masterDownMs?: number | undefined;
}

/**
 * Sentinel switched the master: raised as soon as the first sentinel announces `+switch-master` (the
 * others' announcements of the same switch are the same failover). Clients that do not follow the
 * switch keep writing to the old master, which becomes a replica (READONLY) once Sentinel reaches it.
 */
export function detectFailover(event: SwitchMasterEvent): Detection[] {
  const from = endpointOf(event.from);
  const to = endpointOf(event.to);
  const refused =
    event.masterDownMs === undefined
      ? ` The old master was not seen down: it kept acknowledging writes until Sentinel demoted it, and those writes are lost.`
      : ` The old master was down ${formatDuration(event.masterDownMs)} before the switch (from its +sdown; down-after-milliseconds more before that): writes were refused all that time.`;
  return [
    {
      kind: 'failover',
      severity: 'critical',
      confidence: 'high',
      title: `Sentinel failed over "${event.masterName}": ${from} → ${to}`,
      message: `The master "${event.masterName}" moved from ${from} to ${to} (+switch-master from sentinel ${event.sentinel}). Connections to the old master were closed or now get READONLY; clients must reconnect to ${to}.${refused}`,
      explanation:
        'Sentinel promoted a replica after the master was objectively down, or an operator ran SENTINEL FAILOVER. ' +
        'Clients that resolve the master through Sentinel reconnect on their own; clients pinned to the old address keep failing, and writes the old master acknowledged after the switch are lost.',
      evidence: {
        masterName: event.masterName,
        oldMaster: from,
        newMaster: to,
        announcedBy: event.sentinel,
        masterDownMs: event.masterDownMs ?? null,
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
