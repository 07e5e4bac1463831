import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError, LifelineError } from '../core/errors.js';
import { type ControlApi, DEFAULT_CONTROL_PORT, startControlApi } from '../lab/proxy/control-api.js';
import type { FaultProxy } from '../lab/proxy/proxy.js';
import type { ProxyFields } from '../lab/proxy/registry.js';
import { port, proxySpec } from './option-parsers.js';

export interface ProxyCommandOptions {
  host: string;
  port: number;
  proxy: ProxyFields[];
  config?: string;
}

export function registerProxy(program: Command, io: { out: (s: string) => void }): void {
  program
    .command('proxy')
    .description('Run the fault proxy with a Toxiproxy-compatible HTTP control API (loopback only)')
    .option('--host <host>', 'control API address (loopback only)', '127.0.0.1')
    .option('--port <port>', 'control API port (0 picks a free one)', port, DEFAULT_CONTROL_PORT)
    .option(
      '--proxy <name=LISTEN=UPSTREAM>',
      'create a proxy at start (repeatable), e.g. redis=127.0.0.1:26379=127.0.0.1:6379',
      proxySpec,
      [],
    )
    .option('--config <file>', "create proxies from a JSON file in Toxiproxy's /populate format")
    .action(async (opts: ProxyCommandOptions) => {
      // Listen for the signals before starting, so one that arrives during the start still stops cleanly.
      let stop = () => {};
      const stopped = new Promise<void>((resolve) => {
        stop = () => resolve();
      });
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const api = await runProxy(opts, io);
        await stopped;
        await api.close();
      } finally {
        // A second signal during the close gets the default action: the process ends at once.
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

/** Starts the control API and the proxies asked for, and prints where they listen. */
export async function runProxy(
  opts: ProxyCommandOptions,
  io: { out: (s: string) => void },
): Promise<ControlApi> {
  const entries = [...(opts.config ? await readConfig(opts.config) : []), ...opts.proxy];
  let api: ControlApi;
  try {
    api = await startControlApi({ host: opts.host, port: opts.port });
  } catch (error) {
    throw cannotRun(error);
  }
  let proxies: FaultProxy[];
  try {
    proxies = entries.length > 0 ? await api.registry.populate(entries) : [];
  } catch (error) {
    await api.close();
    throw cannotRun(error, 'cannot create the proxies: ');
  }
  for (const p of proxies) {
    io.out(`proxy ${p.name}: ${p.listen} -> ${p.upstream}${p.enabled ? '' : ' (disabled)'}\n`);
  }
  io.out(`control API on ${api.url}\n`);
  return api;
}

async function readConfig(file: string): Promise<ProxyFields[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CannotRunError(
      ERROR_CODES.proxyConfig,
      `cannot read --config ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CannotRunError(
      ERROR_CODES.proxyConfig,
      `--config ${file} is not valid JSON (${(error as Error).message}); expected an array like [{"name": "redis", "listen": "127.0.0.1:26379", "upstream": "127.0.0.1:6379"}]`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new CannotRunError(
      ERROR_CODES.proxyConfig,
      `--config ${file} must hold a JSON array of proxies, like [{"name": "redis", "listen": "127.0.0.1:26379", "upstream": "127.0.0.1:6379"}]`,
    );
  }
  return parsed as ProxyFields[];
}

function cannotRun(error: unknown, prefix = ''): Error {
  if (error instanceof LifelineError) {
    return new CannotRunError(error.code, `${prefix}${error.message}`, { cause: error });
  }
  return error as Error;
}
