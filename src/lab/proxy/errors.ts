import type { ErrorCode } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';

/** A proxy or toxic request that cannot be done; `status` is the HTTP status the control API answers with. */
export class ProxyError extends LifelineError {
  override name = 'ProxyError';

  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}
