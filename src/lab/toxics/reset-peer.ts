import { defineToxic, type ToxicContext } from './define-toxic.js';

type Ctx = ToxicContext<{ timeout: number }>;

/**
 * The first chunk (or the end of stream) on the toxic's stream triggers it: from then on that stream's
 * bytes are dropped, and `timeout` ms later both sides get a bare RST (SO_LINGER 0), never a FIN.
 */
function trigger(ctx: Ctx): void {
  if (ctx.state.timer) return;
  ctx.connection.discard(ctx.stream);
  ctx.state.timer = setTimeout(() => ctx.connection.reset(), ctx.attributes.timeout);
}

/**
 * Toxiproxy's ResetToxic: waits for data; the data that comes is dropped, and after `timeout` ms (0 = at
 * once) the connection is reset. Once triggered it cannot be called off: removing or updating the
 * toxic during the wait still ends in the reset (Toxiproxy's wait is not interruptible).
 */
export default defineToxic<{ timeout: number }>({
  type: 'reset_peer',
  description:
    'Simulates a TCP RESET (Connection reset by peer) on the connection, immediately or after timeout, once data arrives on its stream; that data and any after it is dropped.',
  scope: 'stream',
  attributes: { timeout: { default: 0, doc: 'time in milliseconds' } },
  transform(_chunk, ctx) {
    trigger(ctx);
    return [];
  },
  end(ctx) {
    trigger(ctx);
    return false;
  },
  stop(ctx, reason) {
    if (reason === 'closed') clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
  },
});
