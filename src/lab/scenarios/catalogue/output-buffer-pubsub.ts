import { defineScenario } from '../scenario.js';

const MESSAGES = 20_000;
const PAYLOAD = 'x'.repeat(1000);

/** A subscriber reading at 50 KB/s while 20,000 × 1 KB messages are published: pubsub 256kb 64kb 5. */
export default defineScenario({
  id: 'output-buffer-pubsub',
  title: 'slow subscriber cut by client-output-buffer-limit',
  cause: 'output-buffer-limit',
  config: { 'client-output-buffer-limit': 'pubsub 256kb 64kb 5' },
  async run({ app, proxy, admin, faultStarts, faultClears, sleep, note }) {
    await app.subscribe('lab:ch');
    proxy.addToxic({ type: 'bandwidth', attributes: { rate: 50 } });
    faultStarts();
    for (let start = 1; start <= MESSAGES; start += 1000) {
      const batch = admin.pipeline();
      for (let n = start; n < start + 1000; n++) {
        batch.publish('lab:ch', `${n}:${PAYLOAD}`);
        app.published.push(n);
      }
      await batch.exec();
    }
    await sleep(1500);
    proxy.removeToxic('bandwidth_downstream');
    faultClears();
    await sleep(1500); // time to resubscribe
    for (let n = MESSAGES + 1; n <= MESSAGES + 100; n++) {
      await admin.publish('lab:ch', `${n}:after`);
      app.published.push(n);
    }
    await sleep(1000);
    await app.probe(5000);
    const stats = String(await admin.info('stats'));
    note('kills', Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(stats)?.[1] ?? Number.NaN));
  },
});
