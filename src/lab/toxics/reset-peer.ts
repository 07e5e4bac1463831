import { defineToxic } from './define-toxic.js';

/** Resets the connection (TCP RST: "Connection reset by peer") at once or after `timeout` ms. */
export default defineToxic<{ timeout: number }>({
  type: 'reset_peer',
  description:
    'Simulates a TCP RESET (Connection reset by peer) on the connection, immediately or after timeout.',
  scope: 'stream',
  attributes: { timeout: { default: 0, doc: 'time in milliseconds' } },
  start(ctx) {
    ctx.state.timer = setTimeout(() => ctx.connection.reset(), ctx.attributes.timeout);
  },
  stop(ctx) {
    clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
  },
});
