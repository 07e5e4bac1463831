import type { Report } from './types.js';

/** "Redis 7.0.15 standalone master at 127.0.0.1:6379": the same words in every renderer. */
export function describeTarget(report: Report): string {
  const t = report.target;
  const product = t.product === 'valkey' ? 'Valkey' : t.product === 'redis' ? 'Redis' : 'Server';
  return `${product} ${t.version} ${t.mode} ${t.role} at ${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

export function describeSummary(report: Report): string {
  const s = report.summary;
  const parts = [
    s.critical && `${s.critical} critical`,
    s.warning && `${s.warning} warning${s.warning === 1 ? '' : 's'}`,
    s.info && `${s.info} info`,
    `${s.passed} passed`,
    s.skipped && `${s.skipped} skipped`,
    s.crashed && `${s.crashed} crashed`,
  ].filter(Boolean);
  return parts.join(', ');
}

export function describeCause(report: Report): string {
  const cause = report.mostLikelyCause;
  return cause
    ? `Most likely cause of dropped connections: ${cause.ruleId} — ${cause.title} (confidence ${cause.confidence}).`
    : 'Nothing found that explains dropped connections.';
}
