import type { Command } from 'commander';
import { renderLabMarkdown } from '../lab/report/render-lab-markdown.js';
import { renderLabText } from '../lab/report/render-lab-text.js';
import { runLab } from '../lab/run-lab.js';
import { SCENARIOS } from '../lab/scenarios/index.js';
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
    .option('--client <name>', 'ioredis or node-redis', 'ioredis')
    .option('--options <module>', "a module whose default export is the client's options")
    .option('--only <ids>', 'run only these scenarios (comma-separated)', commaList)
    .option('--json', 'print the results as JSON')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--list', 'list the scenarios and exit')
    .action(async (opts) => {
      if (opts.list) {
        io.out(`${SCENARIOS.map((s) => `${s.id.padEnd(22)} ${s.title}`).join('\n')}\n`);
        return;
      }
      const report = await runLab({
        client: opts.client,
        optionsModule: opts.options,
        only: opts.only,
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
