import { defineScenario } from '../scenario.js';
import { oversizedWrite } from './oversized-write.js';

/** A 2 MB SET over client-query-buffer-limit 1mb, with an INCR behind it. */
export default defineScenario({
  id: 'query-buffer',
  title: 'oversized command cut by client-query-buffer-limit',
  cause: 'query-buffer-limit',
  direct: true,
  config: { 'client-query-buffer-limit': '1mb' },
  run: (ctx) => oversizedWrite(ctx, 2, ['client-query-buffer-limit', '1gb']),
});
