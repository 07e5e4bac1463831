import { describe, expect, it } from 'vitest';
import { effectiveLimit, parseBufferLimits } from '../../src/core/parse-buffer-limits.js';
import { clientClass, parseClientFields, parseClientList } from '../../src/core/parse-client-list.js';
import { parseConfigText } from '../../src/core/parse-config.js';
import { commandCalls, infoNumber, parseInfo } from '../../src/core/parse-info.js';
import { identifyServer, versionAtLeast } from '../../src/core/server-product.js';
import { fixtureVersions, readFixture } from '../support/fixture-evidence.js';

describe('parseInfo', () => {
  it.each(fixtureVersions())('reads every section of INFO everything from %s (CRLF)', (version) => {
    const info = parseInfo(readFixture(version, 'healthy', 'info.txt'));
    expect(Object.keys(info.sections)).toEqual(
      expect.arrayContaining(['server', 'clients', 'stats', 'commandstats']),
    );
    expect(infoNumber(info, 'connected_clients')).toBe(4);
    expect(info.fields.run_id).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.values(info.fields).some((v) => v.endsWith('\r'))).toBe(false);
  });

  it('counts calls of subcommands from commandstats', () => {
    const info = parseInfo('# Commandstats\r\ncmdstat_client|kill:calls=3,usec=12,usec_per_call=4.00\r\n');
    expect(commandCalls(info, 'client|kill')).toBe(3);
    expect(commandCalls(info, 'keys')).toBe(0);
  });

  it('reports a field a version lacks as undefined, not 0', () => {
    const info = parseInfo(readFixture('redis-7.0.15', 'healthy', 'info.txt'));
    expect(infoNumber(info, 'client_output_buffer_limit_disconnections')).toBeUndefined();
    expect(infoNumber(info, 'evicted_clients')).toBe(0);
  });
});

describe('identifyServer', () => {
  it.each([
    ['redis-7.0.15', 'redis', '7.0.15'],
    ['redis-8.0-m01', 'redis', '7.9.224'],
    ['valkey-8.0.1', 'valkey', '8.0.1'],
  ])('%s is %s %s', (fixture, product, version) => {
    const id = identifyServer(parseInfo(readFixture(fixture, 'healthy', 'info.txt')));
    expect(id).toMatchObject({ product, version, mode: 'standalone', role: 'master' });
  });

  it('compares versions numerically', () => {
    expect(versionAtLeast('7.10.0', '7.2')).toBe(true);
    expect(versionAtLeast('7.0.15', '7.2')).toBe(false);
    expect(versionAtLeast('7.4.0', '7.4')).toBe(true);
  });
});

describe('CONFIG and CLIENT LIST', () => {
  it('reads redis-cli CONFIG GET * output, keeping empty values', () => {
    const config = parseConfigText(readFixture('redis-7.2.6', 'idle-timeout', 'config.txt'));
    expect(config.timeout).toBe('2');
    expect(config.requirepass).toBe('');
    expect(Object.keys(config).length).toBeGreaterThan(150);
  });

  it('classifies clients the way Redis applies output-buffer classes', () => {
    const clients = parseClientList(readFixture('redis-7.4.1', 'healthy', 'client-list.txt'));
    expect(clients.map(clientClass).sort()).toEqual(['normal', 'normal', 'pubsub', 'pubsub']);
    expect(clientClass(parseClientFields('id=1 flags=O cmd=monitor'))).toBe('normal');
    expect(clientClass(parseClientFields('id=2 flags=S cmd=replconf'))).toBe('replica');
  });

  it('parses output-buffer limits, accepting "slave" and unit suffixes', () => {
    const limits = parseBufferLimits('normal 1mb 256kb 5 slave 268435456 67108864 60 pubsub 262144 65536 5');
    expect(limits.normal).toEqual({ hardBytes: 1048576, softBytes: 262144, softSeconds: 5 });
    expect(limits.replica.hardBytes).toBe(268435456);
    expect(effectiveLimit(limits.pubsub)).toBe(65536);
    expect(effectiveLimit({ hardBytes: 0, softBytes: 0, softSeconds: 0 })).toBe(0);
  });
});
