export * from './client/index.js';
export { CannotRunError, LifelineError } from './core/errors.js';
export * from './doctor/index.js';
