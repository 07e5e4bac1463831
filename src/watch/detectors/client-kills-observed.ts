import { counterDelta, type DetectContext, type Detection } from './detect-context.js';

/** CLIENT KILL calls (commandstats): an operator, a script or Sentinel closed connections on purpose. */
export function detectClientKillsObserved(ctx: DetectContext): Detection[] {
  const calls = counterDelta(ctx, 'clientKillCalls');
  if (!calls) return [];
  return [
    {
      kind: 'client-kills-observed',
      severity: 'warning',
      confidence: 'high',
      title: 'CLIENT KILL was used',
      message: `CLIENT KILL was called ${calls} time${calls === 1 ? '' : 's'} since the last sample (cmdstat_client|kill). The killed clients see a closed socket, not an error.`,
      evidence: { clientKillCalls: ctx.cur.sample.counters.clientKillCalls, delta: calls },
    },
  ];
}
