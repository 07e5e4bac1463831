import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/core/causes.js';
import { DISCONNECT_CAUSES, IDLE_THRESHOLDS, WatchMetrics } from '../../src/watch/metrics/watch-metrics.js';
import { INCIDENT_KINDS } from '../../src/watch/types.js';

const root = new URL('../../', import.meta.url);
const rulesPath = new URL('docs/prometheus/lifeline-watch-rules.yml', root);
const rulesText = readFileSync(rulesPath, 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  severity?: string;
  annotations: Record<string, string>;
}

/**
 * Reads the alerting rules with a line-based reader for the subset of YAML the file uses: a list of
 * `- alert:` mappings whose values are plain or quoted scalars or `>-` / `|` block scalars, with
 * `labels:` and `annotations:` one level down. (No YAML library is installed; this keeps it so.)
 */
function parseRules(text: string): Rule[] {
  const lines = text.split('\n');
  const rules: Rule[] = [];
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const scalar = (raw: string) => {
    const v = raw.trim();
    if (v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\"/g, '"');
    if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
    return v;
  };
  // Returns the value of `key:` at lines[i] (and the index after it), block scalars included.
  const valueAt = (i: number): { value: string; next: number } => {
    const line = lines[i] as string;
    const indent = indentOf(line);
    const raw = line.slice(line.indexOf(':') + 1).trim();
    if (!/^[|>][-+]?$/.test(raw)) return { value: scalar(raw), next: i + 1 };
    const block: string[] = [];
    let j = i + 1;
    while (
      j < lines.length &&
      ((lines[j] as string).trim() === '' || indentOf(lines[j] as string) > indent)
    ) {
      block.push((lines[j] as string).trim());
      j += 1;
    }
    return { value: block.join(raw.startsWith('|') ? '\n' : ' ').trim(), next: j };
  };

  for (let i = 0; i < lines.length; ) {
    const match = /^(\s*)- alert:\s*(\S+)/.exec(lines[i] as string);
    if (!match) {
      i += 1;
      continue;
    }
    const keyIndent = (match[1] as string).length + 2;
    const rule: Rule = { alert: match[2] as string, expr: '', annotations: {} };
    let section: 'labels' | 'annotations' | undefined;
    i += 1;
    while (i < lines.length) {
      const line = lines[i] as string;
      if (line.trim() === '' || line.trim().startsWith('#')) {
        i += 1;
        continue;
      }
      const indent = indentOf(line);
      if (indent < keyIndent) break;
      const key = line.trim().split(':')[0] as string;
      if (indent === keyIndent) {
        section = key === 'labels' || key === 'annotations' ? key : undefined;
        if (section) {
          i += 1;
          continue;
        }
        const { value, next } = valueAt(i);
        if (key === 'expr') rule.expr = value;
        if (key === 'for') rule.for = value;
        i = next;
        continue;
      }
      const { value, next } = valueAt(i);
      if (section === 'labels' && key === 'severity') rule.severity = value;
      if (section === 'annotations') rule.annotations[key] = value;
      i = next;
    }
    rules.push(rule);
  }
  return rules;
}

const rules = parseRules(rulesText);

/** Names WatchMetrics registers, and the label names it declares. */
function exposed(): { names: Set<string>; labels: Set<string> } {
  const metrics = new WatchMetrics().registry.getMetricsAsArray();
  return {
    names: new Set(metrics.map((m) => m.name)),
    labels: new Set(metrics.flatMap((m) => (m as unknown as { labelNames: string[] }).labelNames)),
  };
}

/** docs/watch.md, where the metrics and rules are documented. */
function readWatchDocs(): string {
  return readFileSync(new URL('docs/watch.md', root), 'utf8');
}

const metricRefs = (expr: string) => [...expr.matchAll(/\blifeline_[a-z0-9_]+\b/g)].map((m) => m[0]);

describe('docs/prometheus/lifeline-watch-rules.yml', () => {
  it('has the rules the docs promise, each with expr, for, a severity and annotations', () => {
    expect(rules.length).toBeGreaterThanOrEqual(15);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const name of [
      'LifelineRedisDown',
      'LifelineRedisRestarted',
      'LifelineRedisRestartLoop',
      'LifelineRedisRejectingConnections',
      'LifelineRedisOutputBufferKills',
      'LifelineRedisQueryBufferKills',
      'LifelineRedisClientEviction',
      'LifelineRedisIdleReaping',
      'LifelineRedisGhostConnections',
      'LifelineRedisFailover',
      'LifelineRedisConnectionChurn',
      'LifelineRedisClientsNearMaxclients',
      'LifelineRedisOutputBufferNearLimit',
    ]) {
      expect(rules.map((r) => r.alert)).toContain(name);
    }
    for (const rule of rules) {
      expect(rule.expr, rule.alert).not.toBe('');
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url, rule.alert).toBeTruthy();
    }
  });

  it('references only metrics and labels WatchMetrics exposes', () => {
    const { names, labels } = exposed();
    const allowedLabels = new Set([...labels, 'job', 'instance']);
    for (const rule of rules) {
      const refs = metricRefs(rule.expr);
      expect(refs.length, rule.alert).toBeGreaterThan(0);
      for (const ref of refs) expect(names.has(ref), `${rule.alert} uses ${ref}`).toBe(true);
      for (const m of rule.expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) {
        for (const label of (m[1] as string)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          expect(allowedLabels.has(label), `${rule.alert} groups by ${label}`).toBe(true);
        }
      }
      for (const selector of rule.expr.matchAll(/\b(lifeline_[a-z0-9_]+)\{([^}]*)\}/g)) {
        const [, metric, matchers] = selector as unknown as [string, string, string];
        for (const m of matchers.matchAll(/([a-z_]+)\s*=~?\s*"([^"]*)"/g)) {
          const [, label, value] = m as unknown as [string, string, string];
          // Disconnects exist for the disconnect causes only; incidents for every kind and cause.
          if (label === 'kind') expect(INCIDENT_KINDS, `${rule.alert}: ${metric}`).toContain(value);
          if (label !== 'cause') continue;
          const causes: readonly string[] =
            metric === 'lifeline_watch_disconnects_total' ? DISCONNECT_CAUSES : CAUSES;
          expect(causes, `${rule.alert}: ${metric}`).toContain(value);
        }
      }
      for (const m of rule.expr.matchAll(/([a-z_]+)\s*=~?\s*"([^"]*)"/g)) {
        const [, label, value] = m as unknown as [string, string, string];
        expect(allowedLabels.has(label), `${rule.alert} matches on ${label}`).toBe(true);
        if (label === 'threshold_seconds') {
          expect(
            IDLE_THRESHOLDS.map(([t]) => t),
            rule.alert,
          ).toContain(value);
        }
      }
      // Balanced brackets: a cheap guard against a broken edit (promtool checks the rest, below).
      for (const [open, close] of [
        ['(', ')'],
        ['[', ']'],
        ['{', '}'],
      ] as const) {
        expect(rule.expr.split(open).length, `${rule.alert} ${open}${close}`).toBe(
          rule.expr.split(close).length,
        );
      }
    }
  });

  it('points each runbook at a doctor rule page that exists, or at a section of the watch docs', () => {
    const watchDocs = readWatchDocs();
    for (const rule of rules) {
      const url = rule.annotations.runbook_url as string;
      const doctorPage = /^docs\/rules\/([a-z0-9-]+)\.md$/.exec(url);
      if (doctorPage) {
        expect(existsSync(new URL(url, root)), `${rule.alert}: ${url}`).toBe(true);
        continue;
      }
      const anchor = /^docs\/watch\.md#([a-z0-9-]+)$/.exec(url);
      expect(anchor, `${rule.alert}: ${url}`).not.toBeNull();
      const heading = new RegExp(`^#+ \`?${anchor?.[1]}\`?\\s*$`, 'm');
      expect(watchDocs, `${rule.alert}: a heading for #${anchor?.[1]}`).toMatch(heading);
    }
  });

  it('documents every metric WatchMetrics exposes and every alert', () => {
    const doc = readWatchDocs();
    for (const name of exposed().names) expect(doc, name).toContain(`\`${name}\``);
    for (const rule of rules) expect(doc, rule.alert).toContain(rule.alert);
  });

  it('passes promtool check rules and behaves as documented (promtool test rules)', () => {
    if (spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status !== 0)
      throw new Error('promtool is missing: apt-get install -y prometheus (Debian ships promtool in it)');
    execFileSync('promtool', ['check', 'rules', rulesPath.pathname], { encoding: 'utf8', timeout: 20_000 });
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-rules-'));
    try {
      // The same rules without annotations, so the expectations below need only the labels.
      const bare = join(dir, 'rules.yml');
      writeFileSync(
        bare,
        [
          'groups:',
          '  - name: lifeline-watch',
          '    rules:',
          ...rules.flatMap((r) => [
            `      - alert: ${r.alert}`,
            '        expr: |',
            ...r.expr.split('\n').map((line) => `          ${line}`),
            `        for: ${r.for}`,
            `        labels: { severity: ${r.severity} }`,
          ]),
          '',
        ].join('\n'),
      );
      const T = 'redis://127.0.0.1:7001/';
      const s = (metric: string, values: string, extra = '') =>
        `      - series: '${metric}{target="${T}"${extra ? `,${extra}` : ''}}'\n        values: '${values}'`;
      const alert = (at: string, name: string, severity?: string) =>
        [
          `      - eval_time: ${at}`,
          `        alertname: ${name}`,
          severity
            ? `        exp_alerts:\n          - exp_labels: { severity: ${severity}, target: "${T}" }`
            : '        exp_alerts: []',
        ].join('\n');
      const test = `rule_files:
  - ${bare}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${s('lifeline_watch_up', '1 1 1 0 0 0 0 0')}
${s('lifeline_watch_restarts_total', '0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1')}
${s('lifeline_watch_uptime_seconds', '9000+60x4 60 120 180 240 300 360 420 480 540 600 660 720 780 840 900 960 1020 1080 1140')}
${s('lifeline_watch_connected_clients', '100x4 900x20')}
${s('lifeline_watch_maxclients', '1000x24')}
${s('lifeline_watch_rejected_connections_total', '0x10 3x13')}
    alert_rule_test:
${alert('2m', 'LifelineRedisDown')}
${alert('5m', 'LifelineRedisDown', 'critical')}
${alert('4m', 'LifelineRedisRestarted')}
${alert('6m', 'LifelineRedisRestarted', 'warning')}
${alert('23m', 'LifelineRedisRestarted')}
${alert('8m', 'LifelineRedisClientsNearMaxclients')}
${alert('10m', 'LifelineRedisClientsNearMaxclients', 'warning')}
${alert('9m', 'LifelineRedisRejectingConnections')}
${alert('12m', 'LifelineRedisRejectingConnections', 'critical')}
${alert('20m', 'LifelineRedisRejectingConnections')}
  - interval: 1m
    input_series:
${s('lifeline_watch_connections_received_total', '0+30x70 2130+1200x10')}
${s('lifeline_watch_connected_clients', '20x80')}
${s('lifeline_watch_idle_connections', '15x80', 'threshold_seconds="300"')}
${s('lifeline_watch_disconnects_total', '0x40 1x40', 'cause="idle-timeout"')}
    alert_rule_test:
${alert('65m', 'LifelineRedisConnectionChurn')}
${alert('78m', 'LifelineRedisConnectionChurn', 'warning')}
${alert('29m', 'LifelineRedisIdleConnectionsAtRisk')}
${alert('31m', 'LifelineRedisIdleConnectionsAtRisk', 'info')}
${alert('39m', 'LifelineRedisIdleReaping')}
${alert('42m', 'LifelineRedisIdleReaping', 'warning')}
`;
      const file = join(dir, 'test.yml');
      writeFileSync(file, test);
      const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
