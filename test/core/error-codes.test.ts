import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';

// The error codes are a contract: one table in src/core/error-codes.ts, every code documented.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const TABLE_FILE = join(SRC, 'core', 'error-codes.ts');
const DOC = join(ROOT, 'docs', 'errors.md');

const tableValues = new Set<string>(Object.values(ERROR_CODES));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every ERR_LIFELINE_* in the file's text, comments included: "file:line CODE". */
function codesIn(file: string): { code: string; where: string }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/ERR_LIFELINE_[A-Z_]+/g)].map((m) => ({
    code: m[0],
    where: `${relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}`,
  }));
}

/** String and template literals (any part of one) that spell out ERR_LIFELINE, prefixes included. */
function codeLiteralsIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isStringLiteralLike(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node)) &&
      node.text.includes('ERR_LIFELINE')
    ) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      found.push(`${relative(ROOT, file)}:${line} ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('error codes', () => {
  const files = tsFiles(SRC);

  it('finds the source files and a table worth checking', () => {
    expect(files).toContain(TABLE_FILE);
    expect(files.length).toBeGreaterThan(50);
    expect(tableValues.size).toBeGreaterThanOrEqual(50);
  });

  it('has one name per code, each code of the ERR_LIFELINE_ form', () => {
    const values = Object.values(ERROR_CODES);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value).toMatch(/^ERR_LIFELINE_[A-Z]+(?:_[A-Z]+)*$/);
  });

  it('knows every ERR_LIFELINE_* code that appears under src/', () => {
    const unknown = files
      .flatMap(codesIn)
      .filter(({ code }) => !tableValues.has(code))
      .map(({ code, where }) => `${where} ${code}`);
    expect(unknown, 'codes missing from ERROR_CODES (src/core/error-codes.ts)').toEqual([]);
  });

  it('documents every code in docs/errors.md, once, and no other', () => {
    const doc = readFileSync(DOC, 'utf8');
    const rows = [...doc.matchAll(/^\| `(ERR_LIFELINE_[A-Z_]+)` \|/gm)].map((m) => m[1] as string);
    const undocumented = [...tableValues].filter((code) => !rows.includes(code));
    expect(undocumented, 'codes without a row in docs/errors.md').toEqual([]);
    expect(
      rows.filter((code, i) => rows.indexOf(code) !== i),
      'codes with two rows',
    ).toEqual([]);
    const stale = [...doc.matchAll(/ERR_LIFELINE_[A-Z_]+/g)]
      .map((m) => m[0])
      .filter((code) => !tableValues.has(code));
    expect(stale, 'codes in docs/errors.md that ERROR_CODES does not have').toEqual([]);
  });

  it('spells codes out only in the table: everything else goes through ERROR_CODES', () => {
    const literals = files.filter((file) => file !== TABLE_FILE).flatMap(codeLiteralsIn);
    expect(literals, 'use ERROR_CODES.<name> instead of these literals').toEqual([]);
  });
});
