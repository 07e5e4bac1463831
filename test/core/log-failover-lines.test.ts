/**
 * The failover lines of a server log (Redis 7.0.15 replication.c and cluster.c, and the cluster_legacy.c
 * wording of Redis 7.2+/8.x and Valkey), classified, and the changes of role summarizeLog follows from
 * them. The Redis 7.0.15 lines were captured from the lab's throwaway topologies (startCluster,
 * startSentinel): CLUSTER FAILOVER on a replica, kill -9 of a cluster master, SENTINEL FAILOVER.
 */
import { describe, expect, it } from 'vitest';
import { classifyLogMessage } from '../../src/core/log/classify-log-event.js';
import { parseLogLine } from '../../src/core/log/parse-log-line.js';
import { summarizeLog } from '../../src/core/log/summarize-log.js';

const local = (text: string): number => parseLogLine(`1:M ${text} * x`)?.at as number;

// CLUSTER FAILOVER on the replica 127.0.0.1:35951 (id cb0e8c05…) of 127.0.0.1:39779 (id 0d05f5b3…).
const CLUSTER_MANUAL_PROMOTED = `8063:M 07 Dec 2026 14:42:28.970 # configEpoch set to 4 via CLUSTER SET-CONFIG-EPOCH
8063:M 07 Dec 2026 14:42:29.035 # IP address for this node updated to 127.0.0.1
8063:S 07 Dec 2026 14:42:30.191 * Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.
8063:S 07 Dec 2026 14:42:30.191 * Connecting to MASTER 127.0.0.1:39779
8063:S 07 Dec 2026 14:42:30.192 * MASTER <-> REPLICA sync started
8063:S 07 Dec 2026 14:42:30.208 * MASTER <-> REPLICA sync: Finished with success
8063:S 07 Dec 2026 14:42:31.120 # Manual failover user request accepted.
8063:S 07 Dec 2026 14:42:31.121 # Received replication offset for paused master manual failover: 0
8063:S 07 Dec 2026 14:42:31.121 # All master replication stream processed, manual failover can start.
8063:S 07 Dec 2026 14:42:31.121 # Start of election delayed for 0 milliseconds (rank #0, offset 0).
8063:S 07 Dec 2026 14:42:31.121 # Starting a failover election for epoch 7.
8063:S 07 Dec 2026 14:42:31.123 # Currently unable to failover: Waiting for votes, but majority still not reached.
8063:S 07 Dec 2026 14:42:31.124 # Failover election won: I'm the new master.
8063:S 07 Dec 2026 14:42:31.124 # configEpoch set to 7 after successful failover
8063:M 07 Dec 2026 14:42:31.124 # Connection with master lost.
8063:M 07 Dec 2026 14:42:31.124 * Caching the disconnected master state.
8063:M 07 Dec 2026 14:42:31.124 # Setting secondary replication ID to 87baa98d1dbf6b3fc61c6067cb9c3a632ad4f1b2, valid up to offset: 1. New replication ID is c92daff8b80ba4395d174e57fb7adde5826127b6
8063:M 07 Dec 2026 14:42:31.167 * Replica 127.0.0.1:39779 asks for synchronization
`;

// The master it replaced, which stays up: asked by its replica, then reconfigured.
const CLUSTER_MANUAL_DEMOTED = `8056:M 07 Dec 2026 14:42:30.855 # Cluster state changed: ok
8056:M 07 Dec 2026 14:42:31.121 # Manual failover requested by replica cb0e8c05a418500e4117ca2ab0b855581adc5a14.
8056:M 07 Dec 2026 14:42:31.124 # Connection with replica 127.0.0.1:35951 lost.
8056:M 07 Dec 2026 14:42:31.158 # Configuration change detected. Reconfiguring myself as a replica of cb0e8c05a418500e4117ca2ab0b855581adc5a14
8056:S 07 Dec 2026 14:42:31.160 * Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.
8056:S 07 Dec 2026 14:42:31.160 * Connecting to MASTER 127.0.0.1:35951
8056:S 07 Dec 2026 14:42:31.160 * MASTER <-> REPLICA sync started
`;

// kill -9 of the master 127.0.0.1:42153 (id 1736b122…): its replica 127.0.0.1:44413 (id 38df03e6…) takes over.
const CLUSTER_FAIL_PROMOTED = `8064:S 07 Dec 2026 14:42:30.234 * MASTER <-> REPLICA sync: Finished with success
8064:S 07 Dec 2026 14:42:32.738 # Connection with master lost.
8064:S 07 Dec 2026 14:42:32.739 * Reconnecting to MASTER 127.0.0.1:42153
8064:S 07 Dec 2026 14:42:32.739 # Error condition on socket for SYNC: Connection refused
8064:S 07 Dec 2026 14:42:32.974 * Connecting to MASTER 127.0.0.1:42153
8064:S 07 Dec 2026 14:42:32.975 # Error condition on socket for SYNC: Connection refused
8064:S 07 Dec 2026 14:42:35.250 * FAIL message received from 34bf3f79861b210eaa9135b4c9915c3cacb326b0 about 1736b122e8886444c574ce01929b22de4a46d19c
8064:S 07 Dec 2026 14:42:35.251 # Cluster state changed: fail
8064:S 07 Dec 2026 14:42:35.307 # Start of election delayed for 814 milliseconds (rank #0, offset 0).
8064:S 07 Dec 2026 14:42:36.043 * Connecting to MASTER 127.0.0.1:42153
8064:S 07 Dec 2026 14:42:36.043 # Error condition on socket for SYNC: Connection refused
8064:S 07 Dec 2026 14:42:36.144 # Starting a failover election for epoch 8.
8064:S 07 Dec 2026 14:42:36.146 # Failover election won: I'm the new master.
8064:S 07 Dec 2026 14:42:36.146 # configEpoch set to 8 after successful failover
8064:M 07 Dec 2026 14:42:36.146 * Discarding previously cached master state.
8064:M 07 Dec 2026 14:42:36.147 # Cluster state changed: ok
`;

// The killed master, restarted on its port and dir: reconfigured as a replica of the node that replaced it.
const CLUSTER_FAIL_DEMOTED = `8062:M 07 Dec 2026 14:42:30.934 # Cluster state changed: ok
8062:M 07 Dec 2026 14:42:31.122 # Failover auth granted to cb0e8c05a418500e4117ca2ab0b855581adc5a14 for epoch 7
8269:C 07 Dec 2026 14:42:36.217 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
8269:C 07 Dec 2026 14:42:36.217 # Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=8269, just started
8269:C 07 Dec 2026 14:42:36.217 # Configuration loaded
8269:M 07 Dec 2026 14:42:36.226 * Node configuration loaded, I'm 1736b122e8886444c574ce01929b22de4a46d19c
8269:M 07 Dec 2026 14:42:36.246 * Ready to accept connections
8269:M 07 Dec 2026 14:42:36.248 # Configuration change detected. Reconfiguring myself as a replica of 38df03e624632985fa35889f0d30ede8f9da6f19
8269:S 07 Dec 2026 14:42:36.248 * Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.
8269:S 07 Dec 2026 14:42:36.248 * Connecting to MASTER 127.0.0.1:44413
8269:S 07 Dec 2026 14:42:36.249 * MASTER <-> REPLICA sync started
`;

// SENTINEL FAILOVER: the replica 127.0.0.1:33999 promoted, the master 127.0.0.1:44521 converted ~11 s later.
const SENTINEL_PROMOTED = `12872:S 07 Dec 2026 14:48:30.285 * Connecting to MASTER 127.0.0.1:44521
12872:S 07 Dec 2026 14:48:30.285 * MASTER <-> REPLICA sync started
12872:M 07 Dec 2026 14:48:32.700 # Connection with master lost.
12872:M 07 Dec 2026 14:48:32.700 # Setting secondary replication ID to f9a8f306baf9034f9b1ac32d73aed3f572560051, valid up to offset: 426. New replication ID is 76d4183e08192586bab5647e0bf1d1ee0f327c1d
12872:M 07 Dec 2026 14:48:32.701 * MASTER MODE enabled (user request from 'id=8 addr=127.0.0.1:44016 laddr=127.0.0.1:33999 fd=10 name=sentinel-33c5d4cd-cmd age=2 idle=0 flags=x db=0 sub=0 psub=0 ssub=0 multi=4 qbuf=188 qbuf-free=20286 argv-mem=4 multi-mem=169 rbs=2048 rbp=1024 obl=45 oll=0 omem=0 tot-mem=23589 events=r cmd=exec user=default redir=-1 resp=2')
12872:M 07 Dec 2026 14:48:32.707 # CONFIG REWRITE executed with success.
`;

const SENTINEL_DEMOTED = `12867:M 07 Dec 2026 14:48:30.286 * Synchronization with replica 127.0.0.1:33999 succeeded
12867:M 07 Dec 2026 14:48:32.700 # Connection with replica 127.0.0.1:33999 lost.
12867:S 07 Dec 2026 14:48:43.759 * Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.
12867:S 07 Dec 2026 14:48:43.759 * Connecting to MASTER 127.0.0.1:33999
12867:S 07 Dec 2026 14:48:43.759 * REPLICAOF 127.0.0.1:33999 enabled (user request from 'id=15 addr=127.0.0.1:60400 laddr=127.0.0.1:44521 fd=11 name=sentinel-33c5d4cd-cmd age=10 idle=0 flags=x db=0 sub=0 psub=0 ssub=0 multi=4 qbuf=197 qbuf-free=20277 argv-mem=4 multi-mem=178 rbs=1024 rbp=1024 obl=45 oll=0 omem=0 tot-mem=22574 events=r cmd=exec user=default redir=-1 resp=2')
`;

describe('classifyLogMessage: failover lines', () => {
  it.each([
    // Redis 7.0.15 (captured)
    [
      "MASTER MODE enabled (user request from 'id=8 addr=127.0.0.1:44016 name=sentinel-33c5d4cd-cmd multi=4 cmd=exec user=default')",
      'role-change',
      { what: 'MASTER MODE enabled', to: 'master', via: 'user', sentinel: 'true' },
    ],
    [
      "REPLICAOF 127.0.0.1:33999 enabled (user request from 'id=15 addr=127.0.0.1:60400 name=sentinel-33c5d4cd-cmd cmd=exec user=default')",
      'role-change',
      { to: 'replica', master: '127.0.0.1:33999', via: 'user', sentinel: 'true' },
    ],
    [
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
      'role-change',
      { wasMaster: 'true' },
    ],
    ['Connecting to MASTER 127.0.0.1:44413', 'replica-connecting', { master: '127.0.0.1:44413' }],
    ['Manual failover user request accepted.', 'cluster-failover', { step: 'manual-accepted' }],
    [
      'Manual failover requested by replica cb0e8c05a418500e4117ca2ab0b855581adc5a14.',
      'cluster-failover',
      { step: 'manual-requested', replica: 'cb0e8c05a418500e4117ca2ab0b855581adc5a14' },
    ],
    [
      'Starting a failover election for epoch 8.',
      'cluster-failover',
      { step: 'election-started', epoch: '8' },
    ],
    ["Failover election won: I'm the new master.", 'cluster-failover', { step: 'election-won' }],
    ['configEpoch set to 8 after successful failover', 'cluster-failover', { step: 'epoch-set', epoch: '8' }],
    [
      'Configuration change detected. Reconfiguring myself as a replica of 38df03e624632985fa35889f0d30ede8f9da6f19',
      'cluster-failover',
      { step: 'reconfigured-as-replica', master: '38df03e624632985fa35889f0d30ede8f9da6f19' },
    ],
    [
      'FAIL message received from 34bf3f79861b210eaa9135b4c9915c3cacb326b0 about 1736b122e8886444c574ce01929b22de4a46d19c',
      'cluster-node-fail',
      { node: '1736b122e8886444c574ce01929b22de4a46d19c', from: '34bf3f79861b210eaa9135b4c9915c3cacb326b0' },
    ],
    [
      'Marking node 1736b122e8886444c574ce01929b22de4a46d19c as failing (quorum reached).',
      'cluster-node-fail',
      { node: '1736b122e8886444c574ce01929b22de4a46d19c', how: 'quorum' },
    ],
    // Redis 7.0 cluster.c, not captured here
    ['Forced failover user request accepted.', 'cluster-failover', { step: 'forced-accepted' }],
    ['Taking over the master (user request).', 'cluster-failover', { step: 'takeover' }],
    ['Manual failover timed out.', 'cluster-failover', { step: 'manual-timed-out' }],
    ['FAILOVER requested to 127.0.0.1:6380.', 'role-change', { target: '127.0.0.1:6380' }],
    // Redis 7.2+/8.x cluster_legacy.c and Valkey 8 add the human node name, Valkey says primary
    [
      'Marking node 1736b122e8886444c574ce01929b22de4a46d19c () as failing (quorum reached).',
      'cluster-node-fail',
      { node: '1736b122e8886444c574ce01929b22de4a46d19c' },
    ],
    [
      'FAIL message received from 34bf3f79861b210eaa9135b4c9915c3cacb326b0 (n1) about 1736b122e8886444c574ce01929b22de4a46d19c (n2)',
      'cluster-node-fail',
      { node: '1736b122e8886444c574ce01929b22de4a46d19c' },
    ],
    ["Failover election won: I'm the new primary.", 'cluster-failover', { step: 'election-won' }],
    [
      "Manual failover user request accepted (user request from 'id=3 addr=127.0.0.1:5 cmd=cluster|failover').",
      'cluster-failover',
      { step: 'manual-accepted' },
    ],
    [
      'Configuration change detected. Reconfiguring myself as a replica of node 38df03e624632985fa35889f0d30ede8f9da6f19 () in shard 5a6f0c7a4e7c2d7fd1c6c8a0b0f2ad1c1e9f4c55',
      'cluster-failover',
      { step: 'reconfigured-as-replica', master: '38df03e624632985fa35889f0d30ede8f9da6f19' },
    ],
    [
      "PRIMARY MODE enabled (failover request from 'id=4 addr=127.0.0.1:6 cmd=psync')",
      'role-change',
      { to: 'master', via: 'failover' },
    ],
    ['Connecting to PRIMARY 127.0.0.1:7000', 'replica-connecting', { master: '127.0.0.1:7000' }],
  ])('%s', (message, kind, detail) => {
    expect(classifyLogMessage(message)).toMatchObject({ kind, detail });
  });

  it('leaves the look-alikes alone', () => {
    expect(classifyLogMessage('Reconnecting to MASTER 127.0.0.1:42153')).toBeUndefined();
    expect(classifyLogMessage('configEpoch set to 4 via CLUSTER SET-CONFIG-EPOCH')).toBeUndefined();
    expect(
      classifyLogMessage('Failover auth granted to cb0e8c05a418500e4117ca2ab0b855581adc5a14 for epoch 7'),
    ).toBeUndefined();
  });
});

describe('summarizeLog: changes of role', () => {
  it('CLUSTER FAILOVER: the replica promoted, manual, at the election line, with its epoch', () => {
    const { roleChanges } = summarizeLog(CLUSTER_MANUAL_PROMOTED);
    // Becoming a replica at creation (CLUSTER REPLICATE) has no line of its own: not a change.
    expect(roleChanges).toEqual([
      {
        at: local('07 Dec 2026 14:42:31.124'),
        to: 'master',
        how: 'cluster-manual',
        manual: true,
        requestedAt: local('07 Dec 2026 14:42:31.120'),
        configEpoch: 7,
        line: "Failover election won: I'm the new master.",
      },
    ]);
  });

  it('CLUSTER FAILOVER: the master it replaced, asked by its replica, then reconfigured', () => {
    expect(summarizeLog(CLUSTER_MANUAL_DEMOTED).roleChanges).toEqual([
      {
        at: local('07 Dec 2026 14:42:31.158'),
        to: 'replica',
        how: 'cluster-reconfigured',
        from: 'master',
        manual: true,
        requestedAt: local('07 Dec 2026 14:42:31.121'),
        masterId: 'cb0e8c05a418500e4117ca2ab0b855581adc5a14',
        master: '127.0.0.1:35951',
        line: 'Configuration change detected. Reconfiguring myself as a replica of cb0e8c05a418500e4117ca2ab0b855581adc5a14',
      },
    ]);
  });

  it('kill -9 of a master: its replica elected after the FAIL, which it names and times', () => {
    expect(summarizeLog(CLUSTER_FAIL_PROMOTED).roleChanges).toEqual([
      {
        at: local('07 Dec 2026 14:42:36.146'),
        to: 'master',
        how: 'cluster-election',
        manual: false,
        failed: { node: '1736b122e8886444c574ce01929b22de4a46d19c', at: local('07 Dec 2026 14:42:35.250') },
        configEpoch: 8,
        line: "Failover election won: I'm the new master.",
      },
    ]);
  });

  it('kill -9 of a master: restarted, it is reconfigured as a replica of the node that replaced it', () => {
    expect(summarizeLog(CLUSTER_FAIL_DEMOTED).roleChanges).toMatchObject([
      {
        at: local('07 Dec 2026 14:42:36.248'),
        to: 'replica',
        how: 'cluster-reconfigured',
        from: 'master',
        manual: false,
        masterId: '38df03e624632985fa35889f0d30ede8f9da6f19',
        master: '127.0.0.1:44413',
      },
    ]);
  });

  it('SENTINEL FAILOVER: MASTER MODE enabled in a MULTI/EXEC, without the client info', () => {
    const [change] = summarizeLog(SENTINEL_PROMOTED).roleChanges;
    expect(change).toEqual({
      at: local('07 Dec 2026 14:48:32.701'),
      to: 'master',
      how: 'replicaof-no-one',
      bySentinel: true,
      line: 'MASTER MODE enabled (user request)',
    });
  });

  it('SENTINEL FAILOVER: the old master converted by REPLICAOF, a master until then', () => {
    expect(summarizeLog(SENTINEL_DEMOTED).roleChanges).toEqual([
      {
        at: local('07 Dec 2026 14:48:43.759'),
        to: 'replica',
        how: 'replicaof',
        from: 'master',
        bySentinel: true,
        master: '127.0.0.1:33999',
        line: 'REPLICAOF 127.0.0.1:33999 enabled (user request)',
      },
    ]);
  });

  it('a replica told to follow another master was no master', () => {
    const text = `9:S 07 Dec 2026 14:48:43.800 * Connecting to MASTER 127.0.0.1:33999
9:S 07 Dec 2026 14:48:43.800 * REPLICAOF 127.0.0.1:33999 enabled (user request from 'id=15 cmd=exec')
`;
    expect(summarizeLog(text).roleChanges).toMatchObject([{ to: 'replica', from: 'replica' }]);
  });

  it('the FAILOVER command: the master becomes a replica when it connects to its target', () => {
    const text = `9:M 07 Dec 2026 10:00:00.000 * FAILOVER requested to 127.0.0.1:6380.
9:S 07 Dec 2026 10:00:00.200 * Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.
9:S 07 Dec 2026 10:00:00.200 * Connecting to MASTER 127.0.0.1:6380
`;
    expect(summarizeLog(text).roleChanges).toEqual([
      {
        at: local('07 Dec 2026 10:00:00.200'),
        to: 'replica',
        how: 'failover-command',
        from: 'master',
        master: '127.0.0.1:6380',
        requestedAt: local('07 Dec 2026 10:00:00.000'),
        line: 'Connecting to MASTER 127.0.0.1:6380',
      },
    ]);
  });

  it('a manual failover that timed out does not make a later election manual', () => {
    const text = `9:S 07 Dec 2026 10:00:00.000 # Manual failover user request accepted.
9:S 07 Dec 2026 10:00:05.000 # Manual failover timed out.
9:S 07 Dec 2026 10:00:30.000 * FAIL message received from 34bf3f79861b210eaa9135b4c9915c3cacb326b0 about 1736b122e8886444c574ce01929b22de4a46d19c
9:S 07 Dec 2026 10:00:31.000 # Failover election won: I'm the new master.
`;
    expect(summarizeLog(text).roleChanges).toMatchObject([{ how: 'cluster-election', manual: false }]);
  });
});
