import { type ReplaySafety, replaySafety, worstSafety } from '../command-table.js';
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

/** How safe replaying the unit is: as safe as its least safe member. */
export function unitSafety(
  unit: readonly IoredisCommand[],
  idempotentScripts: ReadonlySet<string>,
): ReplaySafety {
  return worstSafety(unit.map((c) => replaySafety(c.name, c.args, idempotentScripts)));
}
