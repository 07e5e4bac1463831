import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once the server answers PING (+PONG, or -NOAUTH when it has a password); false when `deadlineMs` passes first. */
export async function waitReady(port: number, deadlineMs: number, isAlive: () => boolean): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && isAlive()) {
    if (await pingOnce(port, Math.min(1000, until - Date.now()))) return true;
    await sleep(20);
  }
  return false;
}

function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(Math.max(timeoutMs, 50), () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // -NOAUTH: up, but password-protected (requirepass); -LOADING: not ready yet.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.on('error', () => done(false));
  });
}
