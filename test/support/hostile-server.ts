/**
 * Fake servers on 127.0.0.1 that speak just enough RESP to get past a client's handshake and then
 * misbehave on one command. Every stream they send is bounded (they stop when the client goes away or
 * after `maxBytes`), and close() ends them and every connection.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

export type Hostility =
  /** +PONG to PING, then the connection is closed. */
  | 'ping-then-close'
  /** INFO starts a bulk reply and drips it at one byte per 100 ms. */
  | 'drip-info'
  /** INFO announces a 2^40-byte bulk and streams it as fast as the socket takes it. */
  | 'endless-info'
  /** INFO is a well-formed 50 MB reply of 500,000 fields. */
  | 'giant-info'
  /** The first INFO on each connection is a real-looking one; every later INFO is endless. */
  | 'turns-endless'
  /** Everything is answered like a small server's, except CLIENT LIST, which never ends. */
  | 'endless-client-list';

const INFO_OK = [
  '# Server',
  'redis_version:7.0.15',
  'redis_mode:standalone',
  'run_id:0123456789abcdef0123456789abcdef01234567',
  'process_id:1',
  'uptime_in_seconds:100',
  '# Clients',
  'connected_clients:1',
  'maxclients:10000',
  '# Stats',
  'total_connections_received:1',
  'rejected_connections:0',
  '# Replication',
  'role:master',
  '',
].join('\r\n');

const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

/** Reads whole RESP arrays of bulk strings (what clients send) and hands each command to `on`. */
function commands(socket: Socket, on: (args: string[]) => void): void {
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      const parsed = parseCommand(buffer);
      if (!parsed) return;
      buffer = buffer.slice(parsed.length);
      on(parsed.args);
    }
  });
}

function parseCommand(text: string): { args: string[]; length: number } | undefined {
  let at = 0;
  const line = () => {
    const end = text.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const value = text.slice(at, end);
    at = end + 2;
    return value;
  };
  const head = line();
  if (head === undefined || !head.startsWith('*')) return undefined;
  const args: string[] = [];
  for (let i = 0; i < Number(head.slice(1)); i++) {
    const size = line();
    if (size === undefined) return undefined;
    const n = Number(size.slice(1));
    if (text.length < at + n + 2) return undefined;
    args.push(text.slice(at, at + n));
    at += n + 2;
  }
  return { args, length: at };
}

/** Writes `bytes` of filler as fast as the socket drains, stopping when it closes (the client cuts it). */
async function stream(socket: Socket, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  // Plain listeners, not events.once(): that rejects on the socket's 'error' (the client's RST), and a
  // rejection nobody awaits any more is an unhandled one.
  const drainedOrClosed = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  for (let sent = 0; sent < bytes && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(chunk)) await drainedOrClosed();
  }
}

export interface HostileServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHostileServer(hostility: Hostility): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let infos = 0;
    commands(socket, ([name = '', ...args]) => {
      const command = name.toUpperCase();
      if (command === 'PING') {
        socket.write('+PONG\r\n');
        if (hostility === 'ping-then-close') socket.end();
      } else if (command === 'INFO') {
        infos++;
        if (hostility === 'drip-info') {
          socket.write('$100000\r\n');
          const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('a')), 100);
          timers.add(timer);
        } else if (hostility === 'endless-info' || (hostility === 'turns-endless' && infos > 1)) {
          socket.write(`$${2 ** 40}\r\n`);
          void stream(socket, 512 * 1024 * 1024);
        } else if (hostility === 'giant-info') {
          const fields = Array.from({ length: 500_000 }, (_, i) => `field_${i}:${'x'.repeat(80)}`);
          socket.write(bulk(`${INFO_OK}${fields.join('\r\n')}\r\n`));
        } else {
          socket.write(bulk(INFO_OK));
        }
      } else if (command === 'CLIENT' && args[0]?.toUpperCase() === 'ID') {
        socket.write(':7\r\n');
      } else if (command === 'CONFIG') {
        socket.write('*0\r\n');
      } else if (
        command === 'CLIENT' &&
        args[0]?.toUpperCase() === 'LIST' &&
        hostility === 'endless-client-list'
      ) {
        socket.write(`$${2 ** 40}\r\n`);
        void stream(socket, 512 * 1024 * 1024);
      } else if (command === 'CLIENT' && args[0]?.toUpperCase() === 'LIST') {
        socket.write(
          bulk('id=7 addr=127.0.0.1:1 name=lifeline-watch age=1 idle=0 flags=N cmd=client|list\n'),
        );
      } else {
        socket.write('+OK\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
