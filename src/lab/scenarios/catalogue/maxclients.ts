import { defineScenario } from '../scenario.js';

/**
 * The app's connection is killed while the server is full: lowering maxclients keeps existing
 * connections, so only the reconnect is refused ("-ERR max number of clients reached").
 */
export default defineScenario({
  id: 'maxclients',
  title: 'reconnect refused at maxclients',
  cause: 'maxclients',
  direct: true,
  async run({ app, admin, faultStarts, faultClears, sleep, note }) {
    await app.write();
    await admin.call('CONFIG', 'SET', 'maxclients', '1');
    faultStarts();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    void app.write();
    await sleep(2500);
    await admin.call('CONFIG', 'SET', 'maxclients', '10000');
    faultClears();
    await app.settle(5000);
    await app.probe(5000);
    note(
      'rejected_connections',
      Number(/rejected_connections:(\d+)/.exec(String(await admin.info('stats')))?.[1] ?? 0),
    );
  },
});
