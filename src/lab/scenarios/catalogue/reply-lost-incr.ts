import { defineScenario } from '../scenario.js';

/** INCR runs on the server, its reply is lost and the connection reset: did it run? */
export default defineScenario({
  id: 'reply-lost-incr',
  title: 'INCR ran, its reply was lost, connection reset',
  cause: 'network',
  async run({ app, proxy, faultStarts, faultClears }) {
    await app.write();
    proxy.addToxic({ type: 'reply_drop' });
    faultStarts();
    void app.write();
    await app.settle(5000);
    proxy.removeToxic('reply_drop_downstream');
    faultClears();
    await app.probe(5000);
  },
});
