import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lab/redis-server/free-port.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { runCli } from '../support/run-cli.js';

/** A private CA and a server certificate for 127.0.0.1, made with the openssl CLI. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=lifeline-test-ca',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  await writeFile(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext',
  );
}

describe('lifeline doctor over TLS (rediss://)', () => {
  let certs: string;
  let server: RedisServer;
  let tlsPort: number;
  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'lifeline-tls-'));
    await makeCertificates(certs);
    tlsPort = await freePort();
    server = await startRedis({
      config: {
        'tls-port': String(tlsPort),
        'tls-cert-file': join(certs, 'server.crt'),
        'tls-key-file': join(certs, 'server.key'),
        'tls-ca-cert-file': join(certs, 'ca.crt'),
        'tls-auth-clients': 'no',
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(certs, { recursive: true, force: true });
  });

  it('connects with the private CA', async () => {
    const result = await runCli([
      'doctor',
      `rediss://127.0.0.1:${tlsPort}`,
      '--tls-ca',
      join(certs, 'ca.crt'),
      '--json',
      '--fail-on',
      'none',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).target).toMatchObject({ port: tlsPort, product: 'redis' });
  });

  it('refuses an unverified certificate with one line, and --tls-insecure skips verification', async () => {
    const refused = await runCli(['doctor', `rediss://127.0.0.1:${tlsPort}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /TLS handshake with 127\.0\.0\.1:\d+ failed \(self-signed certificate in certificate chain\).*--tls-ca/,
    );
    const insecure = await runCli([
      'doctor',
      `rediss://127.0.0.1:${tlsPort}`,
      '--tls-insecure',
      '--fail-on',
      'none',
    ]);
    expect(insecure.code).toBe(0);
  });

  it('says so when the CA file cannot be read', async () => {
    const result = await runCli([
      'doctor',
      `rediss://127.0.0.1:${tlsPort}`,
      '--tls-ca',
      '/nonexistent/ca.pem',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot read the TLS CA file \/nonexistent\/ca\.pem: ENOENT/);
  });

  it('plain redis:// against the TLS port fails with advice to use rediss://', async () => {
    const result = await runCli(['doctor', `redis://127.0.0.1:${tlsPort}`, '--timeout', '2s']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rediss:\/\//);
  });
});
