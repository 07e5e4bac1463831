/** One trap in a client's configuration, found when lifeline wraps it. */
export interface ConfigWarning {
  code: string;
  message: string;
}

export interface AuditInput {
  library: 'ioredis' | 'node-redis';
  errorListeners: number;
  /** TCP keepalive initial delay in ms (0 or undefined: off or OS default). */
  keepAliveMs: number | undefined;
  lbIdleTimeoutS: number | undefined;
  autoResend: boolean;
  replayPolicy: string;
  pingIntervalMs: number | undefined;
  socketTimeoutMs: number | undefined;
  customReconnectStrategy: boolean;
  /** A Sentinel-managed client (ioredis `sentinels` + `name`): does anything check and follow the master? */
  sentinel?: { readyCheck: boolean; followsSwitch: boolean };
  /** node-redis's cluster client: does anything wait out the refusals of a failover? */
  nodeRedisCluster?: { retriesRefusals: boolean };
  /** An ioredis Cluster: its retry pauses and redirection budget against the commands' deadline. */
  cluster?: {
    retryDelaysMs: Record<
      'retryDelayOnFailover' | 'retryDelayOnClusterDown' | 'retryDelayOnTryAgain',
      number
    >;
    maxRedirections: number;
    commandTimeoutMs: number;
    /** lifeline keeps a command's redirections from running out while a slot has no master (followFailover, ioredis's default maxRedirections). */
    waitsOutFailovers: boolean;
  };
}

/**
 * A cluster failover with cluster-node-timeout 2000 ms left slots without a master for 3-4 s
 * (measured); the default node-timeout is 15 s.
 */
const CLUSTER_FAILOVER_MS = 4_000;

/** Pure: the known traps, each with what goes wrong and what to do. */
export function auditConfig(c: AuditInput): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (c.errorListeners === 0) {
    warnings.push({
      code: 'no-error-listener',
      message: `The ${c.library} client has no 'error' listener: ${c.library === 'ioredis' ? 'ioredis prints "Unhandled error event" and' : 'an error event without a listener crashes the process;'} add client.on('error', ...) and log it.`,
    });
  }
  if (c.lbIdleTimeoutS !== undefined && (!c.keepAliveMs || c.keepAliveMs >= c.lbIdleTimeoutS * 1000)) {
    warnings.push({
      code: 'keepalive-after-lb-idle',
      message: `TCP keepalive ${c.keepAliveMs ? `starts after ${c.keepAliveMs} ms` : 'is off'}, but the load balancer drops idle flows after ${c.lbIdleTimeoutS} s; set it below (lifeline's heartbeat also keeps the flow busy).`,
    });
  }
  if (c.library === 'ioredis' && c.autoResend && c.replayPolicy === 'all') {
    warnings.push({
      code: 'resend-non-idempotent',
      message:
        'replay: "all" with autoResendUnfulfilledCommands resends INCR, LPUSH and transactions whose reply was lost: they can run twice. Use the default replay: "safe".',
    });
  }
  if (c.library === 'node-redis' && c.socketTimeoutMs !== undefined && !c.customReconnectStrategy) {
    warnings.push({
      code: 'socket-timeout-no-reconnect',
      message: `socket.socketTimeout (${c.socketTimeoutMs} ms) with the default reconnectStrategy closes the client for good on the first timeout, even a healthy idle one; lifeline's heartbeat and watchdog detect dead sockets without it.`,
    });
  }
  if (c.library === 'node-redis' && !c.customReconnectStrategy) {
    warnings.push({
      code: 'default-reconnect-strategy',
      message:
        "node-redis's default reconnect strategy waits up to 2 s between attempts and gives up after a socket timeout; pass socket.reconnectStrategy: lifelineReconnectStrategy() (full jitter, 0–500 ms) at createClient().",
    });
  }
  if (c.sentinel && !c.sentinel.readyCheck) {
    warnings.push({
      code: 'sentinel-no-role-check',
      message:
        'enableReadyCheck: false on a Sentinel client: ioredis then never checks that the server the sentinels name is a master, and after a failover it can stay on a demoted one (READONLY, or writes that are lost); keep the ready check on.',
    });
  }
  if (c.sentinel && !c.sentinel.followsSwitch) {
    warnings.push({
      code: 'sentinel-switch-not-followed',
      message:
        'Neither lifeline (followFailover: false) nor ioredis (failoverDetector) follows +switch-master: after a SENTINEL FAILOVER the client writes to the old master until Sentinel demotes it (~10 s), and every write it acknowledges then is lost (~480 at 50 writes/s, measured).',
    });
  }
  if (c.cluster) warnings.push(...auditCluster(c.cluster));
  if (c.nodeRedisCluster && !c.nodeRedisCluster.retriesRefusals) {
    warnings.push({
      code: 'cluster-refusals-not-retried',
      message:
        "node-redis's cluster client fails at once every command refused during a failover (CLUSTERDOWN, TRYAGAIN, and those queued on the dead master when its client is replaced): 130 errors per master kill at 50 writes/s, measured. Leave followFailover on (lifeline then tries them again within the command's deadline) or retry them in the application.",
    });
  }
  if (c.library === 'node-redis' && c.pingIntervalMs !== undefined) {
    warnings.push({
      code: 'ping-interval-no-deadline',
      message: `pingInterval (${c.pingIntervalMs} ms) has no deadline: an unanswered PING hangs and even delays kernel keepalive; lifeline's heartbeat has one.`,
    });
  }
  return warnings;
}

function auditCluster(c: NonNullable<AuditInput['cluster']>): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const delays = Object.entries(c.retryDelaysMs);
  const off = delays.filter(([, ms]) => ms <= 0).map(([name]) => name);
  if (off.length > 0) {
    warnings.push({
      code: 'cluster-no-wait-on-failover',
      message: `${off.join(', ')} ${off.length > 1 ? 'are' : 'is'} 0: while a failed master's slots have no master, ioredis fails their commands at once instead of retrying until the replica takes over; keep the default 100 ms.`,
    });
  }
  const late = delays.filter(([, ms]) => c.commandTimeoutMs > 0 && ms >= c.commandTimeoutMs);
  if (late.length > 0) {
    warnings.push({
      code: 'cluster-retry-after-deadline',
      message: `${late.map(([name, ms]) => `${name} (${ms} ms)`).join(', ')} is not shorter than lifeline's commandTimeoutMs (${c.commandTimeoutMs} ms): a command refused during a failover times out before its first retry.`,
    });
  }
  const budgetMs = c.maxRedirections * Math.max(c.retryDelaysMs.retryDelayOnClusterDown, 1);
  if (!c.waitsOutFailovers && budgetMs < CLUSTER_FAILOVER_MS) {
    warnings.push({
      code: 'cluster-redirections-short',
      message: `maxRedirections ${c.maxRedirections} × retryDelayOnClusterDown ${c.retryDelaysMs.retryDelayOnClusterDown} ms gives a command ~${budgetMs} ms to outlast a failover, which takes 3-4 s at cluster-node-timeout 2000 (more at the default 15000): commands fail "Too many Cluster redirections". lifeline waits failovers out within the command's deadline only with followFailover on and ioredis's default maxRedirections (a budget of yours is left as it is): drop your maxRedirections, or raise it.`,
    });
  }
  return warnings;
}
