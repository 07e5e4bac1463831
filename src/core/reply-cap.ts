import type { Redis } from 'ioredis';
import { ERROR_CODES } from './error-codes.js';
import { LifelineError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most a reply of each read-only command may weigh. Real servers stay far below (INFO everything
 * is tens of KB, CLIENT LIST ~300 bytes a client); a server that sends more is broken or hostile, and
 * the reply is cut off rather than held in memory.
 */
export const REPLY_CAPS = {
  PING: 1 * KiB,
  INFO: 4 * MiB,
  'CONFIG GET': 4 * MiB,
  /** About 100,000 clients. */
  'CLIENT LIST': 32 * MiB,
  'SLOWLOG GET': 4 * MiB,
  'LATENCY LATEST': 1 * MiB,
  /** SENTINEL MASTER/REPLICAS/SENTINELS/MASTERS: a few hundred bytes per instance. */
  SENTINEL: 1 * MiB,
  /** ~100 bytes a node plus its slot ranges; a 1000-node cluster stays under 1 MiB. */
  'CLUSTER NODES': 4 * MiB,
  'CLUSTER INFO': 64 * KiB,
} as const;
export type CappedCommand = keyof typeof REPLY_CAPS;

/** A reply went past its cap: the connection was closed under it. */
export class ReplyTooLargeError extends LifelineError {
  override name = 'ReplyTooLargeError';
  /** "reply larger than 4 MiB", for messages that name the command themselves. */
  readonly reason: string;
  constructor(
    readonly command: CappedCommand,
    readonly maxBytes: number,
  ) {
    const reason = `reply larger than ${formatBytes(maxBytes)}`;
    super(ERROR_CODES.replyTooLarge, `${command} ${reason}`);
    this.reason = reason;
  }
}

const formatBytes = (n: number): string =>
  n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} bytes`;

/**
 * Closes `redis` at once, reading nothing more: ioredis's disconnect() only ends the socket, which
 * keeps reading (and buffering) whatever the server still sends.
 */
export function cutConnection(redis: Redis): void {
  redis.stream?.destroy();
  redis.disconnect();
}

/**
 * Runs `call` on `redis` while counting the bytes that arrive on its socket: past `REPLY_CAPS[command]`
 * the connection is closed (so nothing more is read or buffered) and the promise rejects with
 * ReplyTooLargeError. One command at a time on the connection: what arrives is its reply.
 */
export async function capReply<T>(redis: Redis, command: CappedCommand, call: () => Promise<T>): Promise<T> {
  const socket = redis.stream;
  if (!socket) return call();
  const maxBytes = REPLY_CAPS[command];
  const start = socket.bytesRead;
  let onData: (() => void) | undefined;
  const over = new Promise<never>((_, reject) => {
    onData = () => {
      if (socket.bytesRead - start <= maxBytes) return;
      cutConnection(redis);
      reject(new ReplyTooLargeError(command, maxBytes));
    };
    socket.on('data', onData);
  });
  try {
    return await Promise.race([call(), over]);
  } finally {
    if (onData) socket.off('data', onData);
  }
}
