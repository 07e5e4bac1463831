import { defineToxic } from './define-toxic.js';
import { stopWatchingIdle, watchIdle } from './idle-timer.js';

/** A load balancer or NAT with "TCP reset on idle": after `timeout` ms without traffic, RST both ways. */
export default defineToxic<{ timeout: number }>({
  type: 'idle_reset',
  description:
    'Sends a TCP RST to both sides once the connection has been idle (no bytes either way) for timeout ms.',
  scope: 'connection',
  attributes: {
    timeout: { default: 240_000, doc: 'idle time in milliseconds (Azure Load Balancer: 240000)' },
  },
  start(ctx) {
    watchIdle(ctx, ctx.attributes.timeout, () => ctx.connection.reset());
  },
  stop: stopWatchingIdle,
});
