import { appendFileSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import type { HistoryRecord } from '../types.js';

export const HISTORY_FILE = 'lifeline-watch.ndjson';
/** Rotated files: `lifeline-watch-<ISO time, ':' and '.' as '-'>.ndjson`; names sort in time order. */
export const ROTATED_FILE = /^lifeline-watch-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.ndjson$/;

export interface HistoryWriterOptions {
  dir: string;
  /** Rotate the current file before it would grow past this (default 10 MiB, or a quarter of a smaller cap). */
  maxFileBytes?: number;
  /** Delete the oldest rotated files while all history files together exceed this (default 100 MiB). */
  maxTotalBytes?: number;
  /** Called with the first write error only: watch keeps running without history and says so once. */
  onError?: (error: Error) => void;
  /** Clock for rotated file names (tests). */
  now?: () => number;
}

/**
 * Appends history records as NDJSON lines to `<dir>/lifeline-watch.ndjson`, rotating by size and capping
 * the total. Writes are synchronous: one short line per sample keeps order trivially and loses nothing
 * on a crash. A write never throws into watch: a full disk must not stop the alerts.
 */
export class HistoryWriter {
  readonly dir: string;
  readonly path: string;
  /** The latest write error, if any (the writer keeps trying on later writes). */
  lastError: Error | undefined;
  /** Failed writes (records lost). */
  errors = 0;
  private readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly now: () => number;
  private currentBytes = 0;
  private lastRotatedAt = 0;
  private closed = false;

  /** Creates the directory; a directory that cannot be created is a start-up error (exit 2), not a runtime one. */
  constructor(options: HistoryWriterOptions) {
    this.dir = options.dir;
    this.path = join(options.dir, HISTORY_FILE);
    this.maxTotalBytes = options.maxTotalBytes ?? 100 * 1024 ** 2;
    // A small cap still keeps a few rotated files by default; one file can never exceed the cap.
    this.maxFileBytes = Math.min(
      options.maxFileBytes ?? Math.min(10 * 1024 ** 2, Math.floor(this.maxTotalBytes / 4)),
      this.maxTotalBytes,
    );
    this.onError = options.onError;
    this.now = options.now ?? Date.now;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new CannotRunError(
        ERROR_CODES.history,
        `Cannot create the history directory ${this.dir}: ${(error as Error).message}.`,
        { cause: error },
      );
    }
    // A restarted watch appends to the file the previous run left.
    this.currentBytes = sizeOf(this.path);
  }

  write(record: HistoryRecord): void {
    if (this.closed) return;
    try {
      const line = `${JSON.stringify(record)}\n`;
      const bytes = Buffer.byteLength(line);
      if (this.currentBytes > 0 && this.currentBytes + bytes > this.maxFileBytes) this.rotate();
      appendFileSync(this.path, line);
      this.currentBytes += bytes;
    } catch (error) {
      this.errors += 1;
      this.lastError = error instanceof Error ? error : new Error(String(error));
      if (this.errors === 1) this.onError?.(this.lastError);
    }
  }

  close(): void {
    this.closed = true;
  }

  private rotate(): void {
    // Strictly increasing names even for two rotations in one millisecond, so name order is time order.
    const at = Math.max(this.now(), this.lastRotatedAt + 1);
    this.lastRotatedAt = at;
    const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
    renameSync(this.path, join(this.dir, `lifeline-watch-${stamp}.ndjson`));
    this.currentBytes = 0;
    this.enforceCap();
  }

  /**
   * Deletes the oldest rotated files until they leave room for a full current file under the cap, so the
   * history never exceeds maxTotalBytes, not even just before the next rotation.
   */
  private enforceCap(): void {
    const rotated = readdirSync(this.dir)
      .filter((name) => ROTATED_FILE.test(name))
      .sort()
      .map((name) => ({ path: join(this.dir, name), bytes: sizeOf(join(this.dir, name)) }));
    let total = this.maxFileBytes + rotated.reduce((sum, f) => sum + f.bytes, 0);
    for (const file of rotated) {
      if (total <= this.maxTotalBytes) break;
      unlinkSync(file.path);
      total -= file.bytes;
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
