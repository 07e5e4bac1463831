import type { ScenarioContext } from '../scenario.js';

/**
 * The app sends one SET of `megabytes` MB with an INCR behind it; after 3 s the limit that cuts it is
 * lifted (`lift` = the CONFIG SET that does it), so recovery can be measured.
 */
export async function oversizedWrite(
  ctx: ScenarioContext,
  megabytes: number,
  lift: [string, string],
): Promise<void> {
  const { app, admin, faultStarts, faultClears, sleep } = ctx;
  await app.write();
  faultStarts();
  void app.read(['SET', 'lab:big', 'v'.repeat(megabytes * 1024 * 1024)], `SET lab:big <${megabytes} MB>`);
  void app.write();
  await sleep(3000);
  await admin.call('CONFIG', 'SET', ...lift);
  faultClears();
  await app.settle(4000);
  await app.probe(5000);
}
