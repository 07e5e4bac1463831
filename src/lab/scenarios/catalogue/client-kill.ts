import { defineScenario } from '../scenario.js';

/** An operator (or Sentinel) runs CLIENT KILL TYPE normal while the app is idle. */
export default defineScenario({
  id: 'client-kill',
  title: 'CLIENT KILL of an idle connection',
  cause: 'client-kill',
  direct: true,
  async run({ app, admin, faultStarts, faultClears, sleep }) {
    await app.write();
    faultStarts();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    faultClears();
    await sleep(500);
    await app.write();
    await app.probe(5000);
  },
});
