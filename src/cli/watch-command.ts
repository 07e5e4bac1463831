import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_URL } from '../core/redis-url.js';
import { parseBytes, parseDuration } from '../core/units.js';
import type { Severity } from '../doctor/report/types.js';
import { TOOL_VERSION } from '../version.js';
import { WebhookSink } from '../watch/alerts/webhook.js';
import { HistoryWriter } from '../watch/history/history-writer.js';
import { startMetricsServer } from '../watch/metrics/metrics-server.js';
import { WatchMetrics } from '../watch/metrics/watch-metrics.js';
import { WATCH_DEFAULTS } from '../watch/options.js';
import { LiveView } from '../watch/render/live-view.js';
import { renderIncidentLine } from '../watch/render/render-incident-line.js';
import type { Incident } from '../watch/types.js';
import { Watcher } from '../watch/watcher.js';
import { EXIT } from './exit-codes.js';

const duration = (unit: 'ms' | 's') => (value: string) => {
  const ms = parseDuration(value, unit);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 5s, 500ms or 10m');
  return ms;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port, 0-65535');
  return n;
};
const bytes = (value: string): number => {
  const n = parseBytes(value);
  if (n === undefined || n <= 0) throw new InvalidArgumentError('expected a size such as 100mb');
  return n;
};

const RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

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
    .argument('[url...]', `redis:// or rediss:// URLs (default: $REDIS_URL or ${DEFAULT_URL})`)
    .option('--interval <duration>', 'sample INFO this often', duration('ms'), WATCH_DEFAULTS.intervalMs)
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
    .option('--duration <duration>', 'stop after this long (default: until Ctrl-C / SIGTERM)', duration('ms'))
    .option(
      '--log <path>',
      'server log to follow (one URL; default: found via CONFIG GET logfile when local)',
    )
    .option(
      '--ghost-idle <duration>',
      'idle time after which a replaced connection is a ghost',
      duration('s'),
      WATCH_DEFAULTS.ghostIdleS * 1000,
    )
    .option(
      '--churn-per-second <n>',
      'new connections per second that count as a spike',
      positive,
      WATCH_DEFAULTS.churnPerSecond,
    )
    .option(
      '--group-window <duration>',
      'merge repeats of a cause within this window',
      duration('ms'),
      WATCH_DEFAULTS.groupWindowMs,
    )
    .option(
      '--client-list-budget <share>',
      'share of wall time CLIENT LIST may take (0.01 = 1%)',
      positive,
      WATCH_DEFAULTS.clientListBudget,
    )
    .option(
      '--timeout <duration>',
      'bound for connecting and for each command',
      duration('ms'),
      WATCH_DEFAULTS.timeoutMs,
    )
    .option(
      '--client-idle-timeout <duration>',
      "your connection pool's idle timeout (e.g. 30s)",
      duration('s'),
    )
    .option(
      '--lb-idle-timeout <duration>',
      'idle timeout of a load balancer/NAT on the path (e.g. 350s)',
      duration('s'),
    )
    .option('--tls-ca <file>', 'CA certificate for rediss:// URLs')
    .option('--tls-insecure', 'do not verify the server certificate (rediss://)')
    .option('--no-live', 'no live view on a terminal: one line per incident instead')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when an incident at or above this severity was seen')
        .choices(['critical', 'warning', 'info', 'none'])
        .default('warning'),
    )
    .action(async (urls: string[], opts) => {
      const watcher = new Watcher({
        urls: urls.length ? urls : [process.env.REDIS_URL ?? DEFAULT_URL],
        intervalMs: opts.interval,
        clientListBudget: Math.min(opts.clientListBudget, 1),
        timeoutMs: opts.timeout,
        logPath: opts.log,
        tlsCaFile: opts.tlsCa,
        tlsInsecure: opts.tlsInsecure,
        ghostIdleS: opts.ghostIdle / 1000,
        churnPerSecond: opts.churnPerSecond,
        groupWindowMs: opts.groupWindow,
        clientIdleTimeoutS: opts.clientIdleTimeout === undefined ? undefined : opts.clientIdleTimeout / 1000,
        lbIdleTimeoutS: opts.lbIdleTimeout === undefined ? undefined : opts.lbIdleTimeout / 1000,
      });
      const webhook = opts.webhook
        ? new WebhookSink({
            url: opts.webhook,
            onError: (line: string) => io.err(`lifeline watch: ${line}\n`),
          })
        : undefined;
      const metrics = opts.metricsPort !== undefined ? new WatchMetrics() : undefined;
      // Everything that can refuse the options is built before anything listens or connects.
      const history = opts.history
        ? new HistoryWriter({
            dir: opts.history,
            maxTotalBytes: opts.historyMaxBytes,
            onError: (error: Error) => io.err(`lifeline watch: history: ${error.message}\n`),
          })
        : undefined;

      let worst = 0;
      const view = io.isTty && opts.live && !opts.json ? new LiveView(watcher.targetUrls) : undefined;
      watcher.on('sample', (sample) => {
        metrics?.observe(sample);
        history?.write({ type: 'sample', ...sample });
        view?.sample(sample);
      });
      watcher.on('incident', (incident: Incident) => {
        worst = Math.max(worst, RANK[incident.severity]);
        metrics?.incident(incident);
        history?.write({ type: 'incident', ...incident });
        webhook?.send(incident);
        if (view) view.incident(incident);
        else if (opts.json) io.out(`${JSON.stringify({ type: 'incident', ...incident })}\n`);
        else io.out(`${renderIncidentLine(incident, { color: io.isTty && !process.env.NO_COLOR })}\n`);
      });
      watcher.on('warning', (message) => {
        if (view) view.notice(message);
        else io.err(`lifeline watch: ${message}\n`);
      });

      let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
      let repaint: NodeJS.Timeout | undefined;
      let started = false;
      try {
        server = metrics
          ? await startMetricsServer({
              host: opts.metricsHost,
              port: opts.metricsPort,
              registry: metrics.registry,
            })
          : undefined;
        await watcher.start();
        started = true;
        history?.write({
          type: 'start',
          at: new Date().toISOString(),
          tool: { name: 'redis-lifeline', version: TOOL_VERSION },
          targets: watcher.targetUrls,
          intervalMs: watcher.options.intervalMs,
        });
        if (!view && !opts.json)
          io.err(
            `lifeline watch: watching ${watcher.targetUrls.join(', ')} every ${watcher.options.intervalMs} ms${server ? `; metrics at ${server.url}` : ''}; Ctrl-C to stop\n`,
          );
        if (view)
          repaint = setInterval(
            () => io.out(`\u001b[H\u001b[2J${view.render(new Date(), !process.env.NO_COLOR)}\n`),
            1000,
          );
        await new Promise<void>((resolve) => {
          const done = () => resolve();
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
          // A reader that went away (`| head -1`): stop as if interrupted.
          io.onClosedOutput(done);
          if (opts.duration) setTimeout(done, opts.duration).unref();
        });
      } finally {
        if (repaint) clearInterval(repaint);
        await watcher.stop();
        await webhook?.flush(5_000);
        webhook?.close();
        await server?.close();
        if (started) history?.write({ type: 'stop', at: new Date().toISOString() });
        history?.close();
      }
      if (view) io.out(`${view.render(new Date(), false)}\n`);
      const failOn = opts.failOn as Severity | 'none';
      process.exitCode = failOn !== 'none' && worst >= RANK[failOn] ? EXIT.findings : EXIT.ok;
    });
}
