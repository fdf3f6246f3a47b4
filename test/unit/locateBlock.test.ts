import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateBlock } from '../../src/core/apply/locateBlock';
import { planEdit } from '../../src/core/apply/planEdit';

const FILE = [
  'import { readFileSync } from "node:fs";',
  '',
  'export function sum(values: number[]): number {',
  '  let total = 0;',
  '  for (let i = 0; i <= values.length; i++) {',
  '    total += values[i];',
  '  }',
  '  return total;',
  '}',
  '',
  'export function mean(values: number[]): number {',
  '  return values.length === 0 ? 0 : sum(values) / values.length;',
  '}',
  '',
].join('\n');

const fenced = (code: string) => `\`\`\`typescript\n${code}\n\`\`\`\n`;

const FIXED_SUM = fenced(
  [
    'export function sum(values: number[]): number {',
    '  let total = 0;',
    '  for (let i = 0; i < values.length; i++) {',
    '    total += values[i];',
    '  }',
    '  return total;',
    '}',
  ].join('\n'),
);

describe('locateBlock (Apply to selection with nothing selected)', () => {
  it('finds the function a block rewrites wherever the cursor is, and the planner then replaces exactly it', () => {
    for (const cursorLine of [0, 4, 11]) {
      const located = locateBlock({ documentText: FILE, answer: FIXED_SUM, languageId: 'typescript', cursorLine });
      assert.equal(located.kind, 'region', JSON.stringify(located));
      assert.ok(located.kind === 'region');
      assert.deepEqual(located.range, { start: { line: 2, character: 0 }, end: { line: 8, character: 1 } });
      const plan = planEdit({
        documentText: FILE,
        selection: located.range,
        answer: FIXED_SUM,
        languageId: 'typescript',
        originalSelectionText: FILE.split('\n').slice(2, 9).join('\n'),
      });
      assert.equal(plan.kind, 'edit');
      assert.ok(plan.kind === 'edit');
      assert.equal(plan.newDocumentText, FILE.replace('i <= values.length', 'i < values.length'));
    }
  });

  it('refuses a block none of whose lines occur in the file, saying why', () => {
    const located = locateBlock({
      documentText: FILE,
      answer: fenced(
        'export function product(values: number[]): number {\n  return values.reduce((a, b) => a * b, 1);\n}',
      ),
      cursorLine: 5,
    });
    assert.equal(located.kind, 'refused');
    assert.ok(located.kind === 'refused');
    assert.match(located.reason, /no line of this code occurs in the file/);
    assert.match(located.reason, /Insert at cursor/);
  });

  it('refuses new code that shares only a line with the file, rather than replacing that line', () => {
    const located = locateBlock({
      documentText: FILE,
      answer: fenced(
        [
          'export function variance(values: number[]): number {',
          '  const m = mean(values);',
          '  const squares = values.map((value) => (value - m) ** 2);',
          '  const spread = sum(squares);',
          '  let total = 0;',
          '  return spread / values.length;',
          '}',
        ].join('\n'),
      ),
    });
    assert.equal(located.kind, 'refused', JSON.stringify(located));
    assert.ok(located.kind === 'refused');
    assert.match(located.reason, /only 1 of this code's 6 lines occur in the file .*looks like new code/);
  });

  it('refuses when the block fits two places equally (a duplicated function), naming neither as a guess', () => {
    const twice = `${FILE}\n${FILE.split('\n').slice(2, 9).join('\n')}\n`;
    const located = locateBlock({ documentText: twice, answer: FIXED_SUM });
    assert.equal(located.kind, 'refused');
    assert.ok(located.kind === 'refused');
    assert.match(located.reason, /more than once/);
  });

  it('passes on the planner’s reason when it refuses everywhere (the code is already there)', () => {
    const located = locateBlock({ documentText: FILE, answer: fenced(FILE.split('\n').slice(10, 13).join('\n')) });
    assert.deepEqual(located, {
      kind: 'refused',
      reason: "The answer's code is identical to the current code: there is nothing to change.",
    });
  });
});
