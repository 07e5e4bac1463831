import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError, isCannotRun } from '../core/errors.js';
import {
  DEFAULT_URL,
  endpointOf,
  isSentinelUrl,
  type NodeAddress,
  parseRedisUrl,
  parseSentinelUrl,
} from '../core/redis-url.js';
import { renderJson } from '../doctor/report/render-json.js';
import { renderMarkdown } from '../doctor/report/render-markdown.js';
import { renderText } from '../doctor/report/render-text.js';
import type { Report } from '../doctor/report/types.js';
import { RULES } from '../doctor/rules/index.js';
import { TOPOLOGY_RULES } from '../doctor/rules/topology/index.js';
import { DOCTOR_DEFAULTS, type DoctorOptions, runDoctor } from '../doctor/run.js';
import { endpointKind, sentinelGivenError } from '../doctor/topology/node-facts.js';
import {
  runTopologyDoctor,
  selectTopologyRules,
  type TopologyDoctorOptions,
} from '../doctor/topology/run-topology-doctor.js';
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

/**
 * Which doctor the address asks for: a redis+sentinel:// URL or --sentinel/--master-name, the
 * Sentinel doctor; --cluster or a node that says it is in cluster mode, the Cluster doctor; any other
 * server, the standalone doctor as ever. A sentinel given as redis:// is refused with the URL to use.
 */
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
  const input = url ?? process.env.REDIS_URL ?? DEFAULT_URL;
  const sentinel = opts.sentinel
    ? parseSentinelUrl(
        `redis+sentinel://${opts.sentinel.map(endpointOf).join(',')}/${encodeURIComponent(opts.masterName ?? '')}`,
      )
    : isSentinelUrl(input)
      ? parseSentinelUrl(input)
      : undefined;
  if (sentinel && opts.cluster) throw usage('--cluster is for a cluster node, not a Sentinel URL.');
  const target = sentinel ?? parseRedisUrl(input);
  selectTopologyRules(common); // an unknown --only/--skip fails before touching the network
  const topology: TopologyDoctorOptions = {
    ...common,
    ...(opts.clientTimeout === undefined ? {} : { clientTimeoutMs: opts.clientTimeout }),
    ...sentinelAuth(),
  };
  if ('sentinels' in target) return runTopologyDoctor({ ...topology, sentinel: withoutLog(target, opts) });
  if (!opts.cluster) {
    // A server that fails the probe other than by refusing the connection (INFO too slow, too
    // large) gets the standalone doctor, which reports it in its own words.
    const probe = {
      timeoutMs: common.timeoutMs ?? DOCTOR_DEFAULTS.timeoutMs,
      tlsCaFile: common.tlsCaFile,
      tlsInsecure: common.tlsInsecure,
    };
    const endpoint = await endpointKind(target, probe).catch((error: unknown) => {
      if (isCannotRun(error)) throw error;
      return { kind: 'standalone' as const, monitors: undefined };
    });
    if (endpoint.kind === 'sentinel') throw sentinelGivenError(target, endpoint.monitors ?? []);
    if (endpoint.kind === 'standalone') return runDoctor({ ...common, url: input, logPath: opts.log });
  }
  return runTopologyDoctor({ ...topology, cluster: withoutLog(target, opts) });
}

/** A topology has a log per node, found from each node's CONFIG GET logfile: --log cannot name them. */
function withoutLog<T>(target: T, opts: AddressingOptions): T {
  if (opts.log === undefined) return target;
  throw new CannotRunError(
    ERROR_CODES.log,
    "--log names one server's log; for a Sentinel or Cluster topology each local node's log is found from its CONFIG GET logfile: leave out --log.",
  );
}

/** Sentinel credentials come from the environment only (LIFELINE_SENTINEL_USER / _PASSWORD). */
function sentinelAuth(): Pick<TopologyDoctorOptions, 'sentinelAuth'> {
  const username = process.env.LIFELINE_SENTINEL_USER || undefined;
  const password = process.env.LIFELINE_SENTINEL_PASSWORD || undefined;
  if (username === undefined && password === undefined) return {};
  return {
    sentinelAuth: {
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    },
  };
}

export function exitCodeFor(report: Report, failOn: FailOn): number {
  if (report.summary.crashed > 0) return EXIT.findings;
  const findings = report.results.filter((r) => r.status === 'finding').map((r) => r.severity ?? 'info');
  return reachesFailOn(findings, failOn) ? EXIT.findings : EXIT.ok;
}
