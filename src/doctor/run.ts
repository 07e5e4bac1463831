import { parseRedisUrl, type RedisTarget } from '../core/redis-url.js';
import { TOOL_VERSION } from '../version.js';
import { collectEvidence } from './collect.js';
import { collectPathProbe, PATH_PROBE_DEFAULTS } from './collectors/path-probe.js';
import { connect } from './connect.js';
import { diagnose, type RuleSelection, selectRules } from './diagnose.js';
import type { Evidence } from './evidence.js';
import type { Report } from './report/types.js';

export interface DoctorOptions extends RuleSelection {
  /** redis:// or rediss:// URL (credentials allowed; never printed). */
  url: string;
  /** Bound for connecting and for each collection step, milliseconds. @default 5000 */
  timeoutMs?: number;
  /** Server log to read; by default found from CONFIG GET logfile/dir when the server is local. */
  logPath?: string;
  /** Read at most this many bytes from the end of the log. @default 16 MiB */
  logMaxBytes?: number;
  tlsCaFile?: string;
  tlsInsecure?: boolean;
  /** Idle timeout of the application's pool, seconds. */
  clientIdleTimeoutS?: number;
  /** Idle timeout of a load balancer or NAT on the path, seconds. */
  lbIdleTimeoutS?: number;
  /** A restart within this many seconds counts as recent. @default 86400 */
  recentS?: number;
  /** The TCP keepalive idle the application believes it set, seconds (compared with its sockets' timers). */
  appKeepaliveS?: number;
  /** PINGs of the path probe from this host; 0 skips the probe. @default 20 */
  probePings?: number;
}

export const DOCTOR_DEFAULTS = {
  timeoutMs: 5_000,
  logMaxBytes: 16 * 1024 * 1024, // the last 16 MiB hold days of notice-level lines
  recentS: 24 * 3600,
} as const;

/** Connects, collects evidence (read-only), runs the rules and returns the report. */
export async function runDoctor(options: DoctorOptions): Promise<Report & { evidence: Evidence }> {
  const startedAt = new Date();
  const started = performance.now();
  const target = parseRedisUrl(options.url);
  selectRules(options); // fail on an unknown --only/--skip before touching the network
  const evidence = await collectNodeEvidence(target, options);
  const pings = options.probePings ?? PATH_PROBE_DEFAULTS.pings;
  // After the server's evidence, on a connection of its own: nothing it does is in what was read.
  evidence.pathProbe =
    pings > 0
      ? await collectPathProbe(target, {
          timeoutMs: options.timeoutMs ?? DOCTOR_DEFAULTS.timeoutMs,
          pings,
          tlsCaFile: options.tlsCaFile,
          tlsInsecure: options.tlsInsecure,
        })
      : { status: 'unavailable', reason: 'the path probe was not run (0 PINGs asked for)' };
  const t = evidence.target;
  return {
    schemaVersion: 1,
    tool: { name: 'redis-lifeline', version: TOOL_VERSION },
    target: {
      url: t.url,
      host: t.host,
      port: t.port,
      product: t.product,
      version: t.version,
      mode: t.mode,
      role: t.role,
    },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    ...diagnose(evidence, options),
    unavailable: unavailableSources(evidence),
    evidence,
  };
}

/** One server's evidence: connect, collect every source (read-only), disconnect. Shared with topologies. */
export async function collectNodeEvidence(target: RedisTarget, options: DoctorOptions): Promise<Evidence> {
  const timeoutMs = options.timeoutMs ?? DOCTOR_DEFAULTS.timeoutMs;
  const connectOptions = { timeoutMs, tlsCaFile: options.tlsCaFile, tlsInsecure: options.tlsInsecure };
  const redis = await connect(target, connectOptions);
  try {
    return await collectEvidence(
      redis,
      target,
      {
        timeoutMs,
        logPath: options.logPath,
        logMaxBytes: options.logMaxBytes ?? DOCTOR_DEFAULTS.logMaxBytes,
        reopen: () => connect(target, connectOptions),
      },
      {
        clientIdleTimeoutS: options.clientIdleTimeoutS,
        lbIdleTimeoutS: options.lbIdleTimeoutS,
        recentS: options.recentS ?? DOCTOR_DEFAULTS.recentS,
        appKeepaliveS: options.appKeepaliveS,
      },
    );
  } finally {
    redis.disconnect();
  }
}

/** Evidence that could not be collected, and why, by source. */
export function unavailableSources(evidence: Evidence): Record<string, string> {
  const unavailable: Record<string, string> = {};
  for (const key of [
    'info',
    'config',
    'clients',
    'slowlog',
    'latency',
    'log',
    'host',
    'hostSockets',
    'pathProbe',
  ] as const) {
    const source = evidence[key];
    if (source?.status === 'unavailable') unavailable[key] = source.reason;
  }
  return unavailable;
}
