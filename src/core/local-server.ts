import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 (bracketed or not) and localhost: this machine, and nothing else. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * The server's process, when it provably runs on this machine: reached on a loopback address, and its
 * INFO process_id names a redis or valkey process here (not another host's, not another container's).
 * Only then are its log file and host facts this machine's to read.
 */
export async function localServerProcess(
  host: string,
  pid: string | number | undefined,
): Promise<{ comm: string } | { reason: string }> {
  if (!isLoopback(host)) return { reason: `the server (${host}) is not on this host` };
  if (pid === undefined || pid === '') return { reason: 'INFO gave no process_id' };
  const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
  if (!/redis|valkey/.test(comm))
    return { reason: `process ${pid} is not visible here (the server runs in another host or container)` };
  return { comm };
}
