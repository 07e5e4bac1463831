import { defineScenario } from '../scenario.js';

/** The path goes dark while the connection is idle (no FIN, no RST); the app writes 1 s later. */
export default defineScenario({
  id: 'blackhole-idle',
  title: 'half-open connection, idle when it breaks',
  cause: 'half-open',
  async run({ app, proxy, faultStarts, faultClears, sleep }) {
    await app.write();
    proxy.addToxic({ type: 'blackhole' });
    faultStarts();
    await sleep(1000);
    void app.write();
    await app.settle(8000);
    proxy.removeToxic('blackhole_downstream');
    faultClears();
    await app.probe(5000);
  },
});
