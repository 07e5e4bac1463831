import { describe, expect, it } from 'vitest';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { type Evidence, ok } from '../../src/doctor/evidence.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';

/** Edge cases the captures do not cover, built by editing a captured evidence set. */
const result = (evidence: Evidence, id: string) => diagnose(evidence, { only: [id] }).results[0];

function withInfo(evidence: Evidence, fields: Record<string, string>): Evidence {
  if (evidence.info.status !== 'ok') throw new Error('fixture without INFO');
  return {
    ...evidence,
    info: ok({ ...evidence.info.value, fields: { ...evidence.info.value.fields, ...fields } }),
  };
}

describe('rule edge cases', () => {
  it('tcp-keepalive-above-lb-idle warns only when the load balancer timeout is given', () => {
    const healthy = fixtureEvidence('redis-7.4.1', 'healthy');
    expect(result(healthy, 'tcp-keepalive-above-lb-idle')).toMatchObject({
      status: 'finding',
      severity: 'info',
    });
    const given = fixtureEvidence('redis-7.4.1', 'healthy', { settings: { lbIdleTimeoutS: 240 } });
    const r = result(given, 'tcp-keepalive-above-lb-idle');
    expect(r).toMatchObject({ status: 'finding', severity: 'warning', confidence: 'high' });
    expect(r?.fix[0]?.command).toContain('CONFIG SET tcp-keepalive 120');
    // Clients already probe every 30 s: the advice must not lengthen that.
    expect(r?.fix.map((f) => f.command).join('\n')).not.toMatch(/keepAlive: 120000/);
    const longer = fixtureEvidence('redis-7.4.1', 'healthy', { settings: { lbIdleTimeoutS: 350 } });
    expect(result(longer, 'tcp-keepalive-above-lb-idle')?.status).toBe('pass');
  });

  it('connection-churn fires on a reconnect storm, not on a steady pool', () => {
    const base = fixtureEvidence('redis-7.2.6', 'healthy');
    const storm = withInfo(base, {
      uptime_in_seconds: '600',
      total_connections_received: '6000',
      connected_clients: '20',
    });
    expect(result(storm, 'connection-churn')).toMatchObject({ status: 'finding', severity: 'warning' });
    const steady = withInfo(base, {
      uptime_in_seconds: '86400',
      total_connections_received: '6000',
      connected_clients: '200',
    });
    expect(result(steady, 'connection-churn')?.status).toBe('pass');
  });

  it('maxclients-near fires at 80% with an absolute floor', () => {
    const base = fixtureEvidence('redis-7.4.1', 'healthy');
    expect(
      result(withInfo(base, { connected_clients: '850', maxclients: '1000' }), 'maxclients-near')?.status,
    ).toBe('finding');
    expect(
      result(withInfo(base, { connected_clients: '4', maxclients: '5' }), 'maxclients-near')?.status,
    ).toBe('pass');
  });

  it('memory-near-limit: a full cache that evicts keys is info, noeviction is a warning', () => {
    const base = withInfo(fixtureEvidence('redis-7.4.1', 'healthy'), {
      used_memory: String(950 * 1024 ** 2),
      maxmemory: String(1000 * 1024 ** 2),
      maxmemory_policy: 'allkeys-lru',
    });
    expect(result(base, 'memory-near-limit')).toMatchObject({ status: 'finding', severity: 'info' });
    const noeviction = withInfo(base, { maxmemory_policy: 'noeviction' });
    expect(result(noeviction, 'memory-near-limit')).toMatchObject({ status: 'finding', severity: 'warning' });
  });

  it('big-replies: KEYS in commandstats, unbounded ranges in the slowlog, bounded ones ignored', () => {
    const base = fixtureEvidence('redis-7.4.1', 'healthy');
    if (base.info.status !== 'ok') throw new Error('no info');
    const withKeys: Evidence = {
      ...base,
      info: ok({
        ...base.info.value,
        sections: {
          ...base.info.value.sections,
          commandstats: { cmdstat_keys: 'calls=7,usec=10,usec_per_call=1.43' },
        },
      }),
    };
    expect(result(withKeys, 'big-replies')).toMatchObject({ status: 'finding', severity: 'warning' });
    const slow = (command: string): Evidence => ({
      ...base,
      slowlog: ok([{ id: 1, at: 0, durationUs: 20_000, command, client: '' }]),
    });
    expect(result(slow('LRANGE key 0 -1'), 'big-replies')?.status).toBe('finding');
    expect(result(slow('XRANGE key - + COUNT 10'), 'big-replies')?.status).toBe('pass');
  });

  it('oom-killed: a killed server pid is critical, a killed fork child is info', () => {
    const crash = fixtureEvidence('redis-7.0.15', 'crash-restart');
    if (crash.log.status !== 'ok') throw new Error('no log');
    const firstPid = crash.log.value.runs[0]?.pid ?? 0;
    const host = (pid: number) =>
      ok({
        processComm: 'redis-server',
        overcommitMemory: 1,
        transparentHugePages: undefined,
        somaxconn: 4096,
        openFilesLimit: 10032,
        totalMemoryBytes: 8 * 1024 ** 3,
        oomKills: ok([
          { pid, process: 'redis-server', line: `Out of memory: Killed process ${pid} (redis-server)` },
        ]),
      });
    expect(result({ ...crash, host: host(firstPid) }, 'oom-killed')).toMatchObject({
      severity: 'critical',
      confidence: 'high',
    });
    const childLog = {
      ...crash.log.value,
      counts: { ...crash.log.value.counts, 'fork-child-killed': 1 },
    };
    const child = { ...crash, host: host(99999), log: ok({ ...childLog }) };
    expect(result(child, 'oom-killed')).toMatchObject({ severity: 'info' });
  });

  it('a crash long before the current run is history, not an emergency', () => {
    const crash = withInfo(fixtureEvidence('redis-7.2.6', 'crash-restart'), {
      server_time_usec: String(Date.parse('2026-12-30T00:00:00Z') * 1000),
    });
    expect(result(crash, 'server-crashed')).toMatchObject({ status: 'finding', severity: 'info' });
  });

  it('a rule that throws is reported as crashed and does not hide the others', () => {
    const broken = { ...fixtureEvidence('redis-7.4.1', 'healthy') } as Evidence;
    Object.defineProperty(broken, 'settings', {
      get() {
        throw new Error('boom');
      },
    });
    const report = diagnose(broken);
    expect(report.results.some((r) => r.status === 'crashed' && r.reason === 'boom')).toBe(true);
    expect(report.results.some((r) => r.status === 'pass')).toBe(true);
  });

  it('replication-link-drops: timeouts and lost links in the log are a warning, a link down now is critical', () => {
    const base = fixtureEvidence('redis-7.2.6', 'healthy');
    expect(result(base, 'replication-link-drops')?.status).toBe('pass');
    // A replica's log lines as Redis writes them (replication.c).
    const lines = [
      '27444:S 22 Nov 2026 03:10:00.001 # MASTER timeout: no data nor PING received...',
      '27444:S 22 Nov 2026 03:10:00.002 # Connection with master lost.',
      '27444:S 22 Nov 2026 03:12:00.000 # Timeout connecting to the MASTER...',
    ].join('\n');
    const withLog: Evidence = {
      ...base,
      log: ok({
        ...summarizeLog(lines),
        path: 'server.log',
        fileBytes: lines.length,
        bytesRead: lines.length,
        tailOnly: false,
        source: 'option',
      }),
    };
    const logged = result(withLog, 'replication-link-drops');
    expect(logged).toMatchObject({
      status: 'finding',
      severity: 'warning',
      evidence: { logTimeouts: 2, logLinkLost: 1, master_link_status: null },
    });
    expect(logged?.fix.map((f) => f.command).join('\n')).toMatch(/repl-timeout 120/);
    const down = withInfo(base, {
      role: 'slave',
      master_link_status: 'down',
      master_link_down_since_seconds: '42',
    });
    const linkDown = result(down, 'replication-link-drops');
    expect(linkDown).toMatchObject({ status: 'finding', severity: 'critical' });
    expect(linkDown?.message).toMatch(/link to its master is down \(for 42 s\)/);
    expect(
      result(withInfo(down, { master_link_down_since_seconds: '-1' }), 'replication-link-drops')?.message,
    ).toMatch(/never came up/);
  });

  it('somaxconn-below-backlog: the kernel accept queue smaller than tcp-backlog, only when the host is known', () => {
    const base = fixtureEvidence('redis-7.0.15', 'healthy');
    const host = (somaxconn: number): Evidence => ({
      ...base,
      host: ok({
        processComm: 'redis-server',
        overcommitMemory: 1,
        transparentHugePages: 'never',
        somaxconn,
        openFilesLimit: 65536,
        totalMemoryBytes: 8 * 1024 ** 3,
        oomKills: ok([]),
      }),
    });
    // The captures run with the default tcp-backlog 511.
    const capped = result(host(128), 'somaxconn-below-backlog');
    expect(capped).toMatchObject({
      status: 'finding',
      severity: 'warning',
      evidence: { 'tcp-backlog': 511, 'net.core.somaxconn': 128 },
    });
    expect(capped?.fix[0]?.command).toBe('sysctl net.core.somaxconn=511');
    expect(result(host(4096), 'somaxconn-below-backlog')?.status).toBe('pass');
    expect(result(base, 'somaxconn-below-backlog')).toMatchObject({ status: 'skipped' });
  });
});
