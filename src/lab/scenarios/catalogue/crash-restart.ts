import { defineScenario } from '../scenario.js';
import { DURABLE, restartUnderTraffic } from './server-restart.js';

export default defineScenario({
  id: 'crash-restart',
  title: 'crash (kill -9), down 1 s',
  cause: 'server-crash',
  direct: true,
  config: DURABLE,
  run: (ctx) => restartUnderTraffic(ctx, 'crash'),
});
