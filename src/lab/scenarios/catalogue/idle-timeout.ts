import { defineScenario } from '../scenario.js';

/** The server's `timeout 2` reaps the app's idle connection; then the app writes again. */
export default defineScenario({
  id: 'idle-timeout',
  title: 'server timeout reaps an idle connection',
  cause: 'idle-timeout',
  direct: true,
  config: { timeout: '2' },
  async run({ app, faultStarts, faultClears, now, sleep }) {
    await app.write();
    faultStarts(now() + 2000); // Redis closes it once idle for more than timeout (checked ~1/s)
    await sleep(3500);
    faultClears();
    await app.write();
    await app.probe(5000);
  },
});
