import { open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { localServerProcess } from '../../core/local-server.js';
import { summarizeLog } from '../../core/log/summarize-log.js';
import type { Info } from '../../core/parse-info.js';
import { type Collected, type LogEvidence, ok, unavailable } from '../evidence.js';
import type { CollectorContext } from './context.js';

/**
 * Reads the tail of the server log: the file named by --log, or the one CONFIG GET logfile/dir points
 * at when the server runs on this host. A log the user named but we cannot use is a hard error (exit 2);
 * one we only guessed at is "unavailable".
 */
export async function collectServerLog(
  ctx: CollectorContext,
  config: Collected<Record<string, string>>,
  info: Collected<Info>,
): Promise<Collected<LogEvidence>> {
  if (ctx.logPath) {
    try {
      return ok(await readLog(ctx.logPath, ctx.logMaxBytes, 'option'));
    } catch (error) {
      throw new CannotRunError(
        ERROR_CODES.log,
        `Cannot use the log file ${ctx.logPath}: ${describe(error)}.`,
      );
    }
  }
  if (config.status !== 'ok')
    return unavailable(`no --log given and CONFIG is not available (${config.reason})`);
  const logfile = config.value.logfile ?? '';
  if (logfile === '')
    return unavailable(
      'the server logs to stdout (logfile is empty); pass --log PATH if its output is captured',
    );
  // CONFIG names a path on the server's machine: read only when that machine is this one.
  const here = await localServerProcess(
    ctx.target.host,
    info.status === 'ok' ? info.value.fields.process_id : undefined,
  );
  if ('reason' in here) return unavailable(`${here.reason}; pass --log PATH if a copy of its log is here`);
  const path = isAbsolute(logfile) ? logfile : join(config.value.dir ?? '', logfile);
  try {
    return ok(await readLog(path, ctx.logMaxBytes, 'config'));
  } catch (error) {
    return unavailable(`log ${path} is not readable from here (${describe(error)}); pass --log PATH`);
  }
}

async function readLog(path: string, maxBytes: number, source: LogEvidence['source']): Promise<LogEvidence> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    // NUL runs appear after a crash or a truncate-in-place rotation; they are not log lines.
    let text = buffer.toString('utf8').replace(/\0+/g, '\n');
    // A tail read starts mid-line: drop the partial first line.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    const summary = summarizeLog(text);
    if (summary.linesRead > 0 && summary.linesParsed === 0) {
      throw new Error(`none of its ${summary.linesRead} lines looks like a Redis or Valkey log line`);
    }
    return { ...summary, path, fileBytes: size, bytesRead: length, tailOnly: length < size, source };
  } finally {
    await handle.close();
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a directory';
  return e.message ?? String(error);
}
