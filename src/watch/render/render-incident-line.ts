import type { Incident } from '../types.js';

const SEVERITY_COLOUR = { critical: '31', warning: '33', info: '36' } as const;

/**
 * One line per incident for a terminal or a log: time, severity, target, cause, what happened, and
 * the first fix. The NDJSON form (--json) carries the rest: evidence, every fix, the explanation.
 */
export function renderIncidentLine(incident: Incident, options: { color: boolean }): string {
  const severity = incident.severity.toUpperCase().padEnd(8);
  const painted = options.color
    ? `\u001b[${SEVERITY_COLOUR[incident.severity]}m${severity}\u001b[0m`
    : severity;
  const repeats = incident.occurrences > 1 ? ` (×${incident.occurrences})` : '';
  const fix = incident.fix[0] ? `  fix: ${incident.fix[0].command}` : '';
  return `${incident.at} ${painted} ${incident.target} ${incident.kind}${repeats}: ${incident.message}${fix}`;
}
