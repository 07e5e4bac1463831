import { describe, expect, it } from 'vitest';
import {
  hexAddress,
  ipKey,
  isLoopbackKey,
  parseProcNetTcp,
  parseProcNetTcpLine,
} from '../../src/core/parse-proc-net-tcp.js';
import { endpointKey, parseSs } from '../../src/core/parse-ss.js';

// Lines as Linux 6.x prints them on x86-64 (each 32-bit word of an address little-endian).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18F6 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 70001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:A8CA 0100007F:18F6 08 00000000:00000001 00:00000000 00000000  1000        0 81234 1 0000000000000000 20 4 30 10 -1
   2: 0A00000A:C350 0500000A:18EB 01 00000000:00000000 02:00000BB8 00000000  1000        0 81235 1 0000000000000000 20 4 31 10 -1
   3: 0A00000A:C351 0500000A:18EB 01 00000024:00000000 01:00000032 00000003  1000        0 81236 2 0000000000000000 800 4 1 10 -1
   4: 0A00000A:C352 0500000A:18EB 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
   5: 0A00000A:C353 0500000A:18EB 01 00000000:00000000 02:FFFFFFF6 00000000  1000        2 81237 1 0000000000000000 20 4 31 10 -1
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:D431 00000000000000000000000001000000:18F6 01 00000000:00000000 00:00000000 00000000  1000        0 91001 1 0000000000000000 20 4 30 10 -1
   1: 0000000000000000FFFF00000100007F:D432 0000000000000000FFFF00000100007F:18F6 08 00000000:00000000 00:00000000 00000000  1000        0 91002 1 0000000000000000 20 4 30 10 -1
   2: B80D0120000000000000000001000000:D433 B80D0120000000000000000005000000:18EB 01 00000000:00000000 02:000003E8 00000000  1000        0 91003 1 0000000000000000 20 4 30 10 -1
`;

describe('parseProcNetTcp: /proc/net/tcp', () => {
  const sockets = parseProcNetTcp(TCP);

  it('skips the header and reads every socket line', () => {
    expect(sockets).toHaveLength(6);
  });

  it('reads addresses, ports, state, queues and owner fields', () => {
    expect(sockets[0]).toMatchObject({ state: 'LISTEN', local: { address: '127.0.0.1', port: 6390 } });
    expect(sockets[1]).toEqual({
      family: 4,
      local: { address: '127.0.0.1', port: 43210 },
      remote: { address: '127.0.0.1', port: 6390 },
      state: 'CLOSE_WAIT',
      txQueue: 0,
      rxQueue: 1,
      timer: 'none',
      timerMs: 0,
      retransmits: 0,
      uid: 1000,
      probesOut: 0,
      inode: 81234,
    });
  });

  it('reads the timer: keepalive, retransmit with its count, TIME_WAIT without an inode, an overdue one', () => {
    expect(sockets[2]).toMatchObject({
      local: { address: '10.0.0.10', port: 50000 },
      remote: { address: '10.0.0.5', port: 6379 },
      state: 'ESTABLISHED',
      timer: 'keepalive',
      timerMs: 30_000,
    });
    expect(sockets[3]).toMatchObject({ timer: 'retransmit', timerMs: 500, retransmits: 3, txQueue: 36 });
    expect(sockets[4]).toMatchObject({ state: 'TIME_WAIT', timer: 'time-wait', timerMs: 60_000, inode: 0 });
    expect(sockets[5]).toMatchObject({ timer: 'keepalive', timerMs: -100, probesOut: 2 });
  });

  it('stops at maxLines', () => {
    expect(parseProcNetTcp(TCP, { maxLines: 3 })).toHaveLength(2);
  });

  it('ignores lines that are not sockets', () => {
    expect(parseProcNetTcpLine('garbage')).toBeUndefined();
    expect(parseProcNetTcpLine('')).toBeUndefined();
  });
});

describe('parseProcNetTcp: /proc/net/tcp6', () => {
  const sockets = parseProcNetTcp(TCP6);

  it('reads ::1, IPv4-mapped and global addresses', () => {
    expect(sockets.map((s) => [s.family, s.local.address, s.remote.address, s.remote.port, s.state])).toEqual(
      [
        [6, '::1', '::1', 6390, 'ESTABLISHED'],
        [6, '::ffff:127.0.0.1', '::ffff:127.0.0.1', 6390, 'CLOSE_WAIT'],
        [6, '2001:db8::1', '2001:db8::5', 6379, 'ESTABLISHED'],
      ],
    );
    expect(sockets[2]).toMatchObject({ timer: 'keepalive', timerMs: 10_000 });
  });

  it('reads big-endian words when told', () => {
    expect(hexAddress('7F000001', false)).toBe('127.0.0.1');
    expect(hexAddress('0100007F')).toBe('127.0.0.1');
    expect(hexAddress('00000000000000000000000000000001', false)).toBe('::1');
  });
});

describe('ipKey', () => {
  it('gives one spelling per address', () => {
    expect(ipKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(ipKey('[::ffff:7f00:1]')).toBe('127.0.0.1');
    expect(ipKey('0:0:0:0:0:ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(ipKey('2001:DB8::5')).toBe('2001:0db8:0000:0000:0000:0000:0000:0005');
    expect(ipKey('fe80::1%eth0')).toBe('fe80:0000:0000:0000:0000:0000:0000:0001');
    expect(ipKey('redis.internal')).toBeUndefined();
    expect(ipKey('1:2:3')).toBeUndefined();
  });

  it('knows loopback in every form', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackKey(ipKey(a) ?? ''), a).toBe(true);
    expect(isLoopbackKey(ipKey('10.0.0.5') ?? '')).toBe(false);
  });
});

// `ss -tinpo -n dport = :6390` from iproute2 6.1 (the header glues "Port" and "Process").
const SS = `State      Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
ESTAB      0      0          127.0.0.1:43210    127.0.0.1:6390  users:(("node",pid=4242,fd=21)) timer:(keepalive,812ms,0)
	 cubic wscale:7,7 rto:204 rtt:0.052/0.026 ato:40 mss:32768 pmtu:65535 rcvmss:536 advmss:65483 cwnd:10 bytes_sent:14 bytes_acked:15 segs_out:6 segs_in:4 data_segs_out:1 send 50412307692bps lastsnd:2380 lastrcv:2392 lastack:380 pacing_rate 100824615384bps delivery_rate 32768000000bps delivered:2 app_limited rcv_space:65483 rcv_ssthresh:65483 minrtt:0.052
CLOSE-WAIT 1      0      [::ffff:127.0.0.1]:43211 [::ffff:127.0.0.1]:6390 users:(("java",pid=77,fd=9),("java",pid=78,fd=9))
	 cubic wscale:7,7 rto:1200 backoff:2 rtt:45.5/12.25 mss:1448 cwnd:1 ssthresh:7 bytes_sent:900 bytes_retrans:300 segs_out:40 retrans:1/9 lastsnd:120 lastrcv:9000
`;

describe('parseSs', () => {
  const sockets = parseSs(SS);

  it('joins each socket line with its info line', () => {
    expect(sockets).toEqual([
      {
        localKey: '127.0.0.1:43210',
        remoteKey: '127.0.0.1:6390',
        users: [{ comm: 'node', pid: 4242 }],
        timer: 'keepalive',
        rttMs: 0.052,
        rttVarMs: 0.026,
        segsOut: 6,
        lastSendMs: 2380,
        lastReceiveMs: 2392,
      },
      {
        localKey: '127.0.0.1:43211',
        remoteKey: '127.0.0.1:6390',
        users: [
          { comm: 'java', pid: 77 },
          { comm: 'java', pid: 78 },
        ],
        rttMs: 45.5,
        rttVarMs: 12.25,
        retransNow: 1,
        retransTotal: 9,
        segsOut: 40,
        lastSendMs: 120,
        lastReceiveMs: 9000,
      },
    ]);
  });

  it('reads output without the state column, and nothing from noise', () => {
    expect(parseSs('0 0 10.0.0.1:5000 10.0.0.5:6379\n')).toHaveLength(1);
    expect(parseSs('Cannot open netlink socket: Permission denied\n')).toEqual([]);
    expect(endpointKey('[::1]:6390')).toBe('0000:0000:0000:0000:0000:0000:0000:0001:6390');
    expect(endpointKey('*:*')).toBeUndefined();
  });
});
