import { type ReplaySafety, replaySafety } from '../command-table.js';
import type { IoredisCommand, IoredisQueue } from './internals.js';

/** Commands that stand or fall together: a pipeline, a MULTI/EXEC transaction, or one command. */
export function unitsOf(queue: IoredisQueue): IoredisCommand[][] {
  const units: IoredisCommand[][] = [];
  let current: IoredisCommand[] | undefined;
  for (let i = 0; i < queue.length; i++) {
    const command = queue.peekAt(i)?.command;
    if (!command) continue;
    const startsPipeline = command.pipelineIndex === 0;
    const inPipeline = command.pipelineIndex !== undefined && command.pipelineIndex > 0;
    const inTransaction = command.inTransaction || command.name === 'exec';
    if (current && (inPipeline || (inTransaction && !startsPipeline))) {
      current.push(command);
    } else {
      current = [command];
      units.push(current);
    }
    if (command.name === 'exec' && command.pipelineIndex === undefined) current = undefined;
  }
  return units;
}

const RANK: Record<ReplaySafety, number> = { read: 0, idempotent: 1, unsafe: 2 };

/** The least safe member decides for the unit (a transaction with one INCR is unsafe as a whole). */
export function unitSafety(
  unit: readonly IoredisCommand[],
  idempotentScripts: ReadonlySet<string>,
): ReplaySafety {
  return unit
    .map((c) => replaySafety(c.name, c.args, idempotentScripts))
    .reduce<ReplaySafety>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'read');
}
