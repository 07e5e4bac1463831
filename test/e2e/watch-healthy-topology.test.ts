/**
 * A healthy Sentinel set (1 master, 1 replica, 3 sentinels) and a healthy 3 + 3 cluster, each with an
 * application writing through its library's topology client, watched for 60 s at a 1 s interval: no
 * alert at all; and the doctor on each names no cause (settings it flags stay what they are).
 */
import { Cluster, Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { doctorForUrl } from '../../src/doctor/doctor-for-url.js';
import { startCluster } from '../../src/lab/redis-server/start-cluster.js';
import { startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { watching } from '../support/watching.js';

const defer = closeAfterEach();
const RUN_MS = 60_000;

it('a healthy Sentinel set and a healthy cluster watched for 60 s raise no incident; the doctor names no cause', {
  timeout: RUN_MS + 60_000,
}, async () => {
  const [set, cluster] = await Promise.all([startSentinel(), startCluster()]);
  defer(() => set.stop());
  defer(() => cluster.stop());
  const viaSentinel = new Redis({
    sentinels: set.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: set.masterName,
  });
  const viaCluster = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })));
  for (const client of [viaSentinel, viaCluster]) {
    client.on('error', () => undefined);
    defer(() => client.disconnect());
  }
  const [sentinelWatch, clusterWatch] = await Promise.all([
    watching(defer, set.url),
    watching(defer, cluster.seedUrl),
  ]);

  let stop = false;
  let writes = 0;
  const traffic = (async () => {
    for (let n = 0; !stop; n++) {
      await Promise.all([viaSentinel.set(`k:${n % 100}`, n), viaCluster.set(`k:${n % 100}`, n)]);
      writes++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, RUN_MS));
  stop = true;
  await traffic;

  expect(writes).toBeGreaterThan(1000);
  for (const [watch, nodes] of [
    [sentinelWatch, 2],
    [clusterWatch, 6],
  ] as const) {
    expect(watch.incidents.map((i) => `${i.incident.kind}: ${i.incident.message}`)).toEqual([]);
    expect(watch.warnings).toEqual([]);
    // One sample a second from each data node, each one up.
    expect(watch.samples.length).toBeGreaterThanOrEqual(nodes * 55);
    expect(watch.samples.every((s) => s.up)).toBe(true);
  }

  const [sentinelReport, clusterReport] = await Promise.all([
    doctorForUrl(set.url),
    doctorForUrl(cluster.seedUrl),
  ]);
  for (const report of [sentinelReport, clusterReport]) {
    expect(report.mostLikelyCause).toBeNull();
    expect(report.results.filter((r) => r.status === 'finding' && r.severity === 'critical')).toEqual([]);
  }
  expect(sentinelReport.topology).toMatchObject({ kind: 'sentinel' });
  expect(clusterReport.topology).toMatchObject({ kind: 'cluster' });
  // min-replicas-to-write 0 on a healthy set is reported as the risk it is, not as a cause.
  expect(
    sentinelReport.results.some((r) => r.ruleId === 'min-replicas-unset' && r.status === 'finding'),
  ).toBe(true);
});
