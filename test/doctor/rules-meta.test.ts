import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/doctor/rules/index.js';
import { TOPOLOGY_RULES } from '../../src/doctor/rules/topology/index.js';

const DOCS_DIR = new URL('../../docs/rules/', import.meta.url);

const REQUIRED_HEADINGS = [
  'What it checks',
  'Why it drops connections',
  'Evidence it uses',
  'When it is harmless',
  'Fix',
  'Versions',
];

/** Rules the doctor must always have: the causes the research names (server.md, lab.md). */
const REQUIRED_IDS = [
  'output-buffer-kills',
  'output-buffer-at-risk',
  'query-buffer-kills',
  'client-eviction',
  'maxclients-reached',
  'maxclients-near',
  'server-restarted',
  'server-crashed',
  'oom-killed',
  'idle-timeout-reaping',
  'tcp-keepalive-off',
  'tcp-keepalive-above-lb-idle',
  'memory-near-limit',
  'overcommit-disabled',
  'big-replies',
  'connection-churn',
  'client-kills-observed',
  'replication-link-drops',
];

const readDoc = (name: string): string => readFileSync(fileURLToPath(new URL(name, DOCS_DIR)), 'utf8');

/** Lines of a Markdown page outside fenced code blocks (a "## " inside a shell snippet is not a heading). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line);
  }
  return lines;
}

const headings = (markdown: string, level: number): string[] => {
  const prefix = `${'#'.repeat(level)} `;
  return proseLines(markdown)
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length).trim());
};

describe('doctor rules: ids', () => {
  it('are unique', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(RULES.map((r) => [r.id]))('%s is kebab-case', (id) => {
    expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  it.each(REQUIRED_IDS.map((id) => [id]))('%s exists', (id) => {
    expect(RULES.map((r) => r.id)).toContain(id);
  });
});

/** Every rule with a docs page: a server's and a topology's. */
const ALL_RULES = [...RULES, ...TOPOLOGY_RULES];

describe('doctor rules: docs pages', () => {
  it.each(ALL_RULES.map((r) => [r.id, r] as const))(
    '%s has docs/rules/<id>.md with the required headings',
    (id, rule) => {
      const file = fileURLToPath(new URL(`${id}.md`, DOCS_DIR));
      expect(existsSync(file), `missing docs page ${file}`).toBe(true);
      const page = readDoc(`${id}.md`);
      expect(page.split('\n')[0]).toBe(`# ${id}`);
      expect(headings(page, 1)).toEqual([id]);
      expect(headings(page, 2)).toEqual(REQUIRED_HEADINGS);
      expect(page).toContain(
        `Category: ${rule.category} · Default severity: ${rule.severity} · Tier: ${rule.tier}`,
      );
    },
  );

  it('has no page without a rule', () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    const orphans = readdirSync(DOCS_DIR)
      .filter((name) => name.endsWith('.md') && name !== 'README.md')
      .map((name) => name.slice(0, -'.md'.length))
      .filter((id) => !ids.has(id));
    expect(orphans).toEqual([]);
  });

  it('lists every rule in docs/rules/README.md', () => {
    const readme = readDoc('README.md');
    const missing = ALL_RULES.map((r) => r.id).filter((id) => !readme.includes(`[${id}](${id}.md)`));
    expect(missing).toEqual([]);
  });
});
