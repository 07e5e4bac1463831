import { defineToxic } from './define-toxic.js';

/**
 * Forwards the client's command, swallows the server's reply, then resets the client: the command ran
 * but the client cannot know (the "did my INCR run?" case). Fires once per toxic (a reconnecting
 * client's handshake is not swallowed again); update or re-add the toxic to fire again.
 */
export default defineToxic<Record<string, never>>({
  type: 'reply_drop',
  description:
    'Lets commands through, drops the next reply from the server, then resets that client connection (and closes its server side). Fires once.',
  scope: 'connection',
  attributes: {},
  transform(chunk, ctx) {
    if (ctx.stream === 'upstream' || (ctx.shared.fired && !ctx.state.victim)) return [chunk];
    if (!ctx.shared.fired) {
      ctx.shared.fired = true;
      ctx.state.victim = true;
      setImmediate(() => ctx.connection.reset());
    }
    return [];
  },
});
