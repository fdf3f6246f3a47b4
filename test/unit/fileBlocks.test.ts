import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAnswerBlocks, looksLikePath, resolveBlockPath } from '../../src/core/apply/fileBlocks';

const labels = (answer: string) => listAnswerBlocks(answer).blocks.map((block) => block.label);

describe('multi-file answers: which file each block is for', () => {
  it('reads the documented format and the variants models write anyway', () => {
    const answer = [
      '<think>\nI will change src/a.ts and mention lib/ignored.ts in passing.\n```ts\n// file: lib/ignored.ts\n```\n</think>',
      'Two files change.',
      '',
      'File: src/a.ts',
      '```ts',
      'export const a = 1;',
      '```',
      '### `src/b.ts`',
      '',
      '```ts',
      'export const b = 2;',
      '```',
      '**src/c.ts**:',
      '```ts',
      'export const c = 3;',
      '```',
      '```ts src/d.ts',
      'export const d = 4;',
      '```',
      '```ts:src/e.ts',
      'export const e = 5;',
      '```',
      '```ts title="src/f.ts"',
      'export const f = 6;',
      '```',
      '```python',
      '# file: tools/g.py',
      'G = 7',
      '```',
      '```html',
      '<!-- file: web/h.html -->',
      '<p>h</p>',
      '```',
      'Path: ./src\\i.ts',
      '```ts',
      'export const i = 9;',
      '```',
      'Run it with:',
      '```sh',
      'npm test',
      '```',
    ].join('\n');
    assert.deepEqual(labels(answer), [
      'src/a.ts',
      'src/b.ts',
      'src/c.ts',
      'src/d.ts',
      'src/e.ts',
      'src/f.ts',
      'tools/g.py',
      'web/h.html',
      'src/i.ts',
      undefined,
    ]);
    const blocks = listAnswerBlocks(answer).blocks;
    assert.equal(blocks[6]?.code, 'G = 7\n', 'the label line is not part of the code');
    assert.equal(blocks[0]?.code, 'export const a = 1;\n');
  });

  it('finds deletions and renames asked for in the prose, not inside code', () => {
    const answer = [
      'Delete: src/old.ts',
      '- **Delete file** `src/legacy/util.js`.',
      'Rename `src/a.ts` to `src/b.ts`.',
      '```sh',
      'Delete: src/not-this.ts',
      '```',
    ].join('\n');
    const parsed = listAnswerBlocks(answer);
    assert.deepEqual(parsed.deletions, ['src/old.ts', 'src/legacy/util.js']);
    assert.deepEqual(parsed.renames, [{ from: 'src/a.ts', to: 'src/b.ts' }]);
  });

  it('tells paths from words and language tags', () => {
    for (const path of ['src/a.ts', 'a.ts', 'Makefile', 'docs/README', '.github/workflows/ci.yml', '@scope/x/index.js'])
      assert.ok(looksLikePath(path), path);
    for (const word of ['ts', 'python', 'Fixed', 'e.g.', 'the file', 'src/', 'v1.'])
      assert.ok(!looksLikePath(word), word);
  });
});

describe('resolveBlockPath', () => {
  const files = ['src/app.ts', 'src/util/math.ts', 'test/math.ts', 'README.md'];
  it('takes the exact path, else the one file whose path ends with it', () => {
    assert.deepEqual(resolveBlockPath('src/app.ts', files), { kind: 'existing', path: 'src/app.ts' });
    assert.deepEqual(resolveBlockPath('./src/app.ts', files), { kind: 'existing', path: 'src/app.ts' });
    assert.deepEqual(resolveBlockPath('app.ts', files), { kind: 'existing', path: 'src/app.ts' });
    assert.deepEqual(resolveBlockPath('util/math.ts', files), { kind: 'existing', path: 'src/util/math.ts' });
  });
  it('refuses an ambiguous bare name and paths outside the workspace', () => {
    const ambiguous = resolveBlockPath('math.ts', files);
    assert.equal(ambiguous.kind, 'refused');
    assert.match(ambiguous.kind === 'refused' ? ambiguous.reason : '', /ambiguous: 2 workspace files/);
    assert.equal(resolveBlockPath('../etc/passwd', files).kind, 'refused');
  });
  it('calls anything else a new file', () => {
    assert.deepEqual(resolveBlockPath('src/new.ts', files), { kind: 'new', path: 'src/new.ts' });
  });
});
