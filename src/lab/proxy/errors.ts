import { LifelineError } from '../../core/errors.js';

/** A proxy or toxic request that cannot be done; `status` is the HTTP status the control API answers with. */
export class ProxyError extends LifelineError {
  override name = 'ProxyError';

  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}
