import { defineToxic } from './define-toxic.js';

/** Drops everything; closes the connection after `timeout` ms, or never when 0 (a blackhole on one stream). */
export default defineToxic<{ timeout: number }>({
  type: 'timeout',
  description:
    'Stops all data from getting through, and closes the connection after timeout. If timeout is 0, the connection stays open and data is dropped until the toxic is removed.',
  scope: 'stream',
  attributes: { timeout: { default: 0, doc: 'time in milliseconds (0 = never close)' } },
  start(ctx) {
    if (ctx.attributes.timeout > 0)
      ctx.state.timer = setTimeout(() => ctx.connection.close(), ctx.attributes.timeout);
  },
  transform: () => [], // the end of stream still passes, as in Toxiproxy's TimeoutToxic
  stop(ctx) {
    clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
  },
});
