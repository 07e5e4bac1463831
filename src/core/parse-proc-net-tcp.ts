/**
 * Lines of Linux's /proc/net/tcp and /proc/net/tcp6 (net/ipv4/tcp_ipv4.c get_tcp4_sock, tcp6_sock):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    3: 0100007F:A1B2 0100007F:18F6 08 00000000:00000001 00:00000000 00000000  1000        0 81234 …
 *
 * Addresses are hex in the kernel's byte order: IPv4 one 32-bit word, IPv6 four words, each printed as
 * a host-order integer (little-endian on x86 and arm64). Ports are big-endian hex. Pure: text in, facts out.
 */

export const TCP_STATES = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
} as const;

export type TcpState = (typeof TCP_STATES)[keyof typeof TCP_STATES] | 'UNKNOWN';

/** The "tr" column: which timer is pending on the socket. */
export type TcpTimer = 'none' | 'retransmit' | 'keepalive' | 'time-wait' | 'zero-window-probe' | 'unknown';

const TIMERS: Record<number, TcpTimer> = {
  0: 'none',
  1: 'retransmit',
  2: 'keepalive',
  3: 'time-wait',
  4: 'zero-window-probe',
};

export interface Endpoint {
  /** Dotted IPv4, or compressed IPv6 (`::1`, `::ffff:127.0.0.1`). */
  address: string;
  port: number;
}

export interface ProcTcpSocket {
  family: 4 | 6;
  local: Endpoint;
  remote: Endpoint;
  state: TcpState;
  /** Bytes queued to send (not yet acknowledged by the peer) and received but not yet read by the app. */
  txQueue: number;
  rxQueue: number;
  timer: TcpTimer;
  /**
   * When the pending timer fires, milliseconds from the read (tm->when is in clock ticks, USER_HZ 100 on
   * every mainstream Linux architecture; negative for an overdue timer).
   */
  timerMs: number;
  /**
   * retrnsmt: unrecovered retransmission timeouts of the segment in flight now (icsk_retransmits; for a
   * keepalive timer, the unanswered probes). Resets to 0 when the peer acknowledges.
   */
  retransmits: number;
  uid: number;
  /** The "timeout" column: unanswered keepalive or zero-window probes (icsk_probes_out). */
  probesOut: number;
  /** 0 for a socket with no file (TIME_WAIT, orphans): no process owns it. */
  inode: number;
}

/**
 * Parses /proc/net/tcp or tcp6 text; skips the header and any line it cannot read. At most `maxLines`
 * lines are looked at (a busy host has hundreds of thousands).
 */
export function parseProcNetTcp(
  text: string,
  options: { maxLines?: number; littleEndian?: boolean; remotePort?: number } = {},
): ProcTcpSocket[] {
  const maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;
  const littleEndian = options.littleEndian ?? true;
  // Only sockets to this port: the other lines are passed over without the full parse (a busy host
  // has tens of thousands, and the collector wants one port's).
  const wanted =
    options.remotePort === undefined
      ? undefined
      : options.remotePort.toString(16).toUpperCase().padStart(4, '0');
  const sockets: ProcTcpSocket[] = [];
  let seen = 0;
  let start = 0;
  while (start < text.length) {
    if (seen >= maxLines) break;
    seen += 1;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (wanted !== undefined && remotePortHex(line) !== wanted) continue;
    const socket = parseProcNetTcpLine(line, littleEndian);
    if (socket) sockets.push(socket);
  }
  return sockets;
}

/**
 * The remote port's 4 hex digits, found by position: "<sl>: <local>:<port> <remote>:<port> …" with one
 * space between fields and both addresses the same length (8 or 32). Anything else for other lines.
 */
export function remotePortHex(line: string): string {
  let i = line.indexOf(':') + 1;
  if (i === 0) return '';
  while (line.charCodeAt(i) === 32) i += 1;
  const localColon = line.indexOf(':', i);
  if (localColon < 0) return '';
  const at = localColon + 6 + (localColon - i) + 1; // past ":PPPP ", the remote address and its ":"
  return line.slice(at, at + 4).toUpperCase();
}

const LINE =
  /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s+([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8})\s+([0-9A-Fa-f]{2}):([0-9A-Fa-f]{8})\s+([0-9A-Fa-f]{8})\s+(\d+)\s+(\d+)\s+(\d+)/;

/** One line, or undefined for the header or a line that is not a socket. */
export function parseProcNetTcpLine(line: string, littleEndian = true): ProcTcpSocket | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [
    ,
    la = '',
    lp = '',
    ra = '',
    rp = '',
    st = '',
    tx = '',
    rx = '',
    tr = '',
    when = '',
    rt = '',
    uid = '',
    probes = '',
    inode = '',
  ] = m;
  if (la.length !== ra.length) return undefined;
  const stateNumber = Number.parseInt(st, 16);
  const timerNumber = Number.parseInt(tr, 16);
  return {
    family: la.length === 8 ? 4 : 6,
    local: { address: hexAddress(la, littleEndian), port: Number.parseInt(lp, 16) },
    remote: { address: hexAddress(ra, littleEndian), port: Number.parseInt(rp, 16) },
    state: TCP_STATES[stateNumber as keyof typeof TCP_STATES] ?? 'UNKNOWN',
    txQueue: Number.parseInt(tx, 16),
    rxQueue: Number.parseInt(rx, 16),
    timer: TIMERS[timerNumber] ?? 'unknown',
    // A signed 32-bit tick count printed as unsigned hex: an overdue timer shows as FFFFFFxx.
    timerMs: (Number.parseInt(when, 16) | 0) * 10,
    retransmits: Number.parseInt(rt, 16),
    uid: Number(uid),
    probesOut: Number(probes),
    inode: Number(inode),
  };
}

/** An address column: 8 hex digits (IPv4) or 32 (IPv6), each 32-bit word in the kernel's byte order. */
export function hexAddress(hex: string, littleEndian = true): string {
  if (hex.length === 8) {
    // The common case, without the arrays: one 32-bit word.
    const word = Number.parseInt(hex, 16);
    const b = [word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff];
    return littleEndian ? `${b[3]}.${b[2]}.${b[1]}.${b[0]}` : `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  }
  const bytes: number[] = [];
  for (let word = 0; word < hex.length / 8; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    const wordBytes = [0, 2, 4, 6].map((i) => Number.parseInt(chunk.slice(i, i + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIpv6(bytes);
}

/** RFC 5952 text of 16 bytes; an IPv4-mapped address keeps its dotted tail (`::ffff:10.0.0.5`). */
function formatIpv6(bytes: number[]): string {
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // The longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * One spelling per address, for comparing: dotted IPv4 for IPv4 and IPv4-mapped IPv6, otherwise the
 * eight full lowercase IPv6 groups. Undefined for text that is not an IP address.
 */
export function ipKey(address: string): string | undefined {
  const bare = address
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '')
    .toLowerCase();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) return bare;
  if (!bare.includes(':')) return undefined;
  // A dotted tail on a non-mapped address (::10.0.0.1) becomes two groups.
  let text = bare;
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const full = groups.map((g) => g.padStart(4, '0'));
  // ::ffff:7f00:1 is ::ffff:127.0.0.1 written in hex groups.
  if (full.slice(0, 5).every((g) => g === '0000') && full[5] === 'ffff') {
    const [hi = 0, lo = 0] = [Number.parseInt(full[6] ?? '0', 16), Number.parseInt(full[7] ?? '0', 16)];
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return full.join(':');
}

/** 127.0.0.0/8, ::1, and their IPv4-mapped form: this machine. */
export const isLoopbackKey = (key: string): boolean =>
  key.startsWith('127.') || key === '0000:0000:0000:0000:0000:0000:0000:0001';
