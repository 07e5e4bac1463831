import { defineToxic } from './define-toxic.js';

/** A half-open connection: bytes vanish both ways, and no FIN or RST ever arrives. */
export default defineToxic<Record<string, never>>({
  type: 'blackhole',
  description:
    'Bytes vanish in both directions; no FIN, no RST (a half-open connection) until the toxic is removed.',
  scope: 'connection',
  attributes: {},
  transform: () => [],
  end: () => false,
});
