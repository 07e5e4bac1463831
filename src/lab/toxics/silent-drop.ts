import { defineToxic } from './define-toxic.js';
import { stopWatchingIdle, watchIdle } from './idle-timer.js';

/**
 * A NAT that forgets an idle flow: after `timeout` ms of idle nothing happens until the client writes,
 * which then gets a RST. The server never hears of it and keeps a ghost connection.
 */
export default defineToxic<{ timeout: number }>({
  type: 'silent_drop',
  description:
    'After timeout ms of idle the flow is forgotten: the next client write gets a RST, nothing reaches the server, and the server side stays open (a ghost).',
  scope: 'connection',
  attributes: { timeout: { default: 350_000, doc: 'idle time in milliseconds (AWS NLB: 350000)' } },
  start(ctx) {
    watchIdle(ctx, ctx.attributes.timeout, () => {
      ctx.state.forgotten = true;
    });
  },
  transform(chunk, ctx) {
    if (!ctx.state.forgotten) return [chunk];
    if (ctx.stream === 'upstream') ctx.connection.resetClientKeepServer();
    return []; // a forgotten flow delivers nothing, either way
  },
  end: (ctx) => !ctx.state.forgotten,
  stop: stopWatchingIdle,
});
