// An app as people write them: ioredis, its errors in its own log with ISO timestamps (UTC, "Z").
// Driven by lines on stdin: "bulk" sends one oversized SET on its own connection (past
// client-query-buffer-limit). Prints "ready" once its worker connection answers.
//   node node-app.mjs <port> <log>
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';

const [port, logPath] = [Number(process.argv[2]), process.argv[3]];
const log = (level, message) =>
  appendFileSync(logPath, `${new Date().toISOString()} ${level} app: ${message}\n`);
const options = { host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 100 };

const worker = new Redis({ ...options, connectionName: 'node-worker' });
worker.on('error', (e) => log('ERROR', `[ioredis] ${e.message}`));
let stopping = false;
(async () => {
  await worker.ping();
  process.stdout.write('ready\n');
  while (!stopping) {
    await worker.get('k').catch((e) => log('ERROR', `redis GET failed: ${e.message}`));
    await new Promise((r) => setTimeout(r, 50));
  }
})();

createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line === 'bulk') {
    const bulk = new Redis({ ...options, connectionName: 'node-bulk', retryStrategy: () => null });
    bulk.on('error', (e) => log('ERROR', `[ioredis] ${e.message}`));
    await bulk
      .set('big', 'x'.repeat(2 * 1024 * 1024))
      .catch((e) => log('ERROR', `redis SET failed: ${e.message}`));
    bulk.disconnect();
    process.stdout.write('bulk done\n');
  }
  if (line === 'stop') {
    stopping = true;
    worker.disconnect();
    process.exit(0);
  }
});
