import { defineScenario } from '../scenario.js';

/** A 4 MB LRANGE reply over `normal 1mb 256kb 5`, with an INCR sent in the same tick. */
export default defineScenario({
  id: 'output-buffer-normal',
  title: 'big reply cut by client-output-buffer-limit (normal class)',
  cause: 'output-buffer-limit',
  direct: true,
  config: { 'client-output-buffer-limit': 'normal 1mb 256kb 5' },
  async run({ app, admin, faultStarts, faultClears, sleep }) {
    const fill = admin.pipeline();
    for (let i = 0; i < 20; i++)
      fill.rpush('lab:big', ...Array.from({ length: 1000 }, () => 'y'.repeat(200)));
    await fill.exec();
    await app.write();
    faultStarts();
    void app.write();
    void app.read(['LRANGE', 'lab:big', '0', '-1'], 'LRANGE lab:big 0 -1 (4 MB)');
    await sleep(4000);
    await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
    faultClears();
    await app.settle(4000);
    await app.probe(5000);
  },
});
