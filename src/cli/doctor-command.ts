import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { DEFAULT_URL, endpointOf, type NodeAddress } from '../core/redis-url.js';
import { doctorForUrl } from '../doctor/doctor-for-url.js';
import { renderJson } from '../doctor/report/render-json.js';
import { renderMarkdown } from '../doctor/report/render-markdown.js';
import { renderText } from '../doctor/report/render-text.js';
import type { Report } from '../doctor/report/types.js';
import { RULES } from '../doctor/rules/index.js';
import { TOPOLOGY_RULES } from '../doctor/rules/topology/index.js';
import { DOCTOR_DEFAULTS, type DoctorOptions } from '../doctor/run.js';
import { EXIT, reachesFailOn } from './exit-codes.js';
import {
  commaList,
  type FailOn,
  failOnOption,
  formatOption,
  milliseconds,
  seconds,
  sentinelAddress,
} from './option-parsers.js';
import { sentinelAuthFromEnv } from './sentinel-auth.js';

export function registerDoctor(program: Command, io: { out: (s: string) => void; isTty: boolean }): void {
  program
    .command('doctor')
    .description('Find out why Redis drops connections: one read-only look, most likely cause first')
    .argument(
      '[url]',
      `redis://, rediss:// or redis+sentinel://host:port[,host:port]/<master-name> URL (default: $REDIS_URL or ${DEFAULT_URL}); a cluster node's URL diagnoses the whole cluster`,
    )
    .option(
      '--sentinel <host:port>',
      'a sentinel to ask (repeatable); with --master-name, instead of a redis+sentinel:// URL',
      sentinelAddress,
    )
    .option('--master-name <name>', 'the master name the sentinels monitor (with --sentinel)')
    .option('--cluster', 'the URL is a Redis Cluster node: diagnose the whole cluster (else detected)')
    .option('--json', 'print the report as JSON (schemaVersion 1)')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--log <path>', 'server log file to read (default: found via CONFIG GET logfile when local)')
    .option('--only <ids>', 'run only these rules or categories (comma-separated)', commaList)
    .option('--skip <ids>', 'skip these rules or categories (comma-separated)', commaList)
    .addOption(failOnOption('exit 1 when a finding is at or above this severity'))
    .option(
      '--timeout <duration>',
      'bound for connecting and for each step',
      milliseconds,
      DOCTOR_DEFAULTS.timeoutMs,
    )
    .option('--client-idle-timeout <duration>', "your connection pool's idle timeout (e.g. 30s)", seconds)
    .option(
      '--lb-idle-timeout <duration>',
      'idle timeout of a load balancer/NAT on the path (e.g. 350s)',
      seconds,
    )
    .option(
      '--app-keepalive <duration>',
      "the TCP keepalive idle your app believes it set (e.g. 30s): this host's sockets are checked against it",
      seconds,
    )
    .option(
      '--client-timeout <duration>',
      "your client's command timeout (e.g. 5s): Sentinel and Cluster failovers are compared with it",
      milliseconds,
    )
    .option(
      '--recent <duration>',
      'a restart or failover within this long counts as recent',
      seconds,
      DOCTOR_DEFAULTS.recentS,
    )
    .option('--tls-ca <file>', 'CA certificate for rediss:// URLs')
    .option('--tls-insecure', 'do not verify the server certificate (rediss://)')
    .option('--list-rules', 'list the rules and exit')
    .option('-v, --verbose', 'show evidence and passed checks')
    .action(async (url: string | undefined, opts) => {
      if (opts.listRules) {
        io.out(
          `${[...RULES, ...TOPOLOGY_RULES].map((r) => `${r.id.padEnd(32)} ${r.category.padEnd(12)} ${r.severity.padEnd(8)} ${r.title}`).join('\n')}\n`,
        );
        return;
      }
      const common = {
        timeoutMs: opts.timeout,
        only: opts.only,
        skip: opts.skip,
        tlsCaFile: opts.tlsCa,
        tlsInsecure: opts.tlsInsecure,
        clientIdleTimeoutS: opts.clientIdleTimeout,
        lbIdleTimeoutS: opts.lbIdleTimeout,
        appKeepaliveS: opts.appKeepalive,
        recentS: opts.recent,
      } satisfies Omit<DoctorOptions, 'url'>;
      const report = await diagnoseTarget(url, opts, common);
      const format = opts.json ? 'json' : opts.format;
      io.out(
        format === 'json'
          ? renderJson(report)
          : format === 'markdown'
            ? renderMarkdown(report)
            : renderText(report, {
                color: io.isTty && !process.env.NO_COLOR,
                verbose: Boolean(opts.verbose),
              }),
      );
      process.exitCode = exitCodeFor(report, opts.failOn);
    });
}

interface AddressingOptions {
  sentinel?: NodeAddress[];
  masterName?: string;
  cluster?: boolean;
  log?: string;
  clientTimeout?: number;
}

/** The URL the addressing options name (--sentinel/--master-name become a redis+sentinel:// URL), diagnosed. */
async function diagnoseTarget(
  url: string | undefined,
  opts: AddressingOptions,
  common: Omit<DoctorOptions, 'url'>,
): Promise<Report> {
  const usage = (message: string) => new CannotRunError(ERROR_CODES.badUrl, message);
  if (opts.masterName !== undefined && !opts.sentinel)
    throw usage('--master-name goes with --sentinel host:port (or put the name in a redis+sentinel:// URL).');
  if (opts.sentinel && url !== undefined)
    throw usage('Give the sentinels either in the URL or with --sentinel, not both.');
  if (opts.sentinel && opts.masterName === undefined)
    throw usage('--sentinel needs --master-name NAME: the master name the sentinels monitor.');
  const input = opts.sentinel
    ? `redis+sentinel://${opts.sentinel.map(endpointOf).join(',')}/${encodeURIComponent(opts.masterName ?? '')}`
    : (url ?? process.env.REDIS_URL ?? DEFAULT_URL);
  return doctorForUrl(input, {
    ...common,
    ...(opts.cluster ? { cluster: true } : {}),
    ...(opts.log === undefined ? {} : { logPath: opts.log }),
    ...(opts.clientTimeout === undefined ? {} : { clientTimeoutMs: opts.clientTimeout }),
    ...sentinelAuthFromEnv(),
  });
}

export function exitCodeFor(report: Report, failOn: FailOn): number {
  if (report.summary.crashed > 0) return EXIT.findings;
  const findings = report.results.filter((r) => r.status === 'finding').map((r) => r.severity ?? 'info');
  return reachesFailOn(findings, failOn) ? EXIT.findings : EXIT.ok;
}
