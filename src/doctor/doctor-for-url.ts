import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError, isCannotRun } from '../core/errors.js';
import { isSentinelUrl, parseRedisUrl, parseSentinelUrl } from '../core/redis-url.js';
import type { Report } from './report/types.js';
import { DOCTOR_DEFAULTS, type DoctorOptions, runDoctor } from './run.js';
import { endpointKind, sentinelGivenError } from './topology/node-facts.js';
import {
  runTopologyDoctor,
  selectTopologyRules,
  type TopologyDoctorOptions,
} from './topology/run-topology-doctor.js';

export interface DoctorForUrlOptions
  extends Omit<DoctorOptions, 'url'>,
    Omit<TopologyDoctorOptions, 'sentinel' | 'cluster'> {
  /** The URL is a cluster node: diagnose the whole cluster without asking the node first. */
  cluster?: boolean;
}

/**
 * Which doctor a URL asks for, as `lifeline doctor` decides it: a redis+sentinel:// URL gets the
 * Sentinel doctor; `cluster` or a node that says it is in cluster mode, the Cluster doctor; any other
 * server, the standalone doctor. A sentinel given as redis:// is refused with the URL to use.
 */
export async function doctorForUrl(input: string, options: DoctorForUrlOptions = {}): Promise<Report> {
  const { cluster, logPath, ...common } = options;
  const sentinel = isSentinelUrl(input) ? parseSentinelUrl(input) : undefined;
  if (sentinel && cluster)
    throw new CannotRunError(ERROR_CODES.badUrl, '--cluster is for a cluster node, not a Sentinel URL.');
  const target = sentinel ?? parseRedisUrl(input);
  selectTopologyRules(common); // an unknown --only/--skip fails before touching the network
  if ('sentinels' in target) return runTopologyDoctor({ ...common, sentinel: withoutLog(target, logPath) });
  if (!cluster) {
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
    if (endpoint.kind === 'standalone') return runDoctor({ ...common, url: input, logPath });
  }
  return runTopologyDoctor({ ...common, cluster: withoutLog(target, logPath) });
}

/** A topology has a log per node, found from each node's CONFIG GET logfile: one --log cannot name them. */
function withoutLog<T>(target: T, logPath: string | undefined): T {
  if (logPath === undefined) return target;
  throw new CannotRunError(
    ERROR_CODES.log,
    "--log names one server's log; for a Sentinel or Cluster topology each local node's log is found from its CONFIG GET logfile: leave out --log.",
  );
}
