import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';

/** A log correlate cannot use: one line naming the file and what failed (exit 2). */
export const inputError = (file: string, what: string): CannotRunError =>
  new CannotRunError(ERROR_CODES.correlateInput, `${file === '-' ? 'stdin' : file}: ${what}`);

/** A read failure in a few words: errno codes and zlib's, never a stack. */
export function describeReadError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'cannot read it: no such file';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'cannot read it: permission denied';
  if (e?.code === 'EISDIR') return 'cannot read it: it is a directory';
  if (typeof e?.code === 'string' && e.code.startsWith('Z_'))
    return `not a valid gzip stream (${e.message ?? e.code}); decompress it or pass the plain file`;
  const message = e instanceof Error ? e.message : String(error);
  return `cannot read it: ${message.split('\n')[0]}`;
}
