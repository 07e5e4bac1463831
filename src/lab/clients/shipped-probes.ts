import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** probes/ ships inside the package, beside src/ and dist/. */
const probePath = (file: string) => fileURLToPath(new URL(`../../../probes/${file}`, import.meta.url));

interface ShippedProbe {
  /** The Debian packages the probe needs (the one-line error names them). */
  packages: string;
  /** The command that runs it, built first when it is compiled. */
  command(): Promise<string>;
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

/** The probes shipped for clients in other languages: `lifeline lab --client <name>` runs them. */
export const SHIPPED_PROBES: Readonly<Record<string, ShippedProbe>> = {
  'redis-py': {
    packages: 'python3-redis',
    command: async () => `python3 ${quote(probePath('redis-py-probe.py'))}`,
  },
  'redis-rb': {
    packages: 'ruby-redis',
    command: async () => `ruby ${quote(probePath('redis-rb-probe.rb'))}`,
  },
  phpredis: {
    packages: 'php-cli php-redis',
    command: async () => `php ${quote(probePath('phpredis-probe.php'))}`,
  },
  hiredis: { packages: 'gcc libhiredis-dev libcjson-dev', command: () => buildHiredisProbe() },
};

const BUILD_MS = 60_000;

/**
 * The hiredis probe is C: compiled once per source version into the temp directory (never into the
 * package), with the system's hiredis and cJSON.
 */
async function buildHiredisProbe(): Promise<string> {
  const source = probePath('hiredis-probe.c');
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `lifeline-hiredis-probe-${digest}`);
  const binary = join(dir, 'hiredis-probe');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const output = `${binary}.${process.pid}`;
    try {
      await promisify(execFile)('cc', ['-O2', '-o', output, source, '-lhiredis', '-lcjson', '-lpthread'], {
        timeout: BUILD_MS,
      });
      await promisify(execFile)('mv', ['-f', output, binary]);
    } catch (error) {
      const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message)
        .trim()
        .split('\n')[0];
      throw new Error(
        `could not build the hiredis probe (${detail}); it needs: apt-get install -y ${SHIPPED_PROBES.hiredis?.packages}`,
      );
    }
  }
  return quote(binary);
}
