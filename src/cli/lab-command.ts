import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { FAILOVER_SCENARIOS, SCENARIOS } from '../lab/scenarios/index.js';
import { EXIT } from './exit-codes.js';
import { commaList, formatOption } from './option-parsers.js';

export function registerLab(
  program: Command,
  io: { out: (s: string) => void; err: (s: string) => void; isTty: boolean },
): void {
  program
    .command('lab')
    .description(
      'Prove a client configuration against every cause of dropped connections, on throwaway servers',
    )
    .option(
      '--client <name>',
      'ioredis, node-redis, lifeline-ioredis or lifeline-node-redis (lifeline() around the library); redis-py, redis-rb, phpredis or hiredis (the shipped probes)',
      'ioredis',
    )
    .option(
      '--client-cmd <command>',
      'a probe program for a client in any language, run with sh -c (docs/lab.md, "Clients in other languages")',
    )
    .option('--client-name <name>', "the report's name for the --client-cmd client (default: its first word)")
    .option('--options <module>', "a module whose default export is the client's options")
    .option('--only <ids>', 'run only these scenarios (comma-separated)', commaList)
    .option('--scenario <ids>', 'the same as --only', commaList)
    .option('--failover', 'run the failover scenarios (Sentinel set, Cluster), not in the default run')
    .option('--json', 'print the results as JSON')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--list', 'list the scenarios and exit')
    .action(async (opts, command: Command) => {
      if (opts.list) {
        const line = (s: { id: string; title: string }) => `${s.id.padEnd(24)} ${s.title}`;
        io.out(
          `${SCENARIOS.map(line).join('\n')}\n\nfailover scenarios (--failover, or by id):\n${FAILOVER_SCENARIOS.map(line).join('\n')}\n`,
        );
        return;
      }
      const only = [...(opts.only ?? []), ...(opts.scenario ?? [])];
      const clientCommand: string | undefined = opts.clientCmd;
      if (clientCommand !== undefined && command.getOptionValueSource('client') === 'cli') {
        throw new CannotRunError(
          ERROR_CODES.labClient,
          '--client and --client-cmd exclude each other: give one.',
        );
      }
      if (clientCommand !== undefined && !clientCommand.trim()) {
        throw new CannotRunError(ERROR_CODES.labClient, '--client-cmd needs a command to run.');
      }
      if (opts.clientName !== undefined && clientCommand === undefined) {
        throw new CannotRunError(
          ERROR_CODES.labClient,
          '--client-name names a --client-cmd client: give --client-cmd.',
        );
      }
      // Loaded when the lab runs: both client libraries and the lab weigh ~0.3 s at every CLI start.
      const [{ runLab }, { renderLabMarkdown }, { renderLabText }] = await Promise.all([
        import('../lab/run-lab.js'),
        import('../lab/report/render-lab-markdown.js'),
        import('../lab/report/render-lab-text.js'),
      ]);
      const report = await runLab({
        client:
          clientCommand === undefined
            ? opts.client
            : (opts.clientName ?? clientCommand.trim().split(/\s+/)[0]),
        ...(clientCommand === undefined ? {} : { clientCommand }),
        optionsModule: opts.options,
        only,
        failover: Boolean(opts.failover),
        onResult: opts.json
          ? undefined
          : ({ measurement, verdict }) => io.err(`  ${measurement.scenario}: ${verdict.status}\n`),
      });
      const format = opts.json ? 'json' : opts.format;
      io.out(
        format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : format === 'markdown'
            ? renderLabMarkdown(report)
            : renderLabText(report, { color: io.isTty && !process.env.NO_COLOR }),
      );
      // Exit 1 when the client failed the app: a duplicate, a hang, or a loss nobody was told about.
      process.exitCode = report.summary.fail || report.summary.error ? EXIT.findings : EXIT.ok;
    });
}
