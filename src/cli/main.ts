#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isCannotRun } from '../core/errors.js';
import { TOOL_VERSION } from '../version.js';
import { registerCorrelate } from './correlate-command.js';
import { registerDoctor } from './doctor-command.js';
import { EXIT } from './exit-codes.js';
import { registerExplain } from './explain-command.js';
import { registerLab } from './lab-command.js';
import { registerProxy } from './proxy-command.js';
import { registerReport } from './report-command.js';
import { registerWatch } from './watch-command.js';

/** Argument parsing and exit codes only; every command is a thin layer over the library. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('lifeline')
    .description('Find out why Redis drops your connections, and make your Node app survive it.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  // A reader that closed the pipe (`lifeline watch --json | head -1`) ends the output, not the process
  // with a stack trace: later writes are dropped and long-running commands are told to stop.
  let outputClosed = false;
  const onClosed = new Set<() => void>();
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    outputClosed = true;
    for (const callback of onClosed) callback();
    onClosed.clear();
  });
  const io = {
    out: (s: string) => {
      if (!outputClosed) process.stdout.write(s);
    },
    err: (s: string) => process.stderr.write(s),
    isTty: Boolean(process.stdout.isTTY),
    onClosedOutput: (callback: () => void) => {
      if (outputClosed) callback();
      else onClosed.add(callback);
    },
  };
  registerDoctor(program, io);
  registerExplain(program, io);
  registerLab(program, io);
  registerProxy(program, io);
  registerWatch(program, io);
  registerReport(program, io);
  registerCorrelate(program, io);
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; commander has already printed the usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.cannotRun;
    }
    if (isCannotRun(error)) {
      process.stderr.write(`lifeline: ${error.message}\n`);
      return EXIT.cannotRun;
    }
    // Not a user error: still one line by default; LIFELINE_DEBUG=1 shows the stack for a bug report.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lifeline: unexpected error: ${message}\n`);
    if (process.env.LIFELINE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return EXIT.cannotRun;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
