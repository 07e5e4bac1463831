import { open, stat } from 'node:fs/promises';
import { type LogEvent, summarizeLog } from '../../core/log/summarize-log.js';

/**
 * Follows a server log from where it ended when watch started: each read returns the events of the
 * lines written since, at most `maxBytes` of them. A file that shrank was rotated or truncated, so
 * reading starts again at its beginning.
 */
export class LogTail {
  private offset: number | undefined;
  private partial = '';

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {}

  /** Skips what the file already holds; throws when it cannot be read (the caller decides what that means). */
  async start(): Promise<void> {
    this.offset = (await stat(this.path)).size;
  }

  async read(): Promise<LogEvent[]> {
    if (this.offset === undefined) await this.start();
    const handle = await open(this.path, 'r');
    try {
      const { size } = await handle.stat();
      let offset = this.offset ?? 0;
      if (size < offset) {
        offset = 0;
        this.partial = '';
      }
      // When more was written than we may read, the oldest part is skipped: recent lines matter most.
      if (size - offset > this.maxBytes) {
        offset = size - this.maxBytes;
        this.partial = '';
      }
      const length = size - offset;
      if (length === 0) return [];
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, offset);
      this.offset = size;
      const text = this.partial + buffer.toString('utf8').replace(/\0+/g, '\n');
      const lastNewline = text.lastIndexOf('\n');
      this.partial = text.slice(lastNewline + 1);
      return lastNewline < 0 ? [] : summarizeLog(text.slice(0, lastNewline)).events;
    } finally {
      await handle.close();
    }
  }
}
