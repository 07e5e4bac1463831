import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../src/core/causes.js';
import { RULES } from '../../src/doctor/rules/index.js';
import { TOPOLOGY_RULES } from '../../src/doctor/rules/topology/index.js';
import { CAUSE_OF_INCIDENT, INCIDENT_KINDS } from '../../src/watch/types.js';

// One cause vocabulary (docs/causes.md): the table there is the map from a cause to every rule,
// incident kind and client attribution that names it, and it must say what the code does.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DETECTORS = join(ROOT, 'src', 'watch', 'detectors');

interface Row {
  cause: string;
  rules: string[];
  kinds: string[];
  library: boolean;
}

function docRows(): Row[] {
  const text = readFileSync(join(ROOT, 'docs', 'causes.md'), 'utf8');
  const ids = (cell: string) => [...cell.matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string);
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [cause = '', , rules = '', kinds = '', library = ''] = line.split('|').slice(1);
      return {
        cause: ids(cause)[0] ?? '',
        rules: ids(rules),
        kinds: ids(kinds),
        library: library.trim() === 'yes',
      };
    });
}

/** Causes the library's attribution can return: `found('<cause>'` and `cause: '<cause>'` in src/client. */
function libraryCauses(): Set<string> {
  const dir = join(ROOT, 'src', 'client');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const found = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/(?:found\(|cause: )'([a-z-]+)'/g)) found.add(m[1] as string);
  }
  return found;
}

/** Every doctor rule: the ones run on each server, and the ones run on a Sentinel set or Cluster as a whole. */
const ALL_RULES = [...RULES, ...TOPOLOGY_RULES];

const pascal = (id: string) => id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

describe('one cause vocabulary', () => {
  const rows = docRows();

  it('docs/causes.md lists every cause once, in the order of src/core/causes.ts', () => {
    expect(rows.map((r) => r.cause)).toEqual([...CAUSES]);
  });

  it('each cause lists exactly the doctor rules (topology rules included) that name it', () => {
    for (const row of rows) {
      const rules = ALL_RULES.filter((r) => r.cause === row.cause).map((r) => r.id);
      expect(row.rules, row.cause).toEqual(rules.sort());
    }
  });

  it('each cause lists exactly the watch incident kinds that name it', () => {
    for (const row of rows) {
      const kinds = INCIDENT_KINDS.filter((k) => CAUSE_OF_INCIDENT[k] === row.cause);
      expect(row.kinds, row.cause).toEqual(kinds.sort());
    }
  });

  it('"library: yes" exactly for the causes the client attribution returns', () => {
    const returned = libraryCauses();
    for (const cause of returned) expect(CAUSES, `src/client returns ${cause}`).toContain(cause);
    for (const row of rows) expect(row.library, row.cause).toBe(returned.has(row.cause));
  });

  it('a watch incident kind shared with the doctor is about the same cause as the rule', () => {
    for (const rule of ALL_RULES) {
      const kind = INCIDENT_KINDS.find((k) => k === rule.id);
      if (kind) expect(CAUSE_OF_INCIDENT[kind], kind).toBe(rule.cause);
    }
  });

  it('each incident kind has its detector at src/watch/detectors/<kind>.ts, named detect<Kind>', async () => {
    for (const kind of INCIDENT_KINDS) {
      const file = join(DETECTORS, `${kind}.ts`);
      expect(existsSync(file), file).toBe(true);
      const module = (await import(file)) as Record<string, unknown>;
      expect(typeof module[`detect${pascal(kind)}`], `${kind}.ts exports detect${pascal(kind)}`).toBe(
        'function',
      );
    }
  });
});
