// Benchmark (issue target): SafeSubscriber keeps up with a 20,000 × 1 KB burst under a 1 ms handler
// where the raw subscriber is killed at `client-output-buffer-limit pubsub 256kb 64kb 5`. The publisher
// is another process, as in production; each side gets a fresh server so one kill cannot hide another.
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { startLifecycle } from './lib/lifecycle.mjs';
import { exitUnlessBuilt, LAB, ROOT } from './lib/paths.mjs';
import { assertPort } from './lib/port-guard.mjs';
import { printVerdict, progressLog, writeResult } from './lib/report.mjs';

const NAME = 'safe-subscriber';
const MESSAGES = 20_000;
const HANDLER_MS = 1;
const log = progressLog(NAME);
exitUnlessBuilt(log, [LAB, `${ROOT}/dist/client/index.js`]);
const life = startLifecycle({ log, overallTimeoutMs: 180_000 });
const { startRedis } = await import(LAB);
const { SafeSubscriber } = await import(`${ROOT}/dist/client/index.js`);

const busy = () => {
  const until = performance.now() + HANDLER_MS;
  while (performance.now() < until) {
    // a handler's CPU time
  }
};

function publish(port) {
  assertPort(port);
  const script = `import { Redis } from 'ioredis';
    const r = new Redis({ port: ${port}, host: '127.0.0.1' }); const body = 'x'.repeat(1000);
    for (let s = 0; s < ${MESSAGES}; s += 500) { const p = r.pipeline();
      for (let i = s; i < s + 500; i++) p.publish('burst', i + ':' + body); await p.exec(); }
    r.disconnect();`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 }, (e) =>
      e ? reject(e) : resolve(),
    ),
  );
}

async function trial(kind) {
  const server = await startRedis({ config: { 'client-output-buffer-limit': 'pubsub 256kb 64kb 5' } });
  life.onCleanup(() => server.stop());
  const client = new Redis({ port: server.port, host: '127.0.0.1' });
  client.on('error', () => undefined);
  life.onCleanup(() => client.disconnect());
  const seen = new Set();
  const onMessage = (message) => {
    busy();
    seen.add(Number(String(message).split(':')[0]));
  };
  let sub;
  if (kind === 'raw') {
    client.on('message', (_channel, message) => onMessage(message));
    await client.subscribe('burst');
  } else {
    sub = new SafeSubscriber(client, { handler: onMessage });
    await sub.subscribe('burst');
  }
  const started = performance.now();
  await publish(server.port);
  if (sub) await sub.drained(60_000);
  else await new Promise((r) => setTimeout(r, MESSAGES * HANDLER_MS + 2000)); // long enough to handle all
  const ms = Math.round(performance.now() - started);
  const kills = ((await server.readLog()).match(/for overcoming of output buffer limits/g) ?? []).length;
  client.disconnect();
  await server.stop();
  return {
    kind,
    handled: seen.size,
    kills,
    ms,
    maxLagMs: sub?.stats.maxLagMs ?? null,
    dropped: sub?.stats.dropped ?? null,
  };
}

await life.run(async () => {
  const raw = await trial('raw');
  log(`raw subscriber: ${raw.handled}/${MESSAGES} handled, ${raw.kills} kill(s) in the server log`);
  const safe = await trial('safe');
  log(
    `SafeSubscriber: ${safe.handled}/${MESSAGES} handled in ${safe.ms} ms, ${safe.kills} kill(s), max lag ${safe.maxLagMs} ms`,
  );
  const failures = [];
  if (safe.handled !== MESSAGES) failures.push(`SafeSubscriber handled ${safe.handled} of ${MESSAGES}`);
  if (safe.kills > 0) failures.push(`SafeSubscriber was killed ${safe.kills} time(s)`);
  if (raw.kills === 0)
    failures.push('the raw subscriber was not killed: the burst did not exercise the limit');
  await writeResult({
    benchmark: NAME,
    context: { messages: MESSAGES, handlerMs: HANDLER_MS, raw, safe },
    runs: 1,
    targets: { safeHandledAll: true, safeKills: 0, rawKilled: true },
    series: {},
    ratio: null,
    failures,
    log,
  });
  return printVerdict(failures, 'SafeSubscriber kept up; the raw subscriber was cut off');
});
