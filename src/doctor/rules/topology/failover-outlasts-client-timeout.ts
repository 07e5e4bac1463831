import { formatDuration } from '../../../core/units.js';
import type { Fix } from '../../report/types.js';
import type { TopologyEvidence } from '../../topology/topology-evidence.js';
import { configSetFix, settingNumber } from '../helpers.js';
import { defineTopologyRule } from './define-topology-rule.js';
import { configOf, fieldNum, masterRecords, nameOf, nodeTarget, onEachSentinel } from './topology-facts.js';

/** At least this long after the detection to elect, promote and switch (measured: ~2 s more, see the docs). */
const ELECTION_MS = 1000;
/** Shorter detection times fail healthy masters over on a fork, a slow command or a VM pause. */
const SAFE_FLOOR_MS = 5000;

export default defineTopologyRule({
  id: 'failover-outlasts-client-timeout',
  cause: 'failover',
  title: 'A failover takes longer than the application waits',
  kinds: ['sentinel', 'cluster'],
  severity: 'warning',
  tier: 'hygiene',
  check(t) {
    const clientMs = t.settings.clientTimeoutMs;
    if (clientMs === undefined) return { skip: 'no client timeout given (--client-timeout)' };
    const detection = detectionOf(t);
    if (!detection) {
      return {
        skip:
          t.kind === 'sentinel'
            ? 'no sentinel gave down-after-milliseconds'
            : 'cluster-node-timeout could not be read (CONFIG GET) on any node',
      };
    }
    const failoverMs = detection.ms + ELECTION_MS;
    if (failoverMs <= clientMs) return undefined;
    const suggested = Math.max(SAFE_FLOOR_MS, clientMs - ELECTION_MS);
    return {
      confidence: 'medium',
      message:
        `When the master fails, the failover takes at least ${formatDuration(failoverMs)} (${detection.setting} ${detection.ms} + about a second to elect and promote), ` +
        `longer than the application's timeout of ${formatDuration(clientMs)}: commands sent in that window fail instead of waiting for the new master.`,
      explanation:
        `Nothing answers for the failed master's data until ${t.kind === 'sentinel' ? 'the sentinels have seen it silent for down-after-milliseconds, agreed (+odown), elected a leader and promoted a replica' : 'the other nodes have seen it silent for cluster-node-timeout, agreed it is failing (FAIL) and one of its replicas has won the election'}. ` +
        `Measured on Redis 7.0.15 with ${detection.setting} 2000: ${t.kind === 'sentinel' ? '4.3 s' : '4.0 s'} from the master freezing to the new master serving. ` +
        'A client whose command timeout and retries give up sooner turns every failover into errors for the application; one that retries for longer only sees a pause. Lowering the detection time fails over sooner, but also fails over a healthy master that stalls longer (a fork of a large data set, a slow command, a VM pause), and every failover drops all connections.',
      evidence: {
        clientTimeoutMs: clientMs,
        [detection.setting]: detection.ms,
        estimatedFailoverMs: failoverMs,
        from: detection.from,
      },
      fix: [
        {
          command: `let the client retry across a failover: timeout × attempts with backoff above ${formatDuration(failoverMs)} (ioredis: retryStrategy and maxRetriesPerRequest; node-redis: socket.reconnectStrategy)`,
          note: 'the application then sees a pause instead of errors',
        },
        ...(detection.ms > suggested ? lowerDetection(t, detection.setting, suggested) : []),
      ],
    };
  },
});

interface Detection {
  setting: 'down-after-milliseconds' | 'cluster-node-timeout';
  ms: number;
  /** Where it was read: sentinels or nodes. */
  from: string[];
}

/** How long the topology waits before it calls a master down: the longest any sentinel or node uses. */
function detectionOf(t: TopologyEvidence): Detection | undefined {
  const found =
    t.kind === 'sentinel'
      ? masterRecords(t).flatMap((r) => {
          const ms = fieldNum(r.fields, 'down-after-milliseconds');
          return ms === undefined ? [] : [{ ms, from: nameOf(r.sentinel.address) }];
        })
      : t.nodes.flatMap((n) => {
          const ms = settingNumber(configOf(n, 'cluster-node-timeout'));
          return ms === undefined ? [] : [{ ms, from: nameOf(n) }];
        });
  if (found.length === 0) return undefined;
  return {
    setting: t.kind === 'sentinel' ? 'down-after-milliseconds' : 'cluster-node-timeout',
    ms: Math.max(...found.map((f) => f.ms)),
    from: found.map((f) => f.from),
  };
}

function lowerDetection(t: TopologyEvidence, setting: Detection['setting'], ms: number): Fix[] {
  const risk =
    'a master that stalls longer than this (fork, slow command, VM pause) is failed over needlessly, and every failover drops all connections';
  if (setting === 'down-after-milliseconds') {
    return onEachSentinel(
      t,
      ['SENTINEL', 'SET', t.masterName ?? '<master-name>', 'down-after-milliseconds', String(ms)],
      `on every sentinel (it rewrites its own config); ${risk}`,
    );
  }
  const node = t.nodes[0];
  return node
    ? configSetFix(
        nodeTarget(t, node),
        'cluster-node-timeout',
        String(ms),
        'on every node of the cluster',
        risk,
      )
    : [];
}
