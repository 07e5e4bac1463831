import { describe, expect, it } from 'vitest';
import { classifyLogMessage } from '../../../src/core/log/classify-log-event.js';
import { parseLogLine } from '../../../src/core/log/parse-log-line.js';
import { summarizeLog } from '../../../src/core/log/summarize-log.js';
import { fixtureVersions, readFixture } from '../../support/fixture-evidence.js';

describe('parseLogLine', () => {
  it('reads the legacy format: pid:role timestamp level message', () => {
    const line = parseLogLine('26283:M 22 Nov 2026 02:04:59.124 # Server initialized');
    expect(line).toMatchObject({ pid: 26283, role: 'M', level: 'warning', message: 'Server initialized' });
    expect(new Date(line?.at ?? 0).getMinutes()).toBe(4);
  });

  it("reads Valkey's logfmt format", () => {
    const line = parseLogLine(
      'pid=42 role=primary timestamp="2026-11-22T02:04:59.124+00:00" level=warning message="Client id=3 addr=1.2.3.4:5 flags=P closed for overcoming of output buffer limits."',
    );
    expect(line).toMatchObject({
      pid: 42,
      role: 'M',
      level: 'warning',
      at: Date.parse('2026-11-22T02:04:59.124Z'),
    });
    expect(classifyLogMessage(line?.message ?? '')).toMatchObject({
      kind: 'output-buffer-kill',
      client: { flags: 'P' },
    });
  });

  it('returns undefined for lines that are not log lines', () => {
    expect(parseLogLine('hello world')).toBeUndefined();
    expect(parseLogLine('')).toBeUndefined();
  });
});

describe('classifyLogMessage', () => {
  it.each([
    ['MASTER timeout: no data nor PING received...', 'replication-timeout'],
    ['PRIMARY timeout: no data nor PING received...', 'replication-timeout'],
    ['Connection with replica 10.0.0.2:6379 lost.', 'replication-link-lost'],
    ['Redis 7.0.15 crashed by signal: 11, si_code: 1', 'crash'],
    ['=== REDIS BUG REPORT START: Cut & paste starting from here ===', 'crash'],
    ['Background saving terminated by signal 9', 'fork-child-killed'],
    [
      'Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit.',
      'maxclients-reduced',
    ],
    ['Accepting client connection: accept: Too many open files', 'accept-failed'],
    ['Received SIGTERM scheduling shutdown...', 'shutdown-requested'],
  ])('%s → %s', (message, kind) => {
    expect(classifyLogMessage(message)?.kind).toBe(kind);
  });

  it('keeps the victim but never the query-buffer bytes', () => {
    const message = `Closing client that reached max query buffer length: id=5 addr=127.0.0.1:1 name=big flags=N qbuf=1114059 cmd=set (qbuf initial bytes: "AUTH hunter2")`;
    const event = classifyLogMessage(message);
    expect(event?.client).toMatchObject({ name: 'big', qbuf: '1114059' });
    expect(JSON.stringify(event)).not.toContain('hunter2');
  });
});

describe('summarizeLog', () => {
  it.each(fixtureVersions())('%s: a SHUTDOWN restart is two runs, the first ended cleanly', (version) => {
    const { runs } = summarizeLog(readFixture(version, 'restart', 'server.log'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      endedCleanly: true,
      shutdownRequested: true,
      current: false,
      startSeen: true,
    });
    expect(runs[1]).toMatchObject({ current: true, startSeen: true });
    expect(runs[0]?.pid).not.toBe(runs[1]?.pid);
  });

  it.each(fixtureVersions())('%s: a kill -9 restart is two runs, the first never ended', (version) => {
    const { runs } = summarizeLog(readFixture(version, 'crash-restart', 'server.log'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ endedCleanly: false, shutdownRequested: false });
  });

  it('a tail that starts mid-run opens an implicit run, not a phantom crash', () => {
    const tail = [
      '100:M 22 Nov 2026 02:00:00.000 * DB saved on disk',
      '100:M 22 Nov 2026 02:00:01.000 # Redis is now ready to exit, bye bye...',
      '101:C 22 Nov 2026 02:00:02.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
    ].join('\n');
    const { runs } = summarizeLog(tail);
    expect(runs.map((r) => [r.startSeen, r.endedCleanly, r.current])).toEqual([
      [false, true, false],
      [true, false, true],
    ]);
  });

  it('counts garbage lines as read but not parsed', () => {
    const summary = summarizeLog('GET / HTTP/1.1\nHost: x\n\u0001\u0002 binary');
    expect(summary).toMatchObject({ linesRead: 3, linesParsed: 0, format: 'unknown', runs: [] });
  });

  it('keeps a bounded number of events per kind', () => {
    const line = (i: number) =>
      `7:M 22 Nov 2026 02:00:00.000 # Client id=${i} addr=127.0.0.1:${i} flags=P omem=1 cmd=subscribe scheduled to be closed ASAP for overcoming of output buffer limits.`;
    const summary = summarizeLog(Array.from({ length: 500 }, (_, i) => line(i)).join('\n'));
    expect(summary.counts['output-buffer-kill']).toBe(500);
    expect(summary.events.length).toBe(50);
    expect(summary.events.at(-1)?.client?.id).toBe('499');
  });
});
