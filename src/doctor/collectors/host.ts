import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { localServerProcess } from '../../core/local-server.js';
import type { Info } from '../../core/parse-info.js';
import { type Collected, type HostFacts, type OomKill, ok, unavailable } from '../evidence.js';
import type { CollectorContext } from './context.js';

// "Killed process" since Linux 4.x; older kernels wrote "Kill process N (comm) or sacrifice child".
const OOM_LINE = /Kill(?:ed)? process (\d+) \(((?:redis|valkey)[\w-]*)\)/;

/** Host facts, only when the server provably runs on this machine (its process_id is ours to see). */
export async function collectHost(
  ctx: CollectorContext,
  info: Collected<Info>,
): Promise<Collected<HostFacts>> {
  if (info.status !== 'ok')
    return unavailable('INFO is not available, so the server process cannot be found');
  const pid = info.value.fields.process_id;
  const here = await localServerProcess(ctx.target.host, pid);
  if ('reason' in here) return unavailable(here.reason);
  const comm = here.comm;

  const limits = await readText(`/proc/${pid}/limits`);
  const openFiles = limits ? /Max open files\s+(\d+)/.exec(limits)?.[1] : undefined;
  const meminfo = await readText('/proc/meminfo');
  const memKb = meminfo ? /MemTotal:\s+(\d+) kB/.exec(meminfo)?.[1] : undefined;
  return ok({
    processComm: comm,
    overcommitMemory: toNumber(await readText('/proc/sys/vm/overcommit_memory')),
    transparentHugePages: (await readText('/sys/kernel/mm/transparent_hugepage/enabled'))?.trim(),
    somaxconn: toNumber(await readText('/proc/sys/net/core/somaxconn')),
    openFilesLimit: openFiles ? Number(openFiles) : undefined,
    totalMemoryBytes: memKb ? Number(memKb) * 1024 : undefined,
    oomKills: await findOomKills(ctx.timeoutMs),
  });
}

/** Kernel OOM-killer records naming redis-server/valkey-server, from dmesg or the journal. */
async function findOomKills(timeoutMs: number): Promise<Collected<OomKill[]>> {
  const attempts: [string, string[]][] = [
    ['dmesg', []],
    ['journalctl', ['-k', '-q', '--no-pager', '-n', '5000']],
  ];
  const failures: string[] = [];
  for (const [command, args] of attempts) {
    const output = await run(command, args, timeoutMs);
    if (typeof output !== 'string') {
      failures.push(`${command}: ${output.error}`);
      continue;
    }
    const kills: OomKill[] = [];
    for (const line of output.split('\n')) {
      const match = OOM_LINE.exec(line);
      // Some kernels print both "Kill process" and "Killed process" for one kill: one per pid.
      if (match && !kills.some((k) => k.pid === Number(match[1])))
        kills.push({ pid: Number(match[1]), process: match[2] ?? '', line: line.trim().slice(0, 300) });
    }
    return ok(kills);
  }
  return unavailable(`kernel log not readable (${failures.join('; ')})`);
}

function run(command: string, args: string[], timeoutMs: number): Promise<string | { error: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout) => {
      if (error)
        resolve({
          error:
            (error as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'not installed'
              : (error.message.split('\n')[0] ?? ''),
        });
      else resolve(stdout);
    });
  });
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

const toNumber = (text: string | undefined): number | undefined =>
  text === undefined || text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text);
