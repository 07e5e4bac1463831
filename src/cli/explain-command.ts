import type { Command } from 'commander';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { DEFAULT_URL } from '../core/redis-url.js';
import { doctorForUrl } from '../doctor/doctor-for-url.js';
import { renderJson } from '../doctor/report/render-json.js';
import { renderMarkdown } from '../doctor/report/render-markdown.js';
import { renderText } from '../doctor/report/render-text.js';
import { DOCTOR_DEFAULTS } from '../doctor/run.js';
import { explainText, MAX_TEXT } from '../explain/explain-text.js';
import { explainWithReport } from '../explain/explain-with-doctor.js';
import {
  explanationJson,
  renderExplanationMarkdown,
  renderExplanationText,
} from '../explain/render-explanation.js';
import { exitCodeFor } from './doctor-command.js';
import { EXIT } from './exit-codes.js';
import { failOnOption, formatOption, milliseconds, seconds } from './option-parsers.js';

export function registerExplain(program: Command, io: { out: (s: string) => void; isTty: boolean }): void {
  program
    .command('explain')
    .description(
      'Paste a Redis client error: the causes it can mean, most likely first, each with its check; with a URL, the answer',
    )
    .argument('<text>', 'the error message, log line or stack trace ("-" reads it from stdin)')
    .argument('[url]', 'the server: run the checks for those causes (default: $REDIS_URL when set)')
    .option('--json', 'print the explanation as JSON')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--log <path>', 'server log file to read (default: found via CONFIG GET logfile when local)')
    .option(
      '--lb-idle-timeout <duration>',
      'idle timeout of a load balancer/NAT on the path (e.g. 350s)',
      seconds,
    )
    .option(
      '--timeout <duration>',
      'bound for connecting and for each step',
      milliseconds,
      DOCTOR_DEFAULTS.timeoutMs,
    )
    .option('--tls-ca <file>', 'CA certificate for rediss:// URLs')
    .option('--tls-insecure', 'do not verify the server certificate (rediss://)')
    .addOption(failOnOption('with a URL: exit 1 when a finding is at or above this severity'))
    .action(async (textArgument: string, url: string | undefined, opts) => {
      const text = textArgument === '-' ? await readStdin() : textArgument;
      if (!text.trim())
        throw new CannotRunError(ERROR_CODES.explainInput, 'explain needs the error text: it was empty.');
      const format: 'text' | 'json' | 'markdown' = opts.json ? 'json' : opts.format;
      const target = url ?? (process.env.REDIS_URL || undefined);
      const explanation = explainText(text);
      if (!explanation.recognised || target !== undefined) {
        const report = await doctorForUrl(target ?? DEFAULT_URL, {
          timeoutMs: opts.timeout,
          tlsCaFile: opts.tlsCa,
          tlsInsecure: opts.tlsInsecure,
          lbIdleTimeoutS: opts.lbIdleTimeout,
          ...(opts.log === undefined ? {} : { logPath: opts.log }),
        });
        if (!explanation.recognised) {
          // Words no client is known to print: say so, then the whole doctor.
          const note =
            'lifeline explain: these words are not a Redis client error it knows; the full doctor follows.';
          io.out(
            format === 'json'
              ? renderJson(report)
              : `${note}\n\n${format === 'markdown' ? renderMarkdown(report) : renderText(report, { color: io.isTty && !process.env.NO_COLOR, verbose: false })}`,
          );
        } else {
          const answered = explainWithReport(explanation, report);
          io.out(
            format === 'json'
              ? explanationJson(answered, report)
              : format === 'markdown'
                ? renderExplanationMarkdown(answered, report)
                : renderExplanationText(answered, report),
          );
        }
        process.exitCode = exitCodeFor(report, opts.failOn);
        return;
      }
      io.out(
        format === 'json'
          ? explanationJson(explanation)
          : format === 'markdown'
            ? renderExplanationMarkdown(explanation)
            : renderExplanationText(explanation),
      );
      process.exitCode = EXIT.ok;
    });
}

/** A pasted text on stdin, cut at MAX_TEXT (explain reads no more of it). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= MAX_TEXT) break;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_TEXT);
}
