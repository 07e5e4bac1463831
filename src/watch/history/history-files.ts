import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { HISTORY_FILE } from './history-writer.js';

/** A history file: the current one or a rotated one (any `lifeline-watch*.ndjson`). */
const HISTORY_NAME = /^lifeline-watch.*\.ndjson$/;
/** Longer lines are garbage, not records (a sample is ~1 KiB); they are skipped without being held. */
const MAX_LINE_BYTES = 1024 * 1024;

/** The one kind of error reading a history gives: the user passed something that is not one. */
export const historyError = (message: string, cause?: unknown) =>
  new CannotRunError(ERROR_CODES.history, message, cause === undefined ? undefined : { cause });

/** The file itself, or a directory's history files in time order (rotated ones, then the current one). */
export async function historyFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? historyError(
          `History ${path} does not exist: pass the file or directory that lifeline watch wrote.`,
          error,
        )
      : historyError(`Cannot read history ${path}: ${(error as Error).message}.`, error);
  }
  if (!info.isDirectory()) return [path];
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    throw historyError(`Cannot read history directory ${path}: ${(error as Error).message}.`, error);
  }
  // Rotated files carry their rotation time in the name, so name order is time order; the current file is the newest.
  const rotated = names.filter((n) => HISTORY_NAME.test(n) && n !== HISTORY_FILE).sort();
  const ordered = [...rotated, ...(names.includes(HISTORY_FILE) ? [HISTORY_FILE] : [])].map((n) =>
    join(path, n),
  );
  if (ordered.length === 0)
    throw historyError(
      `Directory ${path} has no history files (lifeline-watch*.ndjson): is it the --history directory?`,
    );
  return ordered;
}

/**
 * Splits a file into lines without ever holding more than MAX_LINE_BYTES of one line: node:readline
 * would buffer a newline-free file (binary garbage) whole. Yields undefined for an over-long line.
 */
export async function* readLines(file: string): AsyncGenerator<string | undefined> {
  let parts: Buffer[] = [];
  let size = 0;
  let overlong = false;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (overlong || size + piece.length > MAX_LINE_BYTES) yield undefined;
      else yield Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      size = 0;
      overlong = false;
    }
    if (overlong) continue;
    const rest = chunk.subarray(start);
    if (size + rest.length > MAX_LINE_BYTES) {
      overlong = true;
      parts = [];
      size = 0;
    } else if (rest.length > 0) {
      parts.push(Buffer.from(rest));
      size += rest.length;
    }
  }
  if (overlong) yield undefined;
  else if (size > 0) yield Buffer.concat(parts).toString('utf8');
}
