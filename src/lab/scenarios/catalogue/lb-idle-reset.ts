import { defineScenario } from '../scenario.js';

/** A load balancer with "TCP reset on idle" (2 s here; Azure's default is 240 s) resets the idle flow. */
export default defineScenario({
  id: 'lb-idle-reset',
  title: 'load balancer resets an idle flow',
  cause: 'lb-idle-reset',
  async run({ app, proxy, faultStarts, faultClears, now, sleep }) {
    await app.write();
    const added = now(); // before the toxic starts its clock: the fault cannot come before faultAt
    proxy.addToxic({ type: 'idle_reset', attributes: { timeout: 2000 } });
    faultStarts(added + 2000);
    await sleep(3000);
    proxy.removeToxic('idle_reset_downstream');
    faultClears();
    await app.write();
    await app.probe(5000);
  },
});
