import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { isSentinelUrl } from '../core/redis-url.js';
import { CORRELATE_DEFAULTS, correlate } from '../correlate/correlate.js';
import { inputError } from '../correlate/input-error.js';
import {
  correlationJson,
  renderCorrelationMarkdown,
  renderCorrelationText,
} from '../correlate/render-correlation.js';
import { renderCorrelationHtml } from '../correlate/render-html.js';
import { EXIT } from './exit-codes.js';
import { formatOption, milliseconds } from './option-parsers.js';

/** A positional argument that is a server, not an app log. */
const SERVER_URL = /^(rediss?|valkeys?):\/\//i;

export function registerCorrelate(program: Command, io: { out: (s: string) => void }): void {
  program
    .command('correlate')
    .description(
      "Line up the Redis errors in your app's logs with the server's own timeline: which kill, restart or failover each burst of errors came from",
    )
    .argument(
      '<app-log...>',
      'app logs: text, JSON lines or gzip ("-" reads stdin); a redis:// URL last adds the server (INFO, its log when local)',
    )
    .option('--log <path>', "the server's log (Redis or Valkey; plain or gzip)")
    .option('--history <path>', "lifeline watch's history (--history file or directory)")
    .option(
      '--tz <zone>',
      "zone of app timestamps that carry no offset (IANA name or +hh:mm; default: this machine's)",
    )
    .option('--log-tz <zone>', "zone the server log was written in (default: this machine's)")
    .option(
      '--window <duration>',
      "how long before a burst's first error a server event can be its cause",
      milliseconds,
      CORRELATE_DEFAULTS.windowMs,
    )
    .option(
      '--gap <duration>',
      'errors further apart than this are separate bursts',
      milliseconds,
      CORRELATE_DEFAULTS.gapMs,
    )
    .option('--json', 'print the result as JSON')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--html <file>', 'also write a timeline of bursts and server events as one HTML page')
    .addOption(
      new Option('--fail-on <when>', 'exit 1 when: a burst matched a server event, any burst at all, never')
        .choices(['matched', 'any', 'none'])
        .default('matched'),
    )
    .option(
      '--timeout <duration>',
      'bound for connecting to the URL and for each step',
      milliseconds,
      CORRELATE_DEFAULTS.timeoutMs,
    )
    .option('--tls-ca <file>', 'CA certificate for rediss:// URLs')
    .option('--tls-insecure', 'do not verify the server certificate (rediss://)')
    .action(async (args: string[], opts) => {
      const urls = args.filter((a) => SERVER_URL.test(a) || isSentinelUrl(a));
      const files = args.filter((a) => !urls.includes(a));
      if (urls.length > 1)
        throw inputError(urls[1] ?? '', 'only one server URL is read: correlate one server at a time');
      if (urls[0] && isSentinelUrl(urls[0]))
        throw inputError('URL', "a Sentinel URL: pass the master's redis:// URL");
      if (files.length === 0)
        throw inputError('correlate', 'no app log given: pass one or more app log files (or "-" for stdin)');
      const result = await correlate({
        files,
        url: urls[0],
        logPath: opts.log,
        historyPath: opts.history,
        tz: opts.tz,
        logTz: opts.logTz,
        windowMs: opts.window,
        gapMs: opts.gap,
        timeoutMs: opts.timeout,
        tlsCaFile: opts.tlsCa,
        tlsInsecure: opts.tlsInsecure,
      });
      if (opts.html) {
        try {
          await writeFile(opts.html, renderCorrelationHtml(result));
        } catch (error) {
          throw inputError(
            opts.html,
            `cannot write the HTML timeline: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      const format: 'text' | 'json' | 'markdown' = opts.json ? 'json' : opts.format;
      io.out(
        format === 'json'
          ? correlationJson(result)
          : format === 'markdown'
            ? renderCorrelationMarkdown(result)
            : renderCorrelationText(result),
      );
      const failing =
        opts.failOn === 'any' ? result.bursts > 0 : opts.failOn === 'matched' ? result.matched > 0 : false;
      process.exitCode = failing ? EXIT.findings : EXIT.ok;
    });
}
