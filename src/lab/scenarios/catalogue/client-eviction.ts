import { defineScenario } from '../scenario.js';

/** A 3 MB SET from the app over maxmemory-clients 1mb, with an INCR behind it. */
export default defineScenario({
  id: 'client-eviction',
  title: 'maxmemory-clients evicts the app',
  direct: true,
  config: { 'maxmemory-clients': '1mb' },
  async run({ app, admin, faultStarts, faultClears, sleep, note }) {
    await app.write();
    faultStarts();
    void app.read(['SET', 'lab:big', 'z'.repeat(3 * 1024 * 1024)], 'SET lab:big <3 MB>');
    void app.write();
    await sleep(3000);
    await admin.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    faultClears();
    await app.settle(4000);
    await app.probe(5000);
    note(
      'evicted_clients',
      Number(/evicted_clients:(\d+)/.exec(String(await admin.info('stats')))?.[1] ?? 0),
    );
  },
});
