import type { Command } from 'commander';
import { DEFAULT_URL } from '../core/redis-url.js';
import { renderJson } from '../doctor/report/render-json.js';
import { renderMarkdown } from '../doctor/report/render-markdown.js';
import { renderText } from '../doctor/report/render-text.js';
import type { Report } from '../doctor/report/types.js';
import { RULES } from '../doctor/rules/index.js';
import { DOCTOR_DEFAULTS, runDoctor } from '../doctor/run.js';
import { EXIT, reachesFailOn } from './exit-codes.js';
import {
  commaList,
  type FailOn,
  failOnOption,
  formatOption,
  milliseconds,
  seconds,
} from './option-parsers.js';

export function registerDoctor(program: Command, io: { out: (s: string) => void; isTty: boolean }): void {
  program
    .command('doctor')
    .description('Find out why Redis drops connections: one read-only look, most likely cause first')
    .argument('[url]', `redis:// or rediss:// URL (default: $REDIS_URL or ${DEFAULT_URL})`)
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
      '--recent <duration>',
      'a restart within this long counts as recent',
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
          `${RULES.map((r) => `${r.id.padEnd(28)} ${r.category.padEnd(12)} ${r.severity.padEnd(8)} ${r.title}`).join('\n')}\n`,
        );
        return;
      }
      const report = await runDoctor({
        url: url ?? process.env.REDIS_URL ?? DEFAULT_URL,
        timeoutMs: opts.timeout,
        logPath: opts.log,
        only: opts.only,
        skip: opts.skip,
        tlsCaFile: opts.tlsCa,
        tlsInsecure: opts.tlsInsecure,
        clientIdleTimeoutS: opts.clientIdleTimeout,
        lbIdleTimeoutS: opts.lbIdleTimeout,
        recentS: opts.recent,
      });
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

export function exitCodeFor(report: Report, failOn: FailOn): number {
  if (report.summary.crashed > 0) return EXIT.findings;
  const findings = report.results.filter((r) => r.status === 'finding').map((r) => r.severity ?? 'info');
  return reachesFailOn(findings, failOn) ? EXIT.findings : EXIT.ok;
}
