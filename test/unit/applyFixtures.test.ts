/**
 * Runs every apply fixture: test/fixtures/apply/<case>/ holds before.<ext>, selection.json,
 * answer.md (the model's full output) and either after.<ext> (the exact expected file) or
 * refused.txt (a word the refusal reason must contain). An optional meta.json may add
 * {"finishReason", "originalSelectionText"}. Cases in the folder named by R1_APPLY_CASES run too.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { languageIdForPath } from '../../src/core/languageIds';
import { planEdit, type Range0 } from '../../src/core/apply/planEdit';

const BUILT_IN = fileURLToPath(new URL('../fixtures/apply/', import.meta.url));

interface Meta {
  readonly finishReason?: string;
  readonly originalSelectionText?: string;
}

/** How many built-in cases there are: fewer found means cases were lost, not that they pass. */
const BUILT_IN_CASES = 38;

function directories(root: string): string[] {
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isDirectory())
    .sort();
}

function caseDirectories(root: string): string[] {
  return directories(root).filter((path) => existsSync(join(path, 'answer.md')));
}

function fileStartingWith(directory: string, stem: string): string | undefined {
  const name = readdirSync(directory).find((entry) => entry.startsWith(`${stem}.`));
  return name ? join(directory, name) : undefined;
}

/** Applies a range replacement independently of the planner's own text model. */
function applyRange(text: string, range: Range0, newText: string): string {
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === '\n') lineStarts.push(index + 1);
  const offset = (position: Range0['start']) => {
    const start = lineStarts[position.line];
    assert.ok(start !== undefined, `line ${position.line} exists`);
    return start + position.character;
  };
  return text.slice(0, offset(range.start)) + newText + text.slice(offset(range.end));
}

function runCase(directory: string): void {
  const beforePath = fileStartingWith(directory, 'before');
  assert.ok(beforePath, `${directory} has a before.<ext>`);
  const documentText = readFileSync(beforePath, 'utf8');
  const selection = JSON.parse(readFileSync(join(directory, 'selection.json'), 'utf8')) as Range0;
  const answer = readFileSync(join(directory, 'answer.md'), 'utf8');
  const metaPath = join(directory, 'meta.json');
  const meta: Meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Meta) : {};
  const plan = planEdit({
    documentText,
    selection,
    answer,
    finishReason: meta.finishReason,
    originalSelectionText: meta.originalSelectionText,
    languageId: languageIdForPath(beforePath),
  });
  const afterPath = fileStartingWith(directory, 'after');
  const refusedPath = join(directory, 'refused.txt');
  if (afterPath) {
    assert.equal(plan.kind, 'edit', plan.kind === 'refused' ? `refused: ${plan.reason}` : '');
    if (plan.kind !== 'edit') return;
    assert.equal(plan.newDocumentText, readFileSync(afterPath, 'utf8'));
    // The range and text the host applies give the same file.
    assert.equal(applyRange(documentText, plan.range, plan.newText), plan.newDocumentText);
  } else {
    assert.ok(existsSync(refusedPath), `${directory} has after.<ext> or refused.txt`);
    const word = readFileSync(refusedPath, 'utf8').trim();
    assert.ok(word, 'refused.txt names a word');
    assert.equal(plan.kind, 'refused', plan.kind === 'edit' ? `edited instead:\n${plan.newDocumentText}` : '');
    if (plan.kind !== 'refused') return;
    assert.match(plan.reason, new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
  }
}

describe('apply fixtures', () => {
  const cases = caseDirectories(BUILT_IN);
  it(`runs all ${BUILT_IN_CASES} built-in cases, and every folder there is one`, () => {
    assert.ok(cases.length >= BUILT_IN_CASES, `found ${cases.length} of ${BUILT_IN_CASES}`);
    // A folder without answer.md would be skipped silently instead of failing.
    assert.deepEqual(directories(BUILT_IN), cases);
  });
  for (const directory of cases) {
    it(directory.slice(BUILT_IN.length), () => runCase(directory));
  }
});

const extra = process.env.R1_APPLY_CASES;
if (extra) {
  describe(`apply fixtures from R1_APPLY_CASES (${extra})`, () => {
    const root = resolve(extra);
    const cases = caseDirectories(root);
    it('finds cases there', () => {
      assert.ok(cases.length > 0, `no case folders (with answer.md) in ${root}`);
    });
    for (const directory of cases) {
      it(directory.slice(root.length + 1), () => runCase(directory));
    }
  });
}
