/**
 * Discovery of real topologies (Redis 7.0.15): a sentinel set and a 3+3 cluster started by the lab,
 * read the way the doctor reads them, and the one-line refusals for what cannot be discovered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { CannotRunError } from '../../src/core/errors.js';
import { parseRedisUrl, parseSentinelUrl } from '../../src/core/redis-url.js';
import { discoverCluster } from '../../src/doctor/topology/discover-cluster.js';
import { discoverSentinel } from '../../src/doctor/topology/discover-sentinel.js';
import { endpointKind } from '../../src/doctor/topology/node-facts.js';
import { type Cluster, startCluster } from '../../src/lab/redis-server/start-cluster.js';
import { type SentinelSet, startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { withRedis } from '../support/with-redis.js';

const OPTIONS = { timeoutMs: 2000, recentS: 3600 };

async function refusal(promise: Promise<unknown>): Promise<CannotRunError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CannotRunError);
  expect((error as Error).message).not.toContain('\n');
  return error as CannotRunError;
}

describe('discoverSentinel', () => {
  let set: SentinelSet;
  beforeAll(async () => {
    set = await startSentinel({ password: 'data-secret' });
  }, 60_000);
  afterAll(() => set?.stop());

  const url = (name = 'mymaster') =>
    `redis+sentinel://:data-secret@${set.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`;

  it('finds the master, its replica and every sentinel, each read itself', async () => {
    const t = await discoverSentinel(parseSentinelUrl(url()), OPTIONS);
    expect(t.kind).toBe('sentinel');
    expect(t.master).toEqual({ host: '127.0.0.1', port: set.master.port });
    expect(t.nodes.map((n) => [n.port, n.role, n.status])).toEqual([
      [set.master.port, 'master', 'ok'],
      [set.replicas[0]?.port, 'replica', 'ok'],
    ]);
    // The data nodes' password from the URL reached them: INFO was read.
    for (const node of t.nodes) expect(node.info.status).toBe('ok');
    expect(t.nodes[0]?.config).toMatchObject({ status: 'ok', value: { 'min-replicas-to-write': '0' } });
    expect(t.sentinels).toHaveLength(3);
    for (const view of t.sentinels ?? []) {
      expect(view.error).toBeUndefined();
      expect(view.master?.quorum).toBe('2');
      expect(view.sentinels).toHaveLength(2);
      expect(view.ckquorum?.ok).toBe(true);
    }
  });

  it('asks the sentinels the URL leaves out, found from the one it names', async () => {
    const one = `redis+sentinel://:data-secret@127.0.0.1:${set.sentinels[0]?.port}/mymaster`;
    const t = await discoverSentinel(parseSentinelUrl(one), OPTIONS);
    expect(t.sentinels?.filter((v) => v.master)).toHaveLength(3);
  });

  it('an unknown master name: one line naming the names the sentinels monitor', async () => {
    const error = await refusal(discoverSentinel(parseSentinelUrl(url('nope')), OPTIONS));
    expect(error.code).toBe(ERROR_CODES.unknownMaster);
    expect(error.message).toMatch(/"nope".*monitors mymaster/);
  });

  it('a sentinel port is told apart from a data node', async () => {
    const port = set.sentinels[0]?.port as number;
    expect(await endpointKind(parseRedisUrl(`redis://127.0.0.1:${port}`), OPTIONS)).toEqual({
      kind: 'sentinel',
      monitors: ['mymaster'],
    });
  });
});

describe('discoverSentinel with no sentinel up', () => {
  it('says in one line that none answered', async () => {
    const set = await startSentinel({ sentinels: 1, quorum: 1 });
    const port = set.sentinels[0]?.port as number;
    await set.stop();
    const error = await refusal(
      discoverSentinel(parseSentinelUrl(`redis+sentinel://127.0.0.1:${port}/mymaster`), OPTIONS),
    );
    expect(error.code).toBe(ERROR_CODES.sentinelUnreachable);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  }, 60_000);
});

describe('discoverCluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('lists every node from any one of them, with its role and CLUSTER INFO', async () => {
    const seed = cluster.nodes.at(-1)?.port as number;
    expect((await endpointKind(parseRedisUrl(`redis://127.0.0.1:${seed}`), OPTIONS)).kind).toBe('cluster');
    const t = await discoverCluster(parseRedisUrl(`redis://127.0.0.1:${seed}`), OPTIONS);
    expect(t.kind).toBe('cluster');
    expect(t.nodes).toHaveLength(6);
    expect(t.nodes.filter((n) => n.role === 'master')).toHaveLength(3);
    for (const replica of t.nodes.filter((n) => n.role === 'replica')) expect(replica.master).toBeDefined();
    expect(Object.values(t.cluster?.info ?? {}).map((i) => i.cluster_state)).toEqual(Array(6).fill('ok'));
    expect(t.cluster?.nodes.reduce((n, line) => n + line.slotCount, 0)).toBe(16384);
  });
});

describe('discoverCluster on what is not a cluster', () => {
  it('a standalone server: one line, not in cluster mode', async () => {
    await withRedis({}, async (server) => {
      const error = await refusal(discoverCluster(parseRedisUrl(server.url), OPTIONS));
      expect(error.code).toBe(ERROR_CODES.notCluster);
      expect((await endpointKind(parseRedisUrl(server.url), OPTIONS)).kind).toBe('standalone');
    });
  });
});
