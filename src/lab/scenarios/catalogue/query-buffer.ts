import { defineScenario } from '../scenario.js';

/** A 2 MB SET over client-query-buffer-limit 1mb, with an INCR behind it. */
export default defineScenario({
  id: 'query-buffer',
  title: 'oversized command cut by client-query-buffer-limit',
  direct: true,
  config: { 'client-query-buffer-limit': '1mb' },
  async run({ app, admin, faultStarts, faultClears, sleep }) {
    await app.write();
    faultStarts();
    void app.read(['SET', 'lab:big', 'q'.repeat(2 * 1024 * 1024)], 'SET lab:big <2 MB>');
    void app.write();
    await sleep(3000);
    await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1gb');
    faultClears();
    await app.settle(4000);
    await app.probe(5000);
  },
});
