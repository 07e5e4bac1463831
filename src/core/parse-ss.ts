import { ipKey } from './parse-proc-net-tcp.js';

/**
 * What `ss -tinpo -n` (iproute2) adds to /proc/net/tcp for one socket: the kernel's tcp_info (RTT,
 * retransmissions since the connection opened, time since the last send and receive) and the owners.
 * Every field is optional: ss versions differ and print only what is non-zero.
 */
export interface SsSocket {
  /** `ipKey(address):port` of each end, for joining with /proc/net/tcp. */
  localKey: string;
  remoteKey: string;
  rttMs?: number;
  rttVarMs?: number;
  /** retrans:<now>/<total>: unacknowledged retransmissions now, and all since the connection opened. */
  retransNow?: number;
  retransTotal?: number;
  segsOut?: number;
  /** Milliseconds since the last send and the last receive. */
  lastSendMs?: number;
  lastReceiveMs?: number;
  /** timer:(<name>,<when>,<count>), e.g. keepalive, on (retransmit), timewait, persist. */
  timer?: string;
  users: { comm: string; pid: number }[];
}

/** ss's state column, present unless a state filter was given. */
const STATE =
  /^(ESTAB|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|TIME-WAIT|UNCONN|CLOSE-WAIT|LAST-ACK|LISTEN|CLOSING|CLOSED)$/;

/**
 * Parses `ss -tinpo -n` output (or less: -p, -o, -i are optional); lines it cannot read are skipped,
 * never an error. With `keys`, only the sockets whose `localKey>remoteKey` is in it are read in full.
 */
export function parseSs(
  text: string,
  options: { maxSockets?: number; keys?: ReadonlySet<string> | undefined } = {},
): SsSocket[] {
  const maxSockets = options.maxSockets ?? 100_000;
  const keys = options.keys;
  const sockets: SsSocket[] = [];
  let current: SsSocket | undefined;
  for (const line of text.split('\n')) {
    if (sockets.length >= maxSockets) break;
    if (/^\s/.test(line)) {
      if (current) readInfo(current, line);
      continue;
    }
    current = undefined;
    const tokens = line.trim().split(/\s+/);
    if (STATE.test(tokens[0] ?? '')) tokens.shift();
    if (tokens.length < 4 || !/^\d+$/.test(tokens[0] ?? '')) continue; // the header, or not a socket
    const local = endpointKey(tokens[2] ?? '');
    const remote = endpointKey(tokens[3] ?? '');
    if (!local || !remote) continue;
    if (keys && !keys.has(`${local}>${remote}`)) continue;
    current = { localKey: local, remoteKey: remote, users: [] };
    const rest = tokens.slice(4).join(' ');
    for (const m of rest.matchAll(/\("([^"]*)",pid=(\d+)/g))
      current.users.push({ comm: m[1] ?? '', pid: Number(m[2]) });
    const timer = /timer:\(([a-z_]+)/.exec(rest)?.[1];
    if (timer) current.timer = timer;
    sockets.push(current);
  }
  return sockets;
}

function readInfo(socket: SsSocket, line: string): void {
  const rtt = /\brtt:([\d.]+)\/([\d.]+)/.exec(line);
  if (rtt) {
    socket.rttMs = Number(rtt[1]);
    socket.rttVarMs = Number(rtt[2]);
  }
  const retrans = /\bretrans:(\d+)\/(\d+)/.exec(line);
  if (retrans) {
    socket.retransNow = Number(retrans[1]);
    socket.retransTotal = Number(retrans[2]);
  }
  const segsOut = number(SEGS_OUT, line);
  if (segsOut !== undefined) socket.segsOut = segsOut;
  const lastSend = number(LAST_SEND, line);
  if (lastSend !== undefined) socket.lastSendMs = lastSend;
  const lastReceive = number(LAST_RECEIVE, line);
  if (lastReceive !== undefined) socket.lastReceiveMs = lastReceive;
}

// Compiled once: ss prints one info line per socket, tens of thousands on a busy host.
const SEGS_OUT = /\bsegs_out:(\d+)\b/;
const LAST_SEND = /\blastsnd:(\d+)\b/;
const LAST_RECEIVE = /\blastrcv:(\d+)\b/;

function number(pattern: RegExp, line: string): number | undefined {
  const m = pattern.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** "10.0.0.5:6379", "[::1]:6379", "[::ffff:10.0.0.5]:6379", "::1:6379" (old ss), "fe80::1%eth0:6379". */
export function endpointKey(text: string): string | undefined {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(text);
  if (!m) return undefined;
  const address = m[1] ?? '';
  // Thousands of sockets share a handful of addresses: each is normalised once.
  let key = KEYS.get(address);
  if (key === undefined && !KEYS.has(address)) {
    key = ipKey(address);
    if (KEYS.size >= 1_024) KEYS.clear();
    KEYS.set(address, key);
  }
  return key === undefined ? undefined : `${key}:${m[2]}`;
}

const KEYS = new Map<string, string | undefined>();
