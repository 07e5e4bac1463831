/**
 * The app host's own sockets, read from this host's kernel: this test process plays the application.
 * It holds raw sockets to a throwaway server, lets the server's idle timeout close some of them while
 * never closing its end (CLOSE_WAIT), keeps others open with and without SO_KEEPALIVE, then runs the
 * doctor and checks what it read about this process's sockets.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProcNetTcp } from '../../src/core/parse-proc-net-tcp.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import {
  type Evidence,
  type HostSocket,
  type HostSocketsFacts,
  ok,
  unavailable,
} from '../../src/doctor/evidence.js';
import { runDoctor } from '../../src/doctor/run.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';
import { callOnce, waitFor, withRedis } from '../support/with-redis.js';

const RULE_IDS = ['client-close-wait-pile', 'client-keepalive-not-armed', 'path-retransmits'];

const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

/** A raw connection that, like a careless app, never closes its end when the server closes its own. */
async function rawSocket(port: number, keepAliveMs?: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  opened.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (keepAliveMs !== undefined) socket.setKeepAlive(true, keepAliveMs);
  return socket;
}

/** The kernel's state of our sockets to the server, by local port. */
function statesOf(ports: number[], serverPort: number): string[] {
  const text = `${readFileSync('/proc/net/tcp', 'utf8')}\n${readFileSync('/proc/net/tcp6', 'utf8')}`;
  const byPort = new Map(parseProcNetTcp(text).map((s) => [`${s.local.port}>${s.remote.port}`, s.state]));
  return ports.map((p) => byPort.get(`${p}>${serverPort}`) ?? 'gone');
}

const isLinux = process.platform === 'linux';

describe.runIf(isLinux)('host sockets: the doctor reads this host sockets to the target', () => {
  it('counts CLOSE_WAIT and keepalive per socket, names this process, leaves its own connection out', async () => {
    await withRedis({}, async (server) => {
      await callOnce(server.port, 'CONFIG', 'SET', 'timeout', '1');
      // Six idle sockets the server will close after 1 s; this side never closes them.
      const stale = await Promise.all(Array.from({ length: 6 }, () => rawSocket(server.port)));
      const stalePorts = stale.map((s) => s.localPort ?? 0);
      await waitFor(
        'six CLOSE_WAIT sockets in /proc/net/tcp',
        () => statesOf(stalePorts, server.port).every((s) => s === 'CLOSE_WAIT'),
        15_000,
      );
      await callOnce(server.port, 'CONFIG', 'SET', 'timeout', '0');

      // Four live idle sockets: two with SO_KEEPALIVE, two without.
      const withKeepalive = await Promise.all([rawSocket(server.port, 1000), rawSocket(server.port, 1000)]);
      const without = await Promise.all([rawSocket(server.port), rawSocket(server.port)]);
      await new Promise((r) => setTimeout(r, 1_300)); // idle for longer than the rule's 1 s

      const report = await runDoctor({ url: server.url, only: RULE_IDS, timeoutMs: 5_000 });
      const facts = report.evidence.hostSockets;
      expect(facts.status, JSON.stringify(facts)).toBe('ok');
      if (facts.status !== 'ok') return;
      const f = facts.value;
      expect(f.byState.CLOSE_WAIT).toBe(6);
      expect(f.byState.ESTABLISHED).toBe(4); // the doctor's own connection is not among them
      expect(f.ownLeftOut).toBeGreaterThanOrEqual(1);

      const comm = readFileSync('/proc/self/comm', 'utf8').trim();
      const byLocalPort = new Map<number, HostSocket>(
        f.sockets.map((s) => [Number(s.local.split(':').pop()), s]),
      );
      for (const s of stale)
        expect(byLocalPort.get(s.localPort ?? 0)).toMatchObject({
          state: 'CLOSE_WAIT',
          pid: process.pid,
          comm,
        });
      for (const s of withKeepalive)
        expect(byLocalPort.get(s.localPort ?? 0)).toMatchObject({
          state: 'ESTABLISHED',
          keepalive: true,
          timer: 'keepalive',
        });
      for (const s of without)
        expect(byLocalPort.get(s.localPort ?? 0)).toMatchObject({
          state: 'ESTABLISHED',
          keepalive: false,
          timer: 'none',
        });
      expect(f.owners).toContainEqual({ pid: process.pid, comm, byState: { CLOSE_WAIT: 6, ESTABLISHED: 4 } });

      const result = (id: string) => report.results.find((r) => r.ruleId === id);
      const closeWait = result('client-close-wait-pile');
      expect(closeWait).toMatchObject({
        status: 'finding',
        severity: 'warning',
        evidence: { closeWait: 6, timeout: 0, processes: [{ pid: process.pid, comm, sockets: 6 }] },
      });
      expect(closeWait?.message).toContain(
        `6 connections from this host to 127.0.0.1:${server.port} are in CLOSE_WAIT`,
      );
      expect(closeWait?.message).toContain(`${comm} (pid ${process.pid}): 6`);
      expect(closeWait?.fix[0]?.command).toBe(`ss -tnp state close-wait dst 127.0.0.1:${server.port}`);

      const keepalive = result('client-keepalive-not-armed');
      expect(keepalive).toMatchObject({
        status: 'finding',
        severity: 'info', // loopback: no middlebox, a dead local server is closed by this kernel
        evidence: {
          unarmedIdle: 2,
          keepaliveArmed: 2,
          established: 4,
          processes: [{ pid: process.pid, sockets: 2 }],
        },
      });
      expect(keepalive?.message).toContain(`${comm} (pid ${process.pid}): 2`);

      // Loopback does not lose packets.
      expect(result('path-retransmits')?.status).toBe('pass');
    });
  });
});

/** The healthy capture, with this host's sockets as given. */
function withSockets(sockets: HostSocket[], overrides: Partial<HostSocketsFacts> = {}): Evidence {
  const byState: HostSocketsFacts['byState'] = {};
  for (const s of sockets) byState[s.state] = (byState[s.state] ?? 0) + 1;
  return {
    ...fixtureEvidence('redis-7.4.1', 'healthy'),
    hostSockets: ok({
      addresses: ['10.0.0.5'],
      port: 6379,
      byState,
      total: sockets.length,
      sockets,
      owners: [],
      unowned: 0,
      ownLeftOut: 1,
      truncated: [],
      ss: 'used',
      ...overrides,
    }),
  };
}

const sock = (port: number, more: Partial<HostSocket> = {}): HostSocket => ({
  local: `10.0.0.10:${port}`,
  remote: '10.0.0.5:6379',
  state: 'ESTABLISHED',
  timer: 'keepalive',
  keepalive: true,
  retransmits: 0,
  probesOut: 0,
  txQueue: 0,
  rxQueue: 0,
  totalRetransmits: 0,
  segsOut: 1000,
  rttMs: 0.4,
  idleMs: 5_000,
  pid: 4242,
  comm: 'java',
  ...more,
});

const result = (evidence: Evidence, id: string) => diagnose(evidence, { only: [id] }).results[0];

describe('path-retransmits on synthetic evidence', () => {
  it('passes on a clean path and on one retransmission in a long life', () => {
    expect(
      result(withSockets([sock(1), sock(2, { totalRetransmits: 2, segsOut: 50 })]), 'path-retransmits')
        ?.status,
    ).toBe('pass');
    expect(
      result(withSockets([sock(1, { totalRetransmits: 5, segsOut: 100_000 })]), 'path-retransmits')?.status,
    ).toBe('pass');
  });

  it('fires on a socket retransmitting now, critical at three timeouts in a row', () => {
    const now = result(
      withSockets([
        sock(1, { timer: 'retransmit', keepalive: undefined, retransmits: 1, txQueue: 36 }),
        sock(2),
      ]),
      'path-retransmits',
    );
    expect(now).toMatchObject({
      status: 'finding',
      severity: 'warning',
      confidence: 'high',
      evidence: {
        retransmittingNow: 1,
        lossyOverall: 0,
        processes: [{ pid: 4242, comm: 'java', sockets: 1 }],
      },
    });
    expect(now?.message).toContain('Packets to 10.0.0.5:6379 are being lost');
    const dying = result(
      withSockets([sock(1, { timer: 'retransmit', keepalive: undefined, retransmits: 4 })]),
      'path-retransmits',
    );
    expect(dying?.severity).toBe('critical');
  });

  it('fires on unanswered keepalive probes and on lossy totals from ss', () => {
    expect(result(withSockets([sock(1, { probesOut: 2 })]), 'path-retransmits')).toMatchObject({
      status: 'finding',
      evidence: { retransmittingNow: 1 },
    });
    const overall = result(
      withSockets([sock(1, { totalRetransmits: 30, segsOut: 1000 })]),
      'path-retransmits',
    );
    expect(overall).toMatchObject({ status: 'finding', confidence: 'medium', evidence: { lossyOverall: 1 } });
    expect(overall?.evidence.sockets).toEqual([
      expect.objectContaining({ local: '10.0.0.10:1', totalRetransmits: 30, segsOut: 1000, rttMs: 0.4 }),
    ]);
  });
});

describe('host socket rules on synthetic evidence', () => {
  it('are skipped when the sockets could not be read', () => {
    const evidence = { ...withSockets([]), hostSockets: unavailable('/proc/net/tcp is not readable') };
    for (const id of RULE_IDS)
      expect(result(evidence, id)).toMatchObject({
        status: 'skipped',
        reason: '/proc/net/tcp is not readable',
      });
  });

  it('client-close-wait-pile: 4 is a moment, 5 a pile; owners not visible are counted', () => {
    const cw = (n: number, pid?: number) =>
      Array.from({ length: n }, (_, i) =>
        sock(100 + i, {
          state: 'CLOSE_WAIT',
          timer: 'none',
          keepalive: false,
          ...(pid ? {} : { pid: undefined, comm: undefined }),
        }),
      );
    expect(result(withSockets(cw(4, 1)), 'client-close-wait-pile')?.status).toBe('pass');
    const pile = result(withSockets([...cw(5, 1), ...cw(2)]), 'client-close-wait-pile');
    expect(pile).toMatchObject({ status: 'finding', evidence: { closeWait: 7, ownerNotVisible: 2 } });
    expect(pile?.message).toContain('java (pid 4242): 5, 2 of an owner not visible to this user');
  });

  it('client-keepalive-not-armed: warning when nothing probes the flow, quiet for busy or armed sockets', () => {
    const off = sock(1, { timer: 'none', keepalive: false });
    const base = withSockets([off, sock(2)]);
    const noServerKeepalive: Evidence = {
      ...base,
      config: base.config.status === 'ok' ? ok({ ...base.config.value, 'tcp-keepalive': '0' }) : base.config,
      target: { ...base.target, host: '10.0.0.5' },
    };
    expect(result(noServerKeepalive, 'client-keepalive-not-armed')).toMatchObject({
      status: 'finding',
      severity: 'warning',
      evidence: { unarmedIdle: 1, keepaliveArmed: 1, established: 2, 'tcp-keepalive': 0 },
    });
    const serverProbes: Evidence = { ...noServerKeepalive, config: base.config };
    expect(result(serverProbes, 'client-keepalive-not-armed')?.severity).toBe('info');
    // Busy a moment ago: nothing to judge.
    expect(
      result(
        withSockets([sock(1, { timer: 'none', keepalive: false, idleMs: 20 })]),
        'client-keepalive-not-armed',
      )?.status,
    ).toBe('pass');
    expect(result(withSockets([sock(1), sock(2)]), 'client-keepalive-not-armed')?.status).toBe('pass');
  });
});
