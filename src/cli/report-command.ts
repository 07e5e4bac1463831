import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { TOOL_VERSION } from '../version.js';
import { readHistory } from '../watch/history/read-history.js';
import { renderReportHtml } from '../watch/report/render-report-html.js';
import { renderReportMarkdown } from '../watch/report/render-report-markdown.js';
import { renderReportText } from '../watch/report/render-report-text.js';
import { buildTimeline } from '../watch/report/timeline.js';
import { formatOption } from './option-parsers.js';

export function registerReport(program: Command, io: { out: (s: string) => void; isTty: boolean }): void {
  program
    .command('report')
    .description('Render the incident timeline of a lifeline watch history (a file or its directory)')
    .argument('<history>', 'a lifeline-watch*.ndjson file, or the directory given to lifeline watch')
    .addOption(formatOption(['text', 'markdown', 'html']))
    .option('--output <file>', 'write the report to this file instead of stdout')
    .option('--target <url>', 'only this target (credentials are ignored when matching)')
    .action(
      async (
        path: string,
        opts: { format: 'text' | 'markdown' | 'html'; output?: string; target?: string },
      ) => {
        const history = await readHistory(path, opts.target === undefined ? {} : { target: opts.target });
        const timeline = buildTimeline(history, { generatedBy: `redis-lifeline ${TOOL_VERSION}` });
        const report =
          opts.format === 'html'
            ? renderReportHtml(timeline)
            : opts.format === 'markdown'
              ? renderReportMarkdown(timeline)
              : renderReportText(timeline, { color: io.isTty && !opts.output && !process.env.NO_COLOR });
        if (!opts.output) {
          io.out(report);
          return;
        }
        try {
          await writeFile(opts.output, report);
        } catch (error) {
          throw new CannotRunError(
            ERROR_CODES.reportOutput,
            `Cannot write the report to ${opts.output}: ${(error as Error).message}.`,
            { cause: error },
          );
        }
      },
    );
}
