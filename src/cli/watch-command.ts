import type { Command } from 'commander';
import { DEFAULT_URL } from '../core/redis-url.js';
import type { Severity } from '../doctor/report/types.js';
import { WATCH_DEFAULTS } from '../watch/options.js';
import { EXIT, reachesFailOn } from './exit-codes.js';
import { bytes, failOnOption, milliseconds, port, positiveNumber, seconds } from './option-parsers.js';
import { sentinelAuthFromEnv } from './sentinel-auth.js';

export function registerWatch(
  program: Command,
  io: {
    out: (s: string) => void;
    err: (s: string) => void;
    isTty: boolean;
    /** Calls back once when stdout's reader has gone (EPIPE). */
    onClosedOutput: (callback: () => void) => void;
  },
): void {
  program
    .command('watch')
    .description('Watch servers continuously: alert on dropped connections with their cause, export metrics')
    .argument(
      '[url...]',
      `redis://, rediss:// or redis+sentinel://h:p[,h:p]/<master> URLs (default: $REDIS_URL or ${DEFAULT_URL})`,
    )
    .option('--interval <duration>', 'sample INFO this often', milliseconds, WATCH_DEFAULTS.intervalMs)
    .option('--json', 'print incidents as NDJSON, one object per line')
    .option('--webhook <url>', 'POST each incident as JSON to this URL (retried with backoff)')
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port', port)
    .option('--metrics-host <host>', 'address for /metrics', '127.0.0.1')
    .option('--history <dir>', 'write samples and incidents as NDJSON into this directory')
    .option(
      '--history-max-bytes <size>',
      'cap of the history directory, rotated files dropped first',
      bytes,
      100 * 1024 ** 2,
    )
    .option('--duration <duration>', 'stop after this long (default: until Ctrl-C / SIGTERM)', milliseconds)
    .option(
      '--log <path>',
      'server log to follow (one URL; default: found via CONFIG GET logfile when local)',
    )
    .option(
      '--ghost-idle <duration>',
      'idle time after which a replaced connection is a ghost',
      seconds,
      WATCH_DEFAULTS.ghostIdleS,
    )
    .option(
      '--churn-per-second <n>',
      'new connections per second that count as a spike',
      positiveNumber,
      WATCH_DEFAULTS.churnPerSecond,
    )
    .option(
      '--group-window <duration>',
      'merge repeats of a cause within this window',
      milliseconds,
      WATCH_DEFAULTS.groupWindowMs,
    )
    .option(
      '--client-list-budget <share>',
      'share of wall time CLIENT LIST may take (0.01 = 1%)',
      positiveNumber,
      WATCH_DEFAULTS.clientListBudget,
    )
    .option(
      '--timeout <duration>',
      'bound for connecting and for each command',
      milliseconds,
      WATCH_DEFAULTS.timeoutMs,
    )
    .option('--client-idle-timeout <duration>', "your connection pool's idle timeout (e.g. 30s)", seconds)
    .option(
      '--lb-idle-timeout <duration>',
      'idle timeout of a load balancer/NAT on the path (e.g. 350s)',
      seconds,
    )
    .option('--tls-ca <file>', 'CA certificate for rediss:// URLs')
    .option('--tls-insecure', 'do not verify the server certificate (rediss://)')
    .option(
      '--cluster',
      'the URL is a node of a Redis Cluster: watch all its nodes (detected from cluster_enabled:1 anyway)',
    )
    .option('--no-live', 'no live view on a terminal: one line per incident instead')
    .addOption(failOnOption('exit 1 when an incident at or above this severity was seen'))
    .action(async (urls: string[], opts) => {
      // Loaded when watch runs (metrics, history, webhook, live view): not at every CLI start.
      const { runWatch } = await import('../watch/run-watch.js');
      const { incidents } = await runWatch(
        {
          watch: {
            urls: urls.length ? urls : [process.env.REDIS_URL ?? DEFAULT_URL],
            intervalMs: opts.interval,
            clientListBudget: opts.clientListBudget,
            timeoutMs: opts.timeout,
            logPath: opts.log,
            tlsCaFile: opts.tlsCa,
            tlsInsecure: opts.tlsInsecure,
            ghostIdleS: opts.ghostIdle,
            churnPerSecond: opts.churnPerSecond,
            groupWindowMs: opts.groupWindow,
            clientIdleTimeoutS: opts.clientIdleTimeout,
            lbIdleTimeoutS: opts.lbIdleTimeout,
            cluster: opts.cluster,
            ...sentinelAuthFromEnv(),
          },
          json: opts.json,
          live: opts.live,
          webhook: opts.webhook,
          metrics:
            opts.metricsPort === undefined ? undefined : { port: opts.metricsPort, host: opts.metricsHost },
          history: opts.history ? { dir: opts.history, maxTotalBytes: opts.historyMaxBytes } : undefined,
          durationMs: opts.duration,
        },
        {
          out: io.out,
          err: io.err,
          isTty: io.isTty,
          color: io.isTty && !process.env.NO_COLOR,
          onStop: (stop) => {
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
            // A reader that went away (`| head -1`): stop as if interrupted.
            io.onClosedOutput(stop);
          },
        },
      );
      const seen = (Object.keys(incidents) as Severity[]).filter((s) => incidents[s] > 0);
      process.exitCode = reachesFailOn(seen, opts.failOn) ? EXIT.findings : EXIT.ok;
    });
}
