import { defineToxic, type ToxicContext } from './define-toxic.js';

type Ctx = ToxicContext<{ timeout: number }>;

/** (Re)starts the wait before the close: Toxiproxy's TimeoutToxic waits `timeout` again after every chunk it drops. */
function arm(ctx: Ctx): void {
  clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
  if (ctx.attributes.timeout > 0)
    ctx.state.timer = setTimeout(() => ctx.connection.close(), ctx.attributes.timeout);
}

/**
 * Drops everything on its stream; closes the connection once `timeout` ms pass with nothing to drop, or
 * never when 0. Removing it closes the connections it held (Toxiproxy's TimeoutToxic.Cleanup): what it
 * dropped would otherwise leave the stream out of step (the next reply answering the lost command).
 */
export default defineToxic<{ timeout: number }>({
  type: 'timeout',
  description:
    'Stops all data from getting through, and closes the connection after timeout. If timeout is 0, the connection stays open and data is dropped until the toxic is removed; removing it closes the connections it held.',
  scope: 'stream',
  attributes: { timeout: { default: 0, doc: 'time in milliseconds (0 = never close)' } },
  start: arm,
  transform(_chunk, ctx) {
    arm(ctx);
    return [];
  },
  // The end of stream still passes, as in Toxiproxy's TimeoutToxic.
  stop(ctx, reason) {
    clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
    if (reason === 'removed') ctx.connection.close();
  },
});
