import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Read size: per-chunk work is noise at this size, and 1 MiB chunks cost ~40 MB more peak RSS in garbage. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * The bytes of a log, streamed: a file or stdin ("-"), gunzipped when it starts with gzip's magic bytes
 * (whatever its name). Never holds more than a chunk or two.
 */
export async function* readChunks(path: string): AsyncGenerator<Buffer> {
  const source: AsyncIterable<Buffer> =
    path === '-' ? process.stdin : createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  // A gzip header is 10 bytes; wait for at least 2 to see the magic.
  while (!first.done && first.value.length < 2) {
    const more = await it.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (first.done) return;
  const head = first.value;
  const rest = async function* () {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    // pipeline destroys the gunzip stream with the source's error, so iterating it rejects with it.
    pipeline(Readable.from(rest()), gunzip, () => undefined);
    yield* gunzip as AsyncIterable<Buffer>;
    return;
  }
  yield* rest();
}

/**
 * Whether the first bytes are binary rather than text: a NUL, or many control bytes (a text log has
 * tabs, newlines, the odd ESC of a colour code, and UTF-8 above 0x7f, which is not counted).
 */
export function looksBinary(head: Buffer): boolean {
  const n = Math.min(head.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i] as number;
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 27 && b !== 12) control++;
  }
  return n > 0 && control / n > 0.05;
}
