import { defineScenario } from '../scenario.js';
import { DURABLE, restartUnderTraffic } from './server-restart.js';

export default defineScenario({
  id: 'restart',
  title: 'clean restart (SIGTERM), down 1 s',
  cause: 'server-restart',
  direct: true,
  config: DURABLE,
  run: (ctx) => restartUnderTraffic(ctx, 'shutdown'),
});
