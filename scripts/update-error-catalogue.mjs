// Regenerates data/error-catalogue.json from lab runs: every client through the single-server
// catalogue RUNS times (npm run catalogue; needs `npm run build` and the probes' packages, as npm test).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CATALOGUE_CLIENTS } from '../dist/explain/catalogue-clients.js';
import { catalogueFromLab } from '../dist/explain/catalogue-from-lab.js';
import { runLab } from '../dist/lab/run-lab.js';

const RUNS = Number(process.env.CATALOGUE_RUNS ?? 5);
const server = execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], {
  encoding: 'utf8',
}).match(/v=(\S+)/)?.[1];
const runs = [];
for (let i = 0; i < RUNS; i++) {
  // Two clients at a time: the machine has two cores and the scenarios time their faults.
  for (let j = 0; j < CATALOGUE_CLIENTS.length; j += 2) {
    const pair = CATALOGUE_CLIENTS.slice(j, j + 2);
    const reports = await Promise.all(pair.map((client) => runLab({ client })));
    pair.forEach((client, k) => {
      const report = reports[k];
      const broken = report.results.filter((r) => r.measurement.error);
      for (const r of broken) console.error(`${client} ${r.measurement.scenario}: ${r.measurement.error}`);
      runs.push({ client, report });
    });
    console.error(`run ${i + 1}/${RUNS}: ${pair.join(', ')} done`);
  }
}
const catalogue = catalogueFromLab(runs, `redis-server ${server}`);
writeFileSync(
  new URL('../data/error-catalogue.json', import.meta.url),
  `${JSON.stringify(catalogue, null, 2)}\n`,
);
console.error(
  `data/error-catalogue.json: ${catalogue.messages.length} messages from ${RUNS} runs per client`,
);
