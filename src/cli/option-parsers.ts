import { InvalidArgumentError, Option } from 'commander';
import { type NodeAddress, parseSentinelUrl } from '../core/redis-url.js';
import { parseBytes, parseDuration } from '../core/units.js';
import type { Severity } from '../doctor/report/types.js';
import type { ProxyFields } from '../lab/proxy/registry.js';

/**
 * The one set of option-value parsers of every command. Each returns the parsed value or throws
 * commander's InvalidArgumentError; commander then prints one line that names the option and the bad
 * value (`error: option '--port <port>' argument '1e3' is invalid. expected a port …`) and main()
 * exits 2. Numbers are plain decimals: no exponent, hex, sign, spaces or empty string.
 */

const WHOLE = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A port to listen on (every port option is one): a whole decimal number, 0 asking for a free one. */
export function port(value: string): number {
  const n = Number(value);
  if (!WHOLE.test(value) || n > 65_535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  return n;
}

/** A duration in milliseconds, more than zero: "500", "500ms", "5s", "10m", "1h" (a bare number is ms). */
export function milliseconds(value: string): number {
  const ms = parseDuration(value, 'ms');
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 500, 500ms, 5s or 10m (a bare number is ms)');
  return ms;
}

/** A duration in seconds, more than zero: "350", "350s", "5m", "500ms" (a bare number is seconds). */
export function seconds(value: string): number {
  const ms = parseDuration(value, 's');
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 350, 350s or 5m (a bare number is seconds)');
  return ms / 1000;
}

/** A decimal number more than zero: "20", "0.01", ".5". */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !(n > 0))
    throw new InvalidArgumentError('expected a number above 0, such as 20 or 0.01');
  return n;
}

/** A size in bytes, more than zero, with redis.conf units: "100mb", "1gb", "500k", "1048576". */
export function bytes(value: string): number {
  const n = parseBytes(value);
  if (n === undefined || n <= 0) throw new InvalidArgumentError('expected a size such as 100mb');
  return n;
}

/** A comma-separated list; the option may be repeated and the lists add up. */
export function commaList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

/**
 * `--sentinel host[:port]`, repeatable (or comma-separated): the sentinels to ask, port 26379 unless
 * told; an IPv6 host in brackets ("[::1]:26379").
 */
export function sentinelAddress(value: string, previous: NodeAddress[] = []): NodeAddress[] {
  const bad = () =>
    new InvalidArgumentError('expected host[:port] of a sentinel, e.g. 10.0.0.5:26379 or [::1]:26379');
  if (/[@/]/.test(value)) throw bad();
  try {
    // The same host list as in a redis+sentinel:// URL, read by the same parser.
    return [...previous, ...parseSentinelUrl(`redis+sentinel://${value}/-`).sentinels];
  } catch {
    throw bad();
  }
}

/** "name=LISTEN=UPSTREAM", e.g. redis=127.0.0.1:26379=127.0.0.1:6379 (an empty LISTEN picks a free port). */
export function proxySpec(value: string, previous: ProxyFields[] = []): ProxyFields[] {
  const parts = value.split('=');
  const [name, listen, upstream] = parts;
  if (parts.length !== 3 || !name || !upstream) {
    throw new InvalidArgumentError(
      'expected name=LISTEN=UPSTREAM, e.g. redis=127.0.0.1:26379=127.0.0.1:6379 (empty LISTEN: a free port)',
    );
  }
  return [...previous, { name, listen: listen || '127.0.0.1:0', upstream }];
}

export type FailOn = Severity | 'none';

/** `--fail-on <severity>`: critical, warning, info or none; warning unless told. */
export function failOnOption(description: string): Option {
  return new Option('--fail-on <severity>', description)
    .choices(['critical', 'warning', 'info', 'none'] satisfies FailOn[])
    .default('warning' satisfies FailOn);
}

/** `--format <format>` with these choices, the first one the default. */
export function formatOption(choices: readonly [string, ...string[]]): Option {
  return new Option('--format <format>', 'output format').choices(choices).default(choices[0]);
}
