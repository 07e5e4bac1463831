import { open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Info } from '../../src/core/parse-info.js';
import type { CollectorContext } from '../../src/doctor/collectors/context.js';
import { collectServerLog } from '../../src/doctor/collectors/server-log.js';
import { ok } from '../../src/doctor/evidence.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { readFixture } from '../support/fixture-evidence.js';

const dir = tmpdir();
const files: string[] = [];
const context = (logPath: string | undefined, logMaxBytes = 16 * 1024 * 1024, host = '127.0.0.1') =>
  ({ logPath, logMaxBytes, target: { host } }) as unknown as CollectorContext;
/** INFO as the collector reads it: only process_id matters here. */
const infoOf = (pid: number | string) => ok({ fields: { process_id: String(pid) } } as unknown as Info);

afterAll(async () => {
  await Promise.all(files.map((f) => rm(f, { force: true })));
});

describe('server log collector', () => {
  it('reads only the tail of a 2 GB log, and finds the incidents in it', async () => {
    const path = join(dir, `lifeline-big-${process.pid}.log`);
    files.push(path);
    const tail = readFixture('redis-7.4.1', 'output-buffer-pubsub', 'server.log');
    // A sparse 2 GB file: no disk used, but its size is what the collector sees.
    const handle = await open(path, 'w');
    await handle.truncate(2 * 1024 ** 3);
    await handle.write(tail, 2 * 1024 ** 3 - Buffer.byteLength(tail));
    await handle.close();
    const log = await collectServerLog(context(path, 1024 * 1024), ok({}), infoOf(1));
    expect(log.status).toBe('ok');
    if (log.status !== 'ok') return;
    expect(log.value).toMatchObject({
      tailOnly: true,
      bytesRead: 1024 * 1024,
      fileBytes: 2 * 1024 ** 3,
      source: 'option',
    });
    expect(log.value.counts['output-buffer-kill']).toBe(1);
  });

  it('finds the log from CONFIG logfile and dir when the server runs here, and says why when it cannot', async () => {
    const server = await startRedis();
    try {
      const pid = server.pid;
      const path = join(dir, `lifeline-found-${process.pid}.log`);
      files.push(path);
      await writeFile(path, readFixture('redis-7.0.15', 'restart', 'server.log'));
      const config = ok({ logfile: path.split('/').pop() ?? '', dir });
      const found = await collectServerLog(context(undefined), config, infoOf(pid));
      expect(found.status === 'ok' && found.value.runs.length).toBe(2);
      // The same CONFIG from a server elsewhere names a path on its machine, not ours: never read.
      // (No traffic: the address is only compared.)
      expect(
        await collectServerLog(context(undefined, undefined, '10.1.2.3'), config, infoOf(pid)),
      ).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/not on this host.*--log/),
      });
      // On loopback, but the process_id is not a Redis process here (a container, a forwarded port).
      expect(await collectServerLog(context(undefined), config, infoOf(process.pid))).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/not visible here/),
      });
      const stdout = await collectServerLog(context(undefined), ok({ logfile: '', dir }), infoOf(pid));
      expect(stdout).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/logs to stdout/),
      });
      const missing = await collectServerLog(
        context(undefined),
        ok({ logfile: 'nope.log', dir: '/nonexistent' }),
        infoOf(pid),
      );
      expect(missing).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/not readable from here/),
      });
    } finally {
      await server.stop();
    }
  });

  it('rejects a file the user named when it is not a Redis log', async () => {
    const path = join(dir, `lifeline-garbage-${process.pid}.log`);
    files.push(path);
    await writeFile(path, Buffer.from([0, 1, 2, 3, 10, 0x47, 0x45, 0x54, 10]));
    await expect(collectServerLog(context(path), ok({}), infoOf(1))).rejects.toMatchObject({
      code: 'ERR_LIFELINE_LOG',
      message: expect.stringMatching(/looks like a Redis or Valkey log line/),
    });
  });
});
