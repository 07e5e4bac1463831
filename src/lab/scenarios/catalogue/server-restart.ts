import type { ScenarioContext } from '../scenario.js';

/** Steady writes while the server goes away for 1 s and comes back (AOF always, so writes survive). */
export async function restartUnderTraffic(ctx: ScenarioContext, how: 'shutdown' | 'crash'): Promise<void> {
  const { app, server, faultStarts, faultClears, sleep } = ctx;
  await app.write();
  let writing = true;
  const traffic = (async () => {
    while (writing) {
      void app.write();
      await sleep(100);
    }
  })();
  await sleep(300);
  faultStarts();
  await server.restart(how, { downMs: 1000 });
  faultClears();
  await sleep(1500);
  writing = false;
  await traffic;
  await app.settle(6000);
  await app.probe(5000);
}

export const DURABLE = { appendonly: 'yes', appendfsync: 'always' };
