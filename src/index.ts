export * from './client/index.js';
export { CAUSES, type Cause, isCause } from './core/causes.js';
export { ERROR_CODES, type ErrorCode } from './core/error-codes.js';
export { CannotRunError, LifelineError } from './core/errors.js';
export * from './doctor/index.js';
