import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { parseConfigText } from '../../src/core/parse-config.js';
import { parseInfo } from '../../src/core/parse-info.js';
import { redactConfig } from '../../src/core/redact.js';
import { identifyServer } from '../../src/core/server-product.js';
import { summarizeClientList } from '../../src/doctor/collectors/clients.js';
import { type DoctorSettings, type Evidence, ok, unavailable } from '../../src/doctor/evidence.js';

/** Real captures from several server versions (test/fixtures/README.md says how each was made). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureVersions(): string[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export const readFixture = (version: string, scenario: string, file: string): string =>
  readFileSync(`${FIXTURES_DIR}${version}/${scenario}/${file}`, 'utf8');

const DEFAULT_SETTINGS: DoctorSettings = {
  clientIdleTimeoutS: undefined,
  lbIdleTimeoutS: undefined,
  recentS: 86_400,
};

/**
 * Evidence as the collectors would build it from a capture: INFO, CONFIG, CLIENT LIST and the log;
 * host facts are unavailable (the capture host is not this one), like a doctor run from elsewhere.
 */
export function fixtureEvidence(
  version: string,
  scenario: string,
  overrides: { settings?: Partial<DoctorSettings>; withoutLog?: boolean } = {},
): Evidence {
  const info = parseInfo(readFixture(version, scenario, 'info.txt'));
  const config = redactConfig(parseConfigText(readFixture(version, scenario, 'config.txt')));
  const clientList = readFixture(version, scenario, 'client-list.txt');
  // The capturing redis-cli's own line plays the part of the doctor's own connection.
  const ownId = /id=(\d+) [^\n]*cmd=client\|list/.exec(clientList)?.[1];
  const logText = readFixture(version, scenario, 'server.log');
  const identity = identifyServer(info);
  return {
    target: {
      url: 'redis://127.0.0.1:6390',
      host: '127.0.0.1',
      port: 6390,
      tls: false,
      hasAuth: false,
      username: undefined,
      ...identity,
      pingMs: 0.1,
    },
    info: ok(info),
    config: ok(config),
    clients: ok(summarizeClientList(clientList, ownId)),
    slowlog: ok([]),
    latency: ok([]),
    log: overrides.withoutLog
      ? unavailable('not given')
      : ok({
          ...summarizeLog(logText),
          path: 'server.log',
          fileBytes: logText.length,
          bytesRead: logText.length,
          tailOnly: false,
          source: 'option',
        }),
    host: unavailable('the capture host is not this one'),
    hostSockets: unavailable('the capture host is not this one'),
    settings: { ...DEFAULT_SETTINGS, ...overrides.settings },
  };
}
