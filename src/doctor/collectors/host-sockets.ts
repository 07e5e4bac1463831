import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { endianness } from 'node:os';
import { isLoopback } from '../../core/local-server.js';
import {
  ipKey,
  isLoopbackKey,
  type ProcTcpSocket,
  parseProcNetTcp,
  type TcpState,
} from '../../core/parse-proc-net-tcp.js';
import { endpointKey, parseSs, type SsSocket } from '../../core/parse-ss.js';
import { doctorLocalPorts } from '../connect.js';
import {
  type Collected,
  type HostSocket,
  type HostSocketsFacts,
  ok,
  type SocketOwner,
  type TimeWaitFacts,
  unavailable,
} from '../evidence.js';
import type { CollectorContext } from './context.js';
import { probeLocalPorts } from './path-probe.js';

/** Bounds: a busy host has hundreds of thousands of sockets and thousands of processes. */
export const HOST_SOCKET_LIMITS = {
  /** Bytes read from each of /proc/net/tcp and tcp6 (~150 bytes a line: about 200,000 sockets). */
  procBytes: 32 * 1024 * 1024,
  /** Sockets to the target kept in the evidence (counts by state cover them all). */
  sockets: 2_000,
  /** Processes whose /proc/<pid>/fd is scanned for the sockets' inodes. */
  processes: 4_096,
  /** fd links read in all. */
  fdLinks: 500_000,
  /** Output of `ss` read. */
  ssBytes: 16 * 1024 * 1024,
} as const;

/**
 * This host's TCP sockets whose remote end is the target: what `netstat -an | grep 6379` and `ss -tn`
 * would show, with each socket's owner, keepalive timer and retransmissions. The doctor's own
 * connections are left out. Linux only (/proc/net/tcp); never throws.
 */
export async function collectHostSockets(ctx: CollectorContext): Promise<Collected<HostSocketsFacts>> {
  const started = performance.now();
  const budgetMs = Math.round(Math.max(200, Math.min(2_000, ctx.timeoutMs / 3)));
  const truncated: string[] = [];

  // ss runs in its own process, on another core, while this one reads /proc; it is awaited only when
  // there are sockets to join.
  let wanted: Set<string> | undefined;
  const ssRun = readSs(ctx.target.port, budgetMs, () => wanted);
  const v4 = readCapped('/proc/net/tcp', HOST_SOCKET_LIMITS.procBytes);
  const v6 = readCapped('/proc/net/tcp6', HOST_SOCKET_LIMITS.procBytes);
  if (v4 === undefined && v6 === undefined)
    return unavailable('/proc/net/tcp is not readable (not Linux, or /proc is not mounted)');
  for (const [name, read] of [
    ['tcp', v4],
    ['tcp6', v6],
  ] as const)
    if (read?.capped) truncated.push(`/proc/net/${name} read up to ${HOST_SOCKET_LIMITS.procBytes} bytes`);

  const target = await targetAddresses(ctx);
  if ('reason' in target) return unavailable(target.reason);
  // Thousands of sockets share a handful of remote addresses: each is judged once.
  const judged = new Map<string, boolean>();
  const matches = (address: string): boolean => {
    let match = judged.get(address);
    if (match === undefined) {
      const key = ipKey(address);
      match = key !== undefined && (target.loopback ? isLoopbackKey(key) : target.keys.has(key));
      judged.set(address, match);
    }
    return match;
  };

  const littleEndian = endianness() === 'LE';
  const own = doctorLocalPorts();
  for (const port of probeLocalPorts()) own.add(port);
  const live = ctx.redis.stream?.localPort;
  if (live !== undefined) own.add(live);
  const found: ProcTcpSocket[] = [];
  let ownLeftOut = 0;
  for (const text of [v4?.text, v6?.text]) {
    if (text === undefined) continue;
    for (const socket of parseProcNetTcp(text, { littleEndian, remotePort: ctx.target.port })) {
      if (socket.remote.port !== ctx.target.port || !matches(socket.remote.address)) continue;
      if (socket.state === 'LISTEN') continue;
      if (own.has(socket.local.port)) {
        ownLeftOut += 1;
        continue;
      }
      found.push(socket);
    }
  }

  const byState: Partial<Record<TcpState, number>> = {};
  for (const s of found) byState[s.state] = (byState[s.state] ?? 0) + 1;
  const timeWait = await timeWaitFacts(found);
  if (found.length > HOST_SOCKET_LIMITS.sockets)
    truncated.push(`${HOST_SOCKET_LIMITS.sockets} of ${found.length} sockets kept`);
  // The states the rules read first, so that a pile of TIME_WAIT never pushes them out.
  const order: Partial<Record<TcpState, number>> = { CLOSE_WAIT: 0, ESTABLISHED: 1 };
  const kept = [...found]
    .sort((a, b) => (order[a.state] ?? 2) - (order[b.state] ?? 2))
    .slice(0, HOST_SOCKET_LIMITS.sockets);

  wanted = new Set(
    kept.map(
      (s) =>
        `${endpointKey(endpoint(s.local.address, s.local.port))}>${endpointKey(endpoint(s.remote.address, s.remote.port))}`,
    ),
  );
  const owners = await findOwners(
    new Set(kept.map((s) => s.inode).filter((inode) => inode > 0)),
    started + budgetMs,
    truncated,
  );
  const ss: { sockets: SsSocket[] } | { reason: string } =
    kept.length > 0 ? await ssRun : { reason: 'no sockets to look up' };
  const ssByKey = new Map<string, SsSocket>();
  if (!('reason' in ss)) for (const s of ss.sockets) ssByKey.set(`${s.localKey}>${s.remoteKey}`, s);

  const sockets = kept.map((s) => describe(s, owners.byInode.get(s.inode), ssByKey));
  const ownerList: SocketOwner[] = [];
  for (const socket of sockets) {
    if (socket.pid === undefined) continue;
    let owner = ownerList.find((o) => o.pid === socket.pid);
    if (!owner) {
      owner = { pid: socket.pid, comm: socket.comm ?? '', byState: {} };
      ownerList.push(owner);
    }
    owner.byState[socket.state] = (owner.byState[socket.state] ?? 0) + 1;
  }
  ownerList.sort((a, b) => total(b.byState) - total(a.byState));

  return ok({
    addresses: target.loopback ? ['127.0.0.0/8', '::1'] : [...target.display],
    port: ctx.target.port,
    byState,
    total: found.length,
    sockets,
    owners: ownerList,
    unowned: sockets.filter((s) => s.pid === undefined && s.state !== 'TIME_WAIT').length,
    ownLeftOut,
    truncated,
    ss: 'reason' in ss ? { reason: ss.reason } : 'used',
    ...(timeWait ? { timeWait } : {}),
  });
}

/** Linux keeps a closed socket in TIME_WAIT this long (TCP_TIMEWAIT_LEN, not tunable). */
const TIME_WAIT_MS = 60_000;

/** The close rate that this host's TIME_WAIT sockets to the target show, with the port settings it runs into. */
async function timeWaitFacts(found: readonly ProcTcpSocket[]): Promise<TimeWaitFacts | undefined> {
  const timeWait = found.filter((s) => s.state === 'TIME_WAIT');
  if (timeWait.length === 0) return undefined;
  // Remaining ≥ 50 s: closed within the last 10 s.
  const recent = timeWait.filter((s) => s.timerMs >= TIME_WAIT_MS - 10_000).length;
  const range = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => ''))
    .trim()
    .split(/\s+/)
    .map(Number);
  const reuse = Number.parseInt(
    await readFile('/proc/sys/net/ipv4/tcp_tw_reuse', 'utf8').catch(() => ''),
    10,
  );
  const [low, high] = range;
  return {
    count: timeWait.length,
    closedLast10s: recent,
    perSecondLastMinute: Math.round((timeWait.length / 60) * 100) / 100,
    perSecondLast10s: Math.round((recent / 10) * 100) / 100,
    ...(low !== undefined && high !== undefined && low > 0 && high >= low
      ? { localPorts: { low, high } }
      : {}),
    ...(Number.isInteger(reuse) ? { twReuse: reuse } : {}),
  };
}

const total = (byState: Partial<Record<TcpState, number>>): number =>
  Object.values(byState).reduce((sum, n) => sum + (n ?? 0), 0);

const endpoint = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

function describe(
  s: ProcTcpSocket,
  owner: { pid: number; comm: string } | undefined,
  ssByKey: Map<string, SsSocket>,
): HostSocket {
  const socket: HostSocket = {
    local: endpoint(s.local.address, s.local.port),
    remote: endpoint(s.remote.address, s.remote.port),
    state: s.state,
    timer: s.timer,
    ...(s.timer === 'none' ? {} : { timerMs: s.timerMs }),
    // The column shows one timer: a retransmit or zero-window probe hides a keepalive timer.
    keepalive: s.timer === 'keepalive' ? true : s.timer === 'none' ? false : undefined,
    retransmits: s.retransmits,
    probesOut: s.probesOut,
    txQueue: s.txQueue,
    rxQueue: s.rxQueue,
  };
  const key = `${endpointKey(socket.local)}>${endpointKey(socket.remote)}`;
  const extra = ssByKey.get(key);
  if (extra) {
    if (extra.retransTotal !== undefined) socket.totalRetransmits = extra.retransTotal;
    else if (extra.segsOut !== undefined) socket.totalRetransmits = 0; // ss prints retrans only when > 0
    if (extra.segsOut !== undefined) socket.segsOut = extra.segsOut;
    if (extra.rttMs !== undefined) socket.rttMs = extra.rttMs;
    if (extra.lastSendMs !== undefined && extra.lastReceiveMs !== undefined)
      socket.idleMs = Math.min(extra.lastSendMs, extra.lastReceiveMs);
  }
  const who = owner ?? extra?.users[0];
  if (who && s.state !== 'TIME_WAIT') {
    socket.pid = who.pid;
    socket.comm = who.comm;
  }
  return socket;
}

type Target = { loopback: true } | { loopback: false; keys: Set<string>; display: Set<string> };

/** The IPs a socket's remote end must have: any loopback address for a loopback target, else the resolved ones. */
async function targetAddresses(ctx: CollectorContext): Promise<Target | { reason: string }> {
  const host = ctx.target.host.replace(/^\[(.*)\]$/, '$1');
  if (isLoopback(host)) return { loopback: true };
  const display = new Set<string>();
  // The address the doctor's own connection reached is one of them, whatever DNS says now.
  const reached = ctx.redis.stream?.remoteAddress;
  if (reached) display.add(reached);
  if (isIP(host)) display.add(host);
  else {
    const resolved = await Promise.race([
      lookup(host, { all: true }).catch(() => []),
      new Promise<[]>((resolve) =>
        setTimeout(() => resolve([]), Math.round(Math.min(2_000, ctx.timeoutMs))).unref(),
      ),
    ]);
    for (const r of resolved) display.add(r.address);
  }
  const keys = new Set([...display].map(ipKey).filter((k): k is string => k !== undefined));
  if (keys.size === 0) return { reason: `cannot resolve ${host} to an address` };
  if ([...keys].some(isLoopbackKey)) return { loopback: true };
  return { loopback: false, keys, display };
}

/**
 * Up to `maxBytes` of a /proc file (its size reads as 0, so read until EOF or the cap). Synchronous:
 * the kernel writes /proc/net/tcp a page of sockets per read, and each asynchronous read paid a trip
 * through the thread pool (7.5 MB: 500 ms instead of 80 ms, measured by bench/host-sockets-10k.mjs).
 */
function readCapped(path: string, maxBytes: number): { text: string; capped: boolean } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const chunks: Buffer[] = [];
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      const want = Math.min(buffer.length, maxBytes - size);
      if (want <= 0) break;
      const bytesRead = readSync(fd, buffer, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      size += bytesRead;
    }
    const capped = size >= maxBytes;
    // The kernel prints ASCII: latin1 decodes it several times faster than utf8.
    let text = Buffer.concat(chunks, size).toString('latin1');
    // A cut last line is not a socket.
    if (capped) text = text.slice(0, text.lastIndexOf('\n') + 1);
    return { text, capped };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A process with more fds than this is looked at in part first (see findOwners). */
const LARGE_PROCESS_FDS = 2_048;
const FIRST_LOOK_FDS = 512;
/** The walk is synchronous (a readlink costs microseconds; a promise each costs more): it yields this often. */
const SLICE_MS = 8;

/**
 * Socket inode → owning process, from the `socket:[inode]` links in /proc/<pid>/fd. Processes of other
 * users are unreadable without privileges and are passed over; this process is looked at first. A
 * large process whose first 512 links hold none of the sockets (a local server holding the other ends,
 * a proxy) is finished last: on a host with 10,000 connections to a local server, that saves walking
 * the server's 10,000 fds.
 */
async function findOwners(
  inodes: Set<number>,
  deadline: number,
  truncated: string[],
): Promise<{ byInode: Map<number, { pid: number; comm: string }> }> {
  const byInode = new Map<number, { pid: number; comm: string }>();
  if (inodes.size === 0) return { byInode };
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number);
  const self = process.pid;
  pids.sort((a, b) => (a === self ? -1 : b === self ? 1 : a - b));
  let links = 0;
  let scanned = 0;
  let sliceStarted = performance.now();
  const deferred: { pid: number; fds: string[]; from: number }[] = [];
  const comms = new Map<number, string>();
  const commOf = (pid: number): string => {
    let comm = comms.get(pid);
    if (comm === undefined) {
      comm = (readText(`/proc/${pid}/comm`) ?? '').trim();
      comms.set(pid, comm);
    }
    return comm;
  };
  /** Reads links [from, to) of one process; 'stop' when a bound is hit. */
  const walk = async (pid: number, fds: string[], from: number, to: number): Promise<'stop' | number> => {
    let found = 0;
    for (let i = from; i < to; i++) {
      if (byInode.size === inodes.size) return found;
      if (links >= HOST_SOCKET_LIMITS.fdLinks) {
        truncated.push(`owners looked for in ${scanned} processes (${links} fd links)`);
        return 'stop';
      }
      if ((links & 255) === 0) {
        const now = performance.now();
        if (now > deadline) {
          truncated.push(`owners looked for in ${scanned} processes (time bound)`);
          return 'stop';
        }
        if (now - sliceStarted > SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStarted = performance.now();
        }
      }
      links += 1;
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fds[i]}`);
      } catch {
        continue; // closed since the listing
      }
      if (!link.startsWith('socket:[')) continue;
      const inode = Number(link.slice(8, -1));
      if (!inodes.has(inode) || byInode.has(inode)) continue;
      byInode.set(inode, { pid, comm: commOf(pid) });
      found += 1;
    }
    return found;
  };

  for (const pid of pids) {
    if (byInode.size === inodes.size) break;
    if (scanned >= HOST_SOCKET_LIMITS.processes) {
      truncated.push(`owners looked for in ${scanned} processes`);
      break;
    }
    if (performance.now() > deadline) {
      truncated.push(`owners looked for in ${scanned} processes (time bound)`);
      break;
    }
    scanned += 1;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's, or gone
    }
    const large = fds.length > LARGE_PROCESS_FDS;
    const first = await walk(pid, fds, 0, large ? FIRST_LOOK_FDS : fds.length);
    if (first === 'stop') return { byInode };
    if (!large) continue;
    if (first === 0) deferred.push({ pid, fds, from: FIRST_LOOK_FDS });
    else if ((await walk(pid, fds, FIRST_LOOK_FDS, fds.length)) === 'stop') return { byInode };
  }
  for (const { pid, fds, from } of deferred) {
    if (byInode.size === inodes.size) break;
    if ((await walk(pid, fds, from, fds.length)) === 'stop') break;
  }
  return { byInode };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * `ss -tin` for sockets to the target's port, bounded; its absence is not an error. Without -p: its
 * owner walk needs the same privileges as findOwners and costs 250–500 ms with 20,000 fds; without -o:
 * the timers come from /proc. Only the sockets `wanted()` names when it returns (the kept ones) are read.
 */
function readSs(
  port: number,
  timeoutMs: number,
  wanted: () => Set<string> | undefined,
): Promise<{ sockets: SsSocket[] } | { reason: string }> {
  return new Promise((resolve) => {
    execFile(
      'ss',
      ['-tin', 'dport', '=', `:${port}`],
      { timeout: timeoutMs, maxBuffer: HOST_SOCKET_LIMITS.ssBytes },
      (error, stdout) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          resolve({
            reason:
              code === 'ENOENT'
                ? 'ss is not installed (iproute2)'
                : error.killed
                  ? `ss did not finish within ${timeoutMs} ms`
                  : (error.message.split('\n')[0] ?? 'ss failed'),
          });
          return;
        }
        try {
          resolve({ sockets: parseSs(stdout, { keys: wanted() }) });
        } catch (parseError) {
          resolve({ reason: `ss output not understood (${(parseError as Error).message})` });
        }
      },
    );
  });
}
