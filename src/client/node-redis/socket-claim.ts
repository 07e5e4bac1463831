import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * node-redis keeps its socket in a private field. Node announces every new TCP client socket on the
 * 'net.client.socket' diagnostics channel; a wrapped client claims, on its own 'connect' event, the
 * socket to its port that connected last. node-redis emits 'connect' in a microtask right after the
 * socket's 'connect', before any other socket's 'connect' can run, so the last one is its own (other
 * clients' sockets to the same port connected earlier, or have not yet).
 */
const connected: Socket[] = [];
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  subscribe('net.client.socket', (message) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('connect', () => {
      connected.push(socket);
      // Unclaimed sockets (other libraries' connections) do not pile up.
      if (connected.length > 256) connected.shift();
    });
  });
}

/** Starts collecting sockets; call before the client connects. */
export function prepareSocketClaims(): void {
  listen();
}

export function claimSocket(port: number): Socket | undefined {
  for (let i = connected.length - 1; i >= 0; i--) {
    const socket = connected[i] as Socket;
    if (!socket.destroyed && socket.remotePort === port) {
      connected.splice(i, 1);
      return socket;
    }
  }
  return undefined;
}
