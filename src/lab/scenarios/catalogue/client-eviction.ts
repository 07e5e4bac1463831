import { defineScenario } from '../scenario.js';
import { oversizedWrite } from './oversized-write.js';

/** A 3 MB SET from the app over maxmemory-clients 1mb, with an INCR behind it. */
export default defineScenario({
  id: 'client-eviction',
  title: 'maxmemory-clients evicts the app',
  cause: 'client-eviction',
  direct: true,
  config: { 'maxmemory-clients': '1mb' },
  async run(ctx) {
    await oversizedWrite(ctx, 3, ['maxmemory-clients', '0']);
    const stats = String(await ctx.admin.info('stats'));
    ctx.note('evicted_clients', Number(/evicted_clients:(\d+)/.exec(stats)?.[1] ?? 0));
  },
});
