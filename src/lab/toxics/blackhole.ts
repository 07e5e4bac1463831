import { defineToxic } from './define-toxic.js';

/**
 * A half-open connection: bytes vanish both ways, and no FIN or RST arrives while it lasts. When it is
 * removed, the connections it held are reset: the path is back but the flow's state is gone (and the
 * bytes that vanished make the stream unusable anyway). New connections work again.
 */
export default defineToxic<Record<string, never>>({
  type: 'blackhole',
  description:
    'Bytes vanish in both directions; no FIN, no RST (a half-open connection). On removal the connections it held are reset.',
  scope: 'connection',
  attributes: {},
  transform: () => [],
  end: () => false,
  stop(ctx) {
    ctx.connection.reset();
  },
});
