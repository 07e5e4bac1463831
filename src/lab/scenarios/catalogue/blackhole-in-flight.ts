import { defineScenario } from '../scenario.js';

/** The path goes dark with a command in flight. */
export default defineScenario({
  id: 'blackhole-in-flight',
  title: 'half-open connection, command in flight',
  cause: 'half-open',
  async run({ app, proxy, faultStarts, faultClears }) {
    await app.write();
    proxy.addToxic({ type: 'blackhole' });
    faultStarts();
    void app.write();
    await app.settle(8000);
    proxy.removeToxic('blackhole_downstream');
    faultClears();
    await app.probe(5000);
  },
});
