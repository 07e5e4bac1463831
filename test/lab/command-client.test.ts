import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/lab/run-lab.js';
import type { TrackedCommand } from '../../src/lab/scenarios/app-traffic.js';
import { expectOneLineError, runCli } from '../support/run-cli.js';

const PROBE = 'python3 probes/redis-py-probe.py';
const RESET =
  /^redis\.exceptions\.ConnectionError: Error while reading from 127\.0\.0\.1:\d+ : \(104, 'Connection reset by peer'\)$/;
const CLOSED = /^redis\.exceptions\.ConnectionError: Connection closed by server\.$/;
const RB_REFUSED =
  /^Redis::CannotConnectError: Error connecting to Redis on 127\.0\.0\.1:\d+ \(Errno::ECONNREFUSED\)$/;
const REFUSED =
  /^redis\.exceptions\.ConnectionError: Error 111 connecting to 127\.0\.0\.1:\d+\. Connection refused\.$/;

const RB_PROBE = 'ruby probes/redis-rb-probe.rb';
const SCENARIOS = [
  'restart',
  'client-kill',
  'reply-lost-incr',
  'blackhole-in-flight',
  'output-buffer-pubsub',
];
type LabReport = Awaited<ReturnType<typeof runLab>>;
const errors = (commands: TrackedCommand[]) => commands.filter((c) => c.outcome === 'error');

/** Runs the five scenarios through a probe; asserts what holds for every client, returns a lookup. */
async function runProbe(client: string, clientCommand: string, twiceIn: string[] = []) {
  const report: LabReport = await runLab({ client, clientCommand, only: SCENARIOS });
  expect(report.client).toBe(client);
  expect(report.summary.error).toBe(0);
  for (const { measurement, verdict } of report.results) {
    expect(measurement.error, measurement.scenario).toBeUndefined();
    // Every write accounted for: acknowledged + rejected = sent (none left pending); an acknowledged
    // write ran exactly once, except where the client is known to send it again (twiceIn).
    const writes = measurement.commands.filter((c) => c.kind === 'write');
    const ok = writes.filter((c) => c.outcome === 'ok');
    const rejected = writes.filter((c) => c.outcome === 'error');
    expect(ok.length + rejected.length, measurement.scenario).toBe(writes.length);
    const twice = twiceIn.includes(measurement.scenario) ? 1 : 0;
    expect(ok.filter((w) => measurement.executions[w.seq] !== 1).length, measurement.scenario).toBe(twice);
    expect(verdict.executedTwice, measurement.scenario).toBe(twice);
    expect(verdict.lostSilently).toBe(0);
    expect(verdict.recoverMs, measurement.scenario).not.toBeNull();
  }
  return (id: string) => {
    const found = report.results.find((r) => r.measurement.scenario === id);
    if (!found) throw new Error(`no result for ${id}`);
    return found;
  };
}

describe('lifeline lab --client-cmd: a client in another language through the probe protocol', () => {
  it('runs redis-py (probes/redis-py-probe.py) through five scenarios; its errors are its own, verbatim', async () => {
    const result = await runProbe('redis-py', PROBE);
    // SIGTERM, down 1 s: a write on the closing connection may meet the reset (or the close), then each write in the
    // gap is refused at once; none is retried.
    const restart = result('restart');
    const restartErrors = errors(restart.measurement.commands).map((c) => c.error ?? '');
    expect(restartErrors.filter((e) => REFUSED.test(e)).length).toBeGreaterThan(3);
    for (const e of restartErrors)
      expect(e).toMatch(new RegExp(`${REFUSED.source}|${RESET.source}|${CLOSED.source}`));
    expect(restart.verdict).toMatchObject({ status: 'ok', neverSettled: 0 });

    // The pool reconnects a killed idle connection when it hands it out: the app sees nothing.
    const kill = result('client-kill');
    expect(errors(kill.measurement.commands)).toEqual([]);
    expect(kill.verdict).toMatchObject({ status: 'ok', detectMs: null });

    // The INCR ran, its reply was lost: rejected with the reset, not sent again.
    const lost = result('reply-lost-incr');
    expect(errors(lost.measurement.commands).map((c) => c.error)).toEqual([expect.stringMatching(RESET)]);
    expect(lost.verdict).toMatchObject({ status: 'ok', ranButRejected: 1, executedTwice: 0 });

    // No socket timeout by default: the write hangs until the path comes back, then the reset.
    const blackhole = result('blackhole-in-flight');
    const [hung] = errors(blackhole.measurement.commands);
    expect(hung?.error).toMatch(RESET);
    expect((hung?.settledAt ?? 0) - (hung?.sentAt ?? 0)).toBeGreaterThanOrEqual(7000);
    expect(blackhole.verdict).toMatchObject({ status: 'fail', neverSettled: 1, lostWithError: 1 });

    // The slow subscriber is cut: the reader loop's get_message raises, the next one resubscribes.
    const pubsub = result('output-buffer-pubsub');
    expect(pubsub.measurement.events).toContainEqual(
      expect.objectContaining({
        role: 'subscriber',
        event: 'error',
        name: 'redis.exceptions.ConnectionError',
        message: 'Connection closed by server.',
      }),
    );
    expect(pubsub.verdict.messagesLost).toBeGreaterThan(0);
    expect(pubsub.verdict).toMatchObject({ status: 'fail', toldAboutMessageLoss: false });
  }, 90_000);

  it('runs redis-rb (probes/redis-rb-probe.rb) through the same five scenarios; its errors verbatim', async () => {
    // reply-lost-incr: redis-rb's default reconnect_attempts (1) sends the INCR again on a new connection.
    const result = await runProbe('redis-rb', RB_PROBE, ['reply-lost-incr']);

    // Down 1 s: each write in the gap is refused at once (its one reconnect attempt is refused too).
    const restart = result('restart');
    const restartErrors = errors(restart.measurement.commands).map((c) => c.error ?? '');
    expect(restartErrors.length).toBeGreaterThan(3);
    for (const e of restartErrors) expect(e).toMatch(RB_REFUSED);
    expect(restart.verdict).toMatchObject({ status: 'ok', neverSettled: 0 });

    // A killed idle connection is reconnected on the next command: the app sees nothing.
    const kill = result('client-kill');
    expect(errors(kill.measurement.commands)).toEqual([]);
    expect(kill.verdict).toMatchObject({ status: 'ok', detectMs: null });

    // The INCR ran, its reply was lost: redis-rb reconnects and sends it again, and reports success.
    const lost = result('reply-lost-incr');
    expect(errors(lost.measurement.commands)).toEqual([]);
    expect(lost.verdict).toMatchObject({ status: 'fail', executedTwice: 1, ranButRejected: 0 });

    // The write hangs past its 5 s read timeout until the path comes back, then the reset.
    const blackhole = result('blackhole-in-flight');
    const [hung] = errors(blackhole.measurement.commands);
    expect(hung?.error).toBe('Redis::ConnectionError: Connection lost (ECONNRESET)');
    expect((hung?.settledAt ?? 0) - (hung?.sentAt ?? 0)).toBeGreaterThanOrEqual(7000);
    expect(blackhole.verdict).toMatchObject({ status: 'fail', neverSettled: 1, lostWithError: 1 });

    // The slow subscriber is cut: redis-rb reconnects and resubscribes inside subscribe, raising nothing.
    const pubsub = result('output-buffer-pubsub');
    expect(pubsub.measurement.events.filter((e) => e.role === 'subscriber' && e.event === 'error')).toEqual(
      [],
    );
    expect(pubsub.verdict.messagesLost).toBeGreaterThan(0);
    expect(pubsub.verdict).toMatchObject({ status: 'fail', toldAboutMessageLoss: false });
  }, 90_000);

  it.each([
    [
      'a command that does not exist',
      'no-such-probe-xyz',
      /probe "no-such-probe-xyz" exited \(code 127\); stderr: .*not found/,
    ],
    [
      'a probe that prints garbage',
      'echo hello; sleep 30',
      /probe "echo hello; sleep 30" printed a line that is not a protocol JSON object: "hello"/,
    ],
    ['a probe that exits at once', 'exit 3', /probe "exit 3" exited \(code 3\)/],
  ])('%s: one line naming it before any scenario, at once', async (_, command, message) => {
    const started = performance.now();
    await expect(runLab({ client: 'x', clientCommand: command, only: ['client-kill'] })).rejects.toThrow(
      message,
    );
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a probe that dies in a scenario: that scenario errors with one line naming it, bounded', async () => {
    const command = `echo '{"event":"ready","library":"fake"}'; read line; echo oops >&2; exit 4`;
    const report = await runLab({ client: 'fake', clientCommand: command, only: ['client-kill'] });
    expect(report.summary.error).toBe(1);
    expect(report.results[0]?.measurement.error).toBe(`probe "${command}" exited (code 4); stderr: oops`);
  });

  it('the CLI: the report names the probe by its first word; bad input is one line, exit 2', async () => {
    const { code, stdout } = await runCli(
      ['lab', '--client-cmd', PROBE, '--only', 'client-kill', '--json'],
      {},
      30_000,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ client: 'python3', summary: { ok: 1 } });
    expectOneLineError(
      await runCli(['lab', '--client-cmd', 'exit 3', '--only', 'client-kill']),
      /^lifeline: probe "exit 3" exited \(code 3\)$/,
    );
    expectOneLineError(
      await runCli(['lab', '--client', 'ioredis', '--client-cmd', PROBE]),
      /--client and --client-cmd exclude each other/,
    );
    expectOneLineError(
      await runCli(['lab', '--client-name', 'x']),
      /--client-name names a --client-cmd client/,
    );
  }, 40_000);
});
