import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';
import { fieldsOf, listOf } from '../../core/reply-fields.js';
import { type RedisServer, type StartRedisOptions, startRedis } from './start-redis.js';
import {
  ask,
  checkCount,
  messageOf,
  pollUntil,
  startEach,
  startFailure,
  stopAll,
} from './topology-support.js';

export interface StartSentinelOptions {
  /** Replicas of the master. @default 1 */
  replicas?: number;
  /** Sentinel processes. @default 3 */
  sentinels?: number;
  /** Sentinels that must agree the master is down before a failover. @default 2 */
  quorum?: number;
  /** @default 'mymaster' */
  masterName?: string;
  /** `sentinel down-after-milliseconds`. @default 2000 */
  downAfterMs?: number;
  /**
   * `sentinel failover-timeout`. @default 10000 (Redis's own 3 minutes would block a second automatic
   * failover of the same master for 6 minutes)
   */
  failoverTimeoutMs?: number;
  /** redis.conf directives for the master and the replicas. */
  config?: Record<string, string>;
  /**
   * A password for the master and the replicas (requirepass and masterauth), which the sentinels use
   * too (`sentinel auth-pass`); the sentinels themselves have none.
   */
  password?: string;
  /** More sentinel config lines, e.g. { 'sentinel parallel-syncs mymaster': '1' }. */
  sentinelConfig?: Record<string, string>;
  /** @default $REDIS_SERVER_BIN or redis-server on PATH (sentinels run it with --sentinel) */
  binary?: string;
  /** Bound for each process to answer PING, and for the set to settle (replication, discovery). @default 20000 */
  readyTimeoutMs?: number;
}

/** A sentinel process: its own temp dir, its config file (rewritten by the sentinel), its log. */
export type SentinelNode = RedisServer;

export interface MasterAddress {
  host: string;
  port: number;
}

export interface SentinelSet {
  masterName: string;
  /** The master as started (after a failover it is a replica: ask currentMaster()). */
  master: RedisServer;
  /** The replicas as started. */
  replicas: RedisServer[];
  sentinels: SentinelNode[];
  /** redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,.../mymaster */
  url: string;
  /** The master's address as the first sentinel that answers names it (SENTINEL GET-MASTER-ADDR-BY-NAME). */
  currentMaster(): Promise<MasterAddress>;
  /**
   * Waits until every sentinel that answers (at least one) names the same master, that master matches
   * (its port, or the predicate), and it answers ROLE as a master. @default timeoutMs 30000
   */
  waitForMaster(
    expected: number | ((master: MasterAddress) => boolean),
    timeoutMs?: number,
  ): Promise<MasterAddress>;
  /** Stops the sentinels, then the data nodes, and removes every temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts a master, its replicas and the sentinels that monitor it, all throwaway processes on loopback,
 * and waits until every sentinel knows the master, every replica (link up) and every other sentinel,
 * so that a failover works at once.
 */
export async function startSentinel(options: StartSentinelOptions = {}): Promise<SentinelSet> {
  const {
    replicas = 1,
    sentinels = 3,
    quorum = 2,
    masterName = 'mymaster',
    downAfterMs = 2000,
    failoverTimeoutMs = 10_000,
    readyTimeoutMs = 20_000,
  } = options;
  checkCount('startSentinel', { replicas }, 0);
  checkCount('startSentinel', { sentinels }, 1);
  checkCount('startSentinel', { quorum }, 1, sentinels);
  checkCount('startSentinel', { downAfterMs }, 1);
  checkCount('startSentinel', { failoverTimeoutMs }, 1);
  checkCount('startSentinel', { readyTimeoutMs }, 1);
  if (!/^[\w.-]+$/.test(masterName)) {
    throw new LifelineError(
      ERROR_CODES.topologyOptions,
      `startSentinel: masterName must be letters, digits, '_', '.' or '-', not ${JSON.stringify(masterName)}`,
    );
  }

  const started: RedisServer[] = [];
  const base: StartRedisOptions = { readyTimeoutMs, ...(options.binary ? { binary: options.binary } : {}) };
  // No 5 s wait for more replicas before a full sync.
  const password = options.password;
  const auth: Record<string, string> = password ? { requirepass: password, masterauth: password } : {};
  const data = { ...base, config: { 'repl-diskless-sync-delay': '0', ...auth, ...options.config } };
  try {
    const master = (await startEach('the master', 1, () => startRedis(data), started))[0] as RedisServer;
    const replicaNodes = await startEach(
      'replica',
      replicas,
      () => startRedis({ ...data, replicaOf: master }),
      started,
    );
    await pollUntil(
      () => replicationUp(replicaNodes, password),
      readyTimeoutMs,
      (why) => notSettled('the replicas', why),
    );

    const sentinelNodes = await startEach(
      'sentinel',
      sentinels,
      () =>
        startRedis({
          ...base,
          args: ['--sentinel'],
          configOnce: true,
          config: {
            'sentinel monitor': `${masterName} 127.0.0.1 ${master.port} ${quorum}`,
            'sentinel down-after-milliseconds': `${masterName} ${downAfterMs}`,
            'sentinel failover-timeout': `${masterName} ${failoverTimeoutMs}`,
            ...(password ? { 'sentinel auth-pass': `${masterName} ${password}` } : {}),
            ...options.sentinelConfig,
          },
        }),
      started,
    );
    const expected = { masterName, master, replicas: replicaNodes, sentinels: sentinelNodes, password };
    await pollUntil(
      () => sentinelsAgree(expected),
      readyTimeoutMs,
      (why) => notSettled('the sentinels', why),
    );
    return sentinelSet(expected);
  } catch (error) {
    await stopAll(started).catch(() => {}); // the start failure is the one to report
    throw startFailure('startSentinel', error);
  }

  function notSettled(what: string, why: string): LifelineError {
    return new LifelineError(
      ERROR_CODES.topologyStart,
      `${what} did not settle within ${readyTimeoutMs} ms: ${why}`,
    );
  }
}

interface SentinelParts {
  masterName: string;
  master: RedisServer;
  replicas: RedisServer[];
  sentinels: SentinelNode[];
  password: string | undefined;
}

function sentinelSet({ masterName, master, replicas, sentinels, password }: SentinelParts): SentinelSet {
  const askAll = async (): Promise<{ answers: MasterAddress[]; errors: string[] }> => {
    const answers: MasterAddress[] = [];
    const errors: string[] = [];
    for (const sentinel of sentinels) {
      try {
        const reply = await ask(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
        if (!Array.isArray(reply)) throw new Error(`no master named ${masterName}`);
        answers.push({ host: String(reply[0]), port: Number(reply[1]) });
      } catch (error) {
        errors.push(`sentinel ${sentinel.port}: ${messageOf(error)}`);
      }
    }
    return { answers, errors };
  };

  return {
    masterName,
    master,
    replicas,
    sentinels,
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
    async currentMaster() {
      const errors: string[] = [];
      for (const sentinel of sentinels) {
        try {
          const reply = await ask(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
          if (Array.isArray(reply)) return { host: String(reply[0]), port: Number(reply[1]) };
          errors.push(`sentinel ${sentinel.port}: no master named ${masterName}`);
        } catch (error) {
          errors.push(`sentinel ${sentinel.port}: ${messageOf(error)}`);
        }
      }
      throw new LifelineError(
        ERROR_CODES.topologyUnreachable,
        `no sentinel named the master of ${masterName}: ${errors.join('; ')}`,
      );
    },
    waitForMaster(expected, timeoutMs = 30_000) {
      const matches = typeof expected === 'number' ? (m: MasterAddress) => m.port === expected : expected;
      const wanted = typeof expected === 'number' ? `127.0.0.1:${expected}` : 'a master that matches';
      return pollUntil(
        async () => {
          const { answers, errors } = await askAll();
          const [first] = answers;
          if (!first) return `no sentinel answered (${errors.join('; ')})`;
          const other = answers.find((m) => m.host !== first.host || m.port !== first.port);
          if (other) return `the sentinels disagree: ${address(first)} and ${address(other)}`;
          if (!matches(first)) return `the sentinels name ${address(first)}`;
          const role = await ask(first.port, ['ROLE'], undefined, password);
          if (!Array.isArray(role) || role[0] !== 'master') return `${address(first)} is not a master yet`;
          return first;
        },
        timeoutMs,
        (why) =>
          new LifelineError(
            ERROR_CODES.topologyTimeout,
            `waitForMaster(${masterName}): ${wanted} not seen within ${timeoutMs} ms: ${why}`,
          ),
      );
    },
    stop: async () => {
      await stopAll(sentinels);
      await stopAll([...replicas, master]);
    },
  };
}

/** Every replica reports its link to the master up. */
async function replicationUp(replicas: RedisServer[], password: string | undefined): Promise<true | string> {
  for (const replica of replicas) {
    const info = String(await ask(replica.port, ['INFO', 'replication'], undefined, password));
    if (!/master_link_status:up/.test(info)) return `replica ${replica.port}: master link not up`;
  }
  return true;
}

/** Every sentinel sees the master up, every replica with its link ok, and every other sentinel. */
async function sentinelsAgree({
  masterName,
  master,
  replicas,
  sentinels,
}: SentinelParts): Promise<true | string> {
  const replicaPorts = new Set(replicas.map((r) => r.port));
  for (const sentinel of sentinels) {
    const where = `sentinel ${sentinel.port}`;
    const seen = fieldsOf(await ask(sentinel.port, ['SENTINEL', 'MASTER', masterName]));
    if (seen.port !== String(master.port) || seen.flags !== 'master') {
      return `${where} sees the master as ${seen.ip}:${seen.port} (${seen.flags})`;
    }
    const known = listOf(await ask(sentinel.port, ['SENTINEL', 'REPLICAS', masterName])).filter(
      (r) => r.flags === 'slave' && r['master-link-status'] === 'ok' && replicaPorts.has(Number(r.port)),
    );
    if (known.length < replicas.length)
      return `${where} knows ${known.length} of ${replicas.length} replicas`;
    const others = listOf(await ask(sentinel.port, ['SENTINEL', 'SENTINELS', masterName])).filter(
      (s) => s.flags === 'sentinel',
    );
    if (others.length < sentinels.length - 1) {
      return `${where} knows ${others.length} of ${sentinels.length - 1} other sentinels`;
    }
  }
  return true;
}

const address = (m: MasterAddress): string => `${m.host}:${m.port}`;
