/**
 * The app host's sockets, continued: this test process plays an application that churns (opens and
 * closes connections itself, leaving TIME_WAIT here) and one whose keepalive is not what it believes
 * (setKeepAlive without a delay keeps the kernel's 7200 s). Real server, real kernel; then the failure
 * paths: no sockets, `ss` missing, /proc unreadable.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProcNetTcp } from '../../src/core/parse-proc-net-tcp.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { type Evidence, type HostSocket, ok, unavailable } from '../../src/doctor/evidence.js';
import { runDoctor } from '../../src/doctor/run.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';
import { CLI, expectOneLineError, runCli } from '../support/run-cli.js';
import { waitFor, withRedis } from '../support/with-redis.js';

const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  opened.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Connect, PING, and close from this side first: the TIME_WAIT stays on this host. */
async function churnOnce(port: number): Promise<void> {
  const socket = await rawSocket(port);
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
    socket.write('PING\r\n');
  });
  await new Promise<void>((resolve) => socket.end(resolve));
  await new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

function socketsTo(port: number, state?: string): number {
  const text = `${readFileSync('/proc/net/tcp', 'utf8')}\n${readFileSync('/proc/net/tcp6', 'utf8')}`;
  return parseProcNetTcp(text).filter(
    (s) => s.remote.port === port && s.state !== 'LISTEN' && (state === undefined || s.state === state),
  ).length;
}
const timeWaitTo = (port: number) => socketsTo(port, 'TIME_WAIT');
/** Until every socket to `port` that is closing has reached TIME_WAIT (FIN_WAIT2 waits for the server's FIN). */
const settled = (port: number) =>
  waitFor(`sockets to ${port} to settle`, () => socketsTo(port) === timeWaitTo(port), 5_000);

const isLinux = process.platform === 'linux';

describe.runIf(isLinux)('host sockets: churn and keepalive on a real server', () => {
  it('client-time-wait-pile names 60 connections closed by this host, with the close rate', async () => {
    await withRedis({}, async (server) => {
      // startRedis's readiness PING closed from this side too: its socket ends in TIME_WAIT here.
      await settled(server.port);
      const before = timeWaitTo(server.port);
      for (let i = 0; i < 60; i++) await churnOnce(server.port);
      await waitFor('60 TIME_WAIT sockets', () => timeWaitTo(server.port) >= before + 60, 10_000);

      const report = await runDoctor({ url: server.url, only: ['client-time-wait-pile'], probePings: 0 });
      const facts = report.evidence.hostSockets;
      expect(facts.status).toBe('ok');
      if (facts.status !== 'ok') return;
      const count = before + 60;
      expect(facts.value.timeWait).toMatchObject({ count, closedLast10s: count });
      expect(facts.value.timeWait?.perSecondLastMinute).toBe(Math.round((count / 60) * 100) / 100);
      expect(facts.value.timeWait?.perSecondLast10s).toBe(count / 10);
      const finding = report.results.find((r) => r.ruleId === 'client-time-wait-pile');
      expect(finding).toMatchObject({
        status: 'finding',
        severity: 'warning', // 60 of ~28,000 local ports, and tcp_tw_reuse covers loopback
        cause: 'unknown',
        evidence: { timeWait: count, closedLast10s: count, perSecondLast10s: count / 10 },
      });
      expect(finding?.message).toContain(`${count} connections from this host to 127.0.0.1:${server.port}`);
      expect(finding?.fix[0]?.command).toBe(`ss -tn state time-wait dst 127.0.0.1:${server.port} | wc -l`);
    });
  });

  it('--app-keepalive: names the sockets whose keepalive is longer than the app believes; quiet without it', async () => {
    await withRedis({}, async (server) => {
      // What the app believes is 30 s. setKeepAlive(true) alone keeps tcp_keepalive_time (7200 s).
      const defaulted = [await rawSocket(server.port), await rawSocket(server.port)];
      for (const s of defaulted) s.setKeepAlive(true);
      const right = await rawSocket(server.port);
      right.setKeepAlive(true, 30_000);
      const longer = await rawSocket(server.port);
      longer.setKeepAlive(true, 90_000);
      const defaultIdle = Number(readFileSync('/proc/sys/net/ipv4/tcp_keepalive_time', 'utf8'));

      const report = await runDoctor({
        url: server.url,
        only: ['client-keepalive-not-armed'],
        appKeepaliveS: 30,
        probePings: 0,
      });
      const finding = report.results[0];
      expect(finding).toMatchObject({
        ruleId: 'client-keepalive-not-armed',
        status: 'finding',
        evidence: { unarmedIdle: 0, appKeepaliveSeconds: 30, armedLonger: 3, keepaliveArmed: 4 },
      });
      const flagged = new Map(
        ((finding?.evidence.armedLongerSockets ?? []) as { local: string; timerSeconds: number }[]).map(
          (s) => [Number(s.local.split(':').pop()), s.timerSeconds],
        ),
      );
      expect(flagged.has(right.localPort ?? 0)).toBe(false);
      for (const s of defaulted) expect(flagged.get(s.localPort ?? 0)).toBeGreaterThan(defaultIdle - 5);
      expect(flagged.get(longer.localPort ?? 0)).toBeGreaterThan(85);
      expect(finding?.message).toContain('keepalive timer due later than the 30 s the app set');

      // Without the option the rule judges only sockets with no timer at all: none here.
      const plain = await runDoctor({ url: server.url, only: ['client-keepalive-not-armed'], probePings: 0 });
      expect(plain.results[0]?.status).toBe('pass');
    });
  });

  it('no sockets: the rules pass; ss missing: /proc alone still names the pile', async () => {
    await withRedis({}, async (server) => {
      const only = ['client-time-wait-pile', 'client-keepalive-not-armed', 'path-slow'];
      // Only the readiness PING's socket (startRedis), closing or in TIME_WAIT: no application's.
      await settled(server.port);
      const baseline = socketsTo(server.port);
      expect(baseline).toBeLessThanOrEqual(1);
      const quiet = await runDoctor({ url: server.url, only });
      expect(quiet.evidence.hostSockets).toMatchObject({ status: 'ok', value: { total: baseline } });
      expect(Object.fromEntries(quiet.results.map((r) => [r.ruleId, r.status]))).toEqual(
        Object.fromEntries(only.map((id) => [id, 'pass'])),
      );
      expect(quiet.evidence.pathProbe).toMatchObject({ status: 'ok', value: { pingsAnswered: 20 } });

      for (let i = 0; i < 55; i++) await churnOnce(server.port);
      const unarmed = await rawSocket(server.port);
      await new Promise((r) => setTimeout(r, 1_100)); // idle for longer than the rule's 1 s
      const emptyPath = mkdtempSync(join(tmpdir(), 'no-ss-'));
      const path = process.env.PATH;
      process.env.PATH = emptyPath; // no ss on it
      try {
        const report = await runDoctor({ url: server.url, only });
        const facts = report.evidence.hostSockets;
        expect(facts).toMatchObject({
          status: 'ok',
          value: { ss: { reason: 'ss is not installed (iproute2)' } },
        });
        const status = Object.fromEntries(report.results.map((r) => [r.ruleId, r.status]));
        expect(status).toEqual({
          'client-time-wait-pile': 'finding',
          'client-keepalive-not-armed': 'finding',
          'path-slow': 'pass',
        });
        expect(report.results.find((r) => r.ruleId === 'client-keepalive-not-armed')?.evidence).toMatchObject(
          {
            unarmedIdle: 1,
            sockets: [expect.objectContaining({ local: `127.0.0.1:${unarmed.localPort}` })],
          },
        );
      } finally {
        process.env.PATH = path;
        rmSync(emptyPath, { recursive: true, force: true });
      }
    });
  });
});

describe.runIf(isLinux)('/proc unreadable: the doctor in a mount namespace with an empty /proc', () => {
  it('skips the host-socket rules with the reason, still probes the path; or says why it cannot hide /proc', async () => {
    await withRedis({}, async (server) => {
      for (let i = 0; i < 55; i++) await churnOnce(server.port); // a pile it must not see
      const only =
        'client-time-wait-pile,client-close-wait-pile,client-keepalive-not-armed,path-retransmits,path-slow';
      // unshare(1) makes a private mount namespace (root only); tmpfs over /proc hides /proc/net/tcp.
      const script = `mount -t tmpfs none /proc && exec "$0" "$@"`;
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            script,
            process.execPath,
            CLI,
            'doctor',
            server.url,
            '--only',
            only,
            '--json',
            '--fail-on',
            'none',
          ],
          { timeout: 30_000, env: { ...process.env, NO_COLOR: '1', REDIS_URL: '' } },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
      if (result.code !== 0 || !result.stdout.startsWith('{')) {
        // Not root, or no unshare: the documented answer is that this path cannot be built here.
        expect(process.getuid?.() !== 0 || /unshare|mount|Operation not permitted/.test(result.stderr)).toBe(
          true,
        );
        process.stdout.write(`cannot hide /proc here: ${result.stderr.trim().split('\n')[0]}\n`);
        return;
      }
      const report = JSON.parse(result.stdout) as {
        results: { ruleId: string; status: string; reason?: string }[];
      };
      const reason = '/proc/net/tcp is not readable (not Linux, or /proc is not mounted)';
      const hostRules = report.results.filter((x) => x.ruleId !== 'path-slow');
      expect(hostRules).toHaveLength(4);
      for (const r of hostRules) expect(r).toMatchObject({ status: 'skipped', reason });
      expect(report.results.find((r) => r.ruleId === 'path-slow')?.status).toBe('pass');
    });
  });
});

describe('lifeline doctor --app-keepalive', () => {
  it('a bad duration is one line naming the option, exit 2', async () => {
    for (const bad of ['abc', '0', '-5s', ''])
      expectOneLineError(
        await runCli(['doctor', 'redis://127.0.0.1:1', '--app-keepalive', bad]),
        /option '--app-keepalive <duration>' argument .* is invalid\. expected a duration such as 350, 350s or 5m/,
      );
  });

  it.runIf(isLinux)('the CLI passes it to the rule (JSON report)', async () => {
    await withRedis({}, async (server) => {
      const defaulted = await rawSocket(server.port);
      defaulted.setKeepAlive(true); // the kernel's tcp_keepalive_time, not the 30 s the app believes
      const result = await runCli([
        'doctor',
        server.url,
        '--only',
        'client-keepalive-not-armed',
        '--app-keepalive',
        '30s',
        '--json',
        '--fail-on',
        'none',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { results: { status: string; evidence: object }[] };
      expect(report.results[0]).toMatchObject({
        status: 'finding',
        evidence: { appKeepaliveSeconds: 30, armedLonger: 1 },
      });
    });
  });
});

const sock = (port: number, more: Partial<HostSocket> = {}): HostSocket => ({
  local: `10.0.0.10:${port}`,
  remote: '10.0.0.5:6379',
  state: 'TIME_WAIT',
  timer: 'time-wait',
  timerMs: 30_000,
  keepalive: undefined,
  retransmits: 0,
  probesOut: 0,
  txQueue: 0,
  rxQueue: 0,
  ...more,
});

function withTimeWait(count: number, localPorts = { low: 32768, high: 60999 }, twReuse = 2): Evidence {
  const base = fixtureEvidence('redis-7.4.1', 'healthy');
  const sockets = Array.from({ length: Math.min(count, 2_000) }, (_, i) => sock(40_000 + i));
  return {
    ...base,
    target: { ...base.target, host: '10.0.0.5' },
    hostSockets: ok({
      addresses: ['10.0.0.5'],
      port: 6379,
      byState: { TIME_WAIT: count },
      total: count,
      sockets,
      owners: [],
      unowned: 0,
      ownLeftOut: 1,
      truncated: [],
      ss: 'used',
      timeWait: {
        count,
        closedLast10s: Math.round(count / 6),
        perSecondLastMinute: Math.round((count / 60) * 100) / 100,
        perSecondLast10s: Math.round((count / 60) * 100) / 100,
        localPorts,
        twReuse,
      },
    }),
  };
}

const result = (evidence: Evidence, id: string) => diagnose(evidence, { only: [id] }).results[0];

describe('client-time-wait-pile on synthetic evidence', () => {
  it('49 is quiet, 50 a pile; critical when half the local ports are in TIME_WAIT without tcp_tw_reuse', () => {
    expect(result(withTimeWait(49), 'client-time-wait-pile')?.status).toBe('pass');
    expect(result(withTimeWait(50), 'client-time-wait-pile')).toMatchObject({
      status: 'finding',
      severity: 'warning',
    });
    const exhausting = result(withTimeWait(20_000), 'client-time-wait-pile');
    expect(exhausting).toMatchObject({ status: 'finding', severity: 'critical' });
    expect(exhausting?.message).toContain('EADDRNOTAVAIL');
    expect(exhausting?.fix.map((f) => f.command)).toContain('sysctl -w net.ipv4.tcp_tw_reuse=1');
    // tcp_tw_reuse=1 lets connect() take those ports: still churn, not exhaustion.
    expect(result(withTimeWait(20_000, undefined, 1), 'client-time-wait-pile')?.severity).toBe('warning');
  });

  it('is skipped when /proc/net/tcp cannot be read', () => {
    const evidence = { ...withTimeWait(100), hostSockets: unavailable('/proc/net/tcp is not readable') };
    expect(result(evidence, 'client-time-wait-pile')).toMatchObject({
      status: 'skipped',
      reason: '/proc/net/tcp is not readable',
    });
  });
});
