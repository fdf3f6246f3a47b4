/**
 * Runs every multi-file apply fixture: test/fixtures/apply-multi/<case>/ holds a `before/` tree,
 * `answer.md` (the model's full output, reasoning included), and the expectation: an `after/` tree
 * (the exact files once every planned file is applied: changed, created and deleted files) and/or
 * `refused.txt` (`path: word` lines: each refused file and a word its reason contains). A case
 * with no `after/` expects the tree unchanged; one with no `refused.txt` expects no refusal.
 * An optional meta.json may set {"allowDeletes", "finishReason", "status", "workingSet"}: files of
 * the working set are read from memory, every other file from disk, as the host does.
 * Cases in the folder named by R1_APPLY_MULTI_CASES run too.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AnswerEnding } from '../../src/core/apply/planEdit';
import { planFiles } from '../../src/core/apply/planFiles';

const BUILT_IN = fileURLToPath(new URL('../fixtures/apply-multi/', import.meta.url));
/** The number of built-in cases: the test fails if one goes missing. */
const BUILT_IN_COUNT = 36;

interface Meta {
  readonly allowDeletes?: boolean;
  readonly finishReason?: string;
  readonly status?: AnswerEnding['status'];
  readonly workingSet?: readonly string[];
}

function caseDirectories(root: string): string[] {
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'answer.md')))
    .sort();
}

/** Every file under `root` as workspace-relative path → bytes read as UTF-8. */
function readTree(root: string): Map<string, string> {
  const tree = new Map<string, string>();
  if (!existsSync(root)) return tree;
  for (const entry of readdirSync(root, { recursive: true }).map(String)) {
    const path = join(root, entry);
    if (statSync(path).isFile()) tree.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return tree;
}

function runCase(directory: string): void {
  const before = readTree(join(directory, 'before'));
  const answer = readFileSync(join(directory, 'answer.md'), 'utf8');
  const metaPath = join(directory, 'meta.json');
  const meta: Meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Meta) : {};
  const workingSet = new Set(meta.workingSet ?? before.keys());
  const result = planFiles({
    output: answer,
    ending: { status: meta.status ?? 'done', finishReason: meta.finishReason ?? 'stop' },
    workspaceFiles: [...before.keys()],
    readFile: (path) => {
      if (workingSet.has(path)) return before.get(path);
      const onDisk = join(directory, 'before', path);
      return existsSync(onDisk) ? readFileSync(onDisk, 'utf8') : undefined;
    },
    allowDeletes: meta.allowDeletes ?? false,
  });

  const refusedPath = join(directory, 'refused.txt');
  const expectedRefusals = existsSync(refusedPath)
    ? readFileSync(refusedPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const at = line.lastIndexOf(': ');
          assert.ok(at > 0, `refused.txt line "${line}" reads "path: word"`);
          return { path: line.slice(0, at).trim(), word: line.slice(at + 2).trim() };
        })
    : [];
  const refused = result.files.filter((file) => file.kind === 'refused');
  assert.deepEqual(
    refused.map((file) => file.path).sort(),
    expectedRefusals.map((entry) => entry.path).sort(),
    `refused files (reasons: ${refused.map((file) => `${file.path}: ${file.reason ?? ''}`).join(' | ')})`,
  );
  for (const { path, word } of expectedRefusals) {
    const reason = refused.find((file) => file.path === path)?.reason ?? '';
    assert.match(reason, new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), `${path}: ${reason}`);
  }
  if (result.files.length === 0) assert.ok(result.problem, 'an answer that plans no file says why');

  // Apply every planned file to the tree: it must give the after/ tree byte for byte.
  const applied = new Map(before);
  for (const file of result.files) {
    if (file.kind === 'modify' || file.kind === 'create') {
      assert.ok(file.newText !== undefined, `${file.path} has its new text`);
      applied.set(file.path, file.newText ?? '');
    } else if (file.kind === 'delete') {
      applied.delete(file.path);
    }
    if (file.kind === 'modify' || file.kind === 'delete' || file.kind === 'unchanged')
      assert.equal(file.oldText, before.get(file.path), `${file.path} was planned against its current text`);
    assert.ok(file.added >= 0 && file.removed >= 0);
    if (file.kind === 'modify') assert.ok(file.added + file.removed > 0, `${file.path} changes lines`);
  }
  const afterDirectory = join(directory, 'after');
  const expected = existsSync(afterDirectory) ? readTree(afterDirectory) : before;
  assert.deepEqual([...applied.keys()].sort(), [...expected.keys()].sort(), 'the files of the resulting tree');
  for (const [path, text] of expected) assert.equal(applied.get(path), text, `${path} byte for byte`);
}

describe('multi-file apply fixtures', () => {
  const cases = caseDirectories(BUILT_IN);
  it(`has all ${BUILT_IN_COUNT} built-in cases`, () => {
    assert.equal(cases.length, BUILT_IN_COUNT, `found ${cases.length}`);
  });
  for (const directory of cases) {
    it(directory.slice(BUILT_IN.length), () => runCase(directory));
  }
});

const extra = process.env.R1_APPLY_MULTI_CASES;
if (extra) {
  describe(`multi-file apply fixtures from R1_APPLY_MULTI_CASES (${extra})`, () => {
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
