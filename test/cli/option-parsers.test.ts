import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { reachesFailOn } from '../../src/cli/exit-codes.js';
import {
  bytes,
  commaList,
  milliseconds,
  port,
  positiveNumber,
  proxySpec,
  seconds,
} from '../../src/cli/option-parsers.js';
import { expectOneLineError, runCli } from '../support/run-cli.js';

/** What no port option takes: before, watch's --metrics-port took "1e3" (1000), "0x10" (16), "" (0) and " 80". */
const NOT_PORTS = ['1e3', '0x10', '80.5', '', '65536', ' 80', '-1', '+80', 'abc', '1_000', 'Infinity'];

function refuses(parse: (value: string) => unknown, value: string, message: RegExp): void {
  let error: unknown;
  try {
    parse(value);
  } catch (thrown) {
    error = thrown;
  }
  expect(error, JSON.stringify(value)).toBeInstanceOf(InvalidArgumentError);
  expect((error as Error).message).toMatch(message);
}

describe('option parsers', () => {
  it('port: whole decimal numbers from 0 (a free port) to 65535 only', () => {
    expect(port('0')).toBe(0);
    expect(port('6379')).toBe(6379);
    expect(port('65535')).toBe(65535);
    for (const value of NOT_PORTS) refuses(port, value, /^expected a port number from 0 to 65535/);
  });

  it('milliseconds and seconds: positive durations, a bare number in the unit named', () => {
    expect(milliseconds('500')).toBe(500);
    expect(milliseconds('5s')).toBe(5000);
    expect(milliseconds('2m')).toBe(120_000);
    expect(seconds('350')).toBe(350);
    expect(seconds('500ms')).toBe(0.5);
    expect(seconds('5m')).toBe(300);
    for (const value of ['0', '0s', '', '1e3', '-5', 'soon', '5d']) {
      refuses(milliseconds, value, /^expected a duration such as .*\(a bare number is ms\)$/);
      refuses(seconds, value, /^expected a duration such as .*\(a bare number is seconds\)$/);
    }
  });

  it('positiveNumber: plain decimals above 0', () => {
    expect(positiveNumber('20')).toBe(20);
    expect(positiveNumber('0.01')).toBe(0.01);
    expect(positiveNumber('.05')).toBe(0.05);
    for (const value of ['0', '0.0', '', '1e3', '0x10', '-1', 'Infinity', 'NaN', ' 5', '.']) {
      refuses(positiveNumber, value, /^expected a number above 0/);
    }
  });

  it('bytes: redis.conf sizes above 0', () => {
    expect(bytes('100mb')).toBe(100 * 1024 ** 2);
    expect(bytes('500k')).toBe(500_000);
    for (const value of ['0', '', '1e3', '10 parsecs'])
      refuses(bytes, value, /^expected a size such as 100mb$/);
  });

  it('commaList and proxySpec add up over repeats', () => {
    expect(commaList('a,,b', commaList('c'))).toEqual(['c', 'a', 'b']);
    expect(proxySpec('r==127.0.0.1:6379', proxySpec('s=127.0.0.1:1=127.0.0.1:2'))).toEqual([
      { name: 's', listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
      { name: 'r', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
    ]);
    for (const value of ['nonsense', '=127.0.0.1:1=127.0.0.1:2', 'r=127.0.0.1:1=', 'a=b=c=d'])
      refuses(proxySpec, value, /^expected name=LISTEN=UPSTREAM/);
  });

  it('reachesFailOn: at or above the severity; none never', () => {
    expect(reachesFailOn(['info', 'warning'], 'warning')).toBe(true);
    expect(reachesFailOn(['info'], 'warning')).toBe(false);
    expect(reachesFailOn(['critical'], 'critical')).toBe(true);
    expect(reachesFailOn(['info'], 'info')).toBe(true);
    expect(reachesFailOn([], 'info')).toBe(false);
    expect(reachesFailOn(['critical'], 'none')).toBe(false);
  });
});

describe('every command refuses the same values (built CLI): one line, exit 2', () => {
  // Parsing fails before anything connects or listens: no server needed.
  const invalid = (flags: string, value: string, expected: string) =>
    new RegExp(
      `^error: option '${flags}' argument '${value.replace(/[.+*?^$()[\]{}|\\]/g, '\\$&')}' is invalid\\. ${expected}`,
    );

  it.each(['1e3', '0x10', '80.5', '', '65536'])(
    'port %j: watch --metrics-port and proxy --port',
    async (value) => {
      const [watch, proxy] = await Promise.all([
        runCli(['watch', '--metrics-port', value]),
        runCli(['proxy', '--port', value]),
      ]);
      expectOneLineError(
        watch,
        invalid('--metrics-port <port>', value, 'expected a port number from 0 to 65535'),
      );
      expectOneLineError(proxy, invalid('--port <port>', value, 'expected a port number from 0 to 65535'));
    },
  );

  it('what watch took before and refuses now: --churn-per-second 0x10, --client-list-budget 1e-2', async () => {
    const [churn, budget] = await Promise.all([
      runCli(['watch', '--churn-per-second', '0x10']),
      runCli(['watch', '--client-list-budget', '1e-2']),
    ]);
    expectOneLineError(churn, invalid('--churn-per-second <n>', '0x10', 'expected a number above 0'));
    expectOneLineError(budget, invalid('--client-list-budget <share>', '1e-2', 'expected a number above 0'));
  });

  it('durations: the same words from doctor and watch', async () => {
    const [doctor, watch, doctorSeconds, watchSeconds] = await Promise.all([
      runCli(['doctor', '--timeout', '1e3']),
      runCli(['watch', '--timeout', '1e3']),
      runCli(['doctor', '--client-idle-timeout', '0']),
      runCli(['watch', '--client-idle-timeout', '0']),
    ]);
    const ms = 'expected a duration such as 500, 500ms, 5s or 10m \\(a bare number is ms\\)$';
    expectOneLineError(doctor, invalid('--timeout <duration>', '1e3', ms));
    expectOneLineError(watch, invalid('--timeout <duration>', '1e3', ms));
    const s = 'expected a duration such as 350, 350s or 5m \\(a bare number is seconds\\)$';
    expectOneLineError(doctorSeconds, invalid('--client-idle-timeout <duration>', '0', s));
    expectOneLineError(watchSeconds, invalid('--client-idle-timeout <duration>', '0', s));
  });
});
