import { ERROR_CODES } from '../../core/error-codes.js';
import { isLoopback } from '../../core/local-server.js';
import { ProxyError } from './errors.js';

export interface Address {
  host: string;
  port: number;
}

/** "127.0.0.1:6379", "localhost:0", "[::1]:7000": loopback only, since the lab never leaves this machine. */
export function parseLoopbackAddress(text: string, what: 'listen' | 'upstream'): Address {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535 || (what === 'upstream' && port === 0)) {
    throw new ProxyError(ERROR_CODES.proxyAddress, `${what} address "${text}" is not host:port`, 400);
  }
  if (!isLoopback(host)) {
    throw new ProxyError(
      ERROR_CODES.proxyAddress,
      `${what} address "${text}" is not a loopback address; the lab proxy only works on this machine (127.0.0.1, ::1, localhost)`,
      400,
    );
  }
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export const formatAddress = ({ host, port }: Address): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
