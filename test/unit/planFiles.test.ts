import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countChangedLines, matchLines, unifiedDiff } from '../../src/core/apply/lineDiff';
import type { AnswerEnding } from '../../src/core/apply/planEdit';
import { pathsToRead, planFiles, prepareLines, type PlanFilesInput } from '../../src/core/apply/planFiles';
import { lostLines } from '../../src/core/apply/planRegion';
import { isWholeFileBlock, renderWholeFile } from '../../src/core/apply/wholeFile';

const DONE: AnswerEnding = { status: 'done', finishReason: 'stop' };

function plan(output: string, files: Record<string, string>, extra: Partial<PlanFilesInput> = {}) {
  return planFiles({
    output,
    ending: DONE,
    workspaceFiles: Object.keys(files),
    readFile: (path) => files[path],
    allowDeletes: false,
    ...extra,
  });
}

const A = 'export function a(): number {\n  return 1;\n}\n';
const A2 = 'export function a(): number {\n  return 2;\n}\n';

describe('planFiles', () => {
  it('refuses every file when the turn did not end normally', () => {
    const output = `File: src/a.ts\n\`\`\`ts\n${A2}\`\`\`\n`;
    for (const ending of [
      { status: 'streaming' },
      { status: 'stopped' },
      { status: 'done' },
      { status: 'done', finishReason: 'aborted' },
      { status: 'incomplete', error: { message: 'socket hang up' } },
    ] as AnswerEnding[]) {
      const result = plan(output, { 'src/a.ts': A }, { ending });
      assert.equal(result.files.length, 1);
      assert.equal(result.files[0]?.kind, 'refused', JSON.stringify(ending));
    }
    const inReasoning = plan('<think>\nFile: src/a.ts\n```ts\nx\n```\n', { 'src/a.ts': A });
    assert.equal(inReasoning.files.length, 0);
    assert.match(inReasoning.problem ?? '', /inside the reasoning/);
  });

  it('keeps a byte-order mark and reports an unchanged file as unchanged', () => {
    const bom = '\uFEFF';
    const result = plan(`File: src/a.ts\n\`\`\`ts\n${A2}\`\`\`\nFile: src/b.ts\n\`\`\`ts\n${A}\`\`\`\n`, {
      'src/a.ts': bom + A,
      'src/b.ts': A,
    });
    assert.deepEqual(
      result.files.map((file) => [file.path, file.kind, file.newText, file.added, file.removed]),
      [
        ['src/a.ts', 'modify', bom + A2, 1, 1],
        ['src/b.ts', 'unchanged', undefined, 0, 0],
      ],
    );
  });

  it('lists blocks that name no file, and a shell command next to a file name, as unlabelled', () => {
    const output = [
      'File: src/a.ts',
      '```ts',
      A2.trimEnd(),
      '```',
      'Then, in `src/a.ts`:',
      '```bash',
      'npm test',
      '```',
      '```ts',
      'a();',
      '```',
    ].join('\n');
    const result = plan(output, { 'src/a.ts': A });
    assert.deepEqual(
      result.files.map((file) => file.kind),
      ['modify'],
    );
    assert.deepEqual(result.unlabelled, [
      { blockIndex: 1, language: 'bash' },
      { blockIndex: 2, language: 'ts' },
    ]);
    const none = plan('```ts\na();\n```\n', { 'src/a.ts': A });
    assert.equal(none.files.length, 0);
    assert.match(none.problem ?? '', /name no file/);
  });

  it('treats the same file named by its full path and by its bare name as one', () => {
    const output = `File: src/a.ts\n\`\`\`ts\n${A2}\`\`\`\nFile: a.ts\n\`\`\`ts\n${A}\`\`\`\n`;
    const result = plan(output, { 'src/a.ts': A });
    assert.equal(result.files.length, 1);
    assert.match(result.files[0]?.reason ?? '', /twice/);
  });

  it('refuses a deletion of a file that does not exist, and one that is also changed', () => {
    const allowDeletes = true;
    const missing = plan('Delete: src/gone.ts\n', { 'src/a.ts': A }, { allowDeletes });
    assert.match(missing.files[0]?.reason ?? '', /does not exist/);
    const both = plan(`File: src/a.ts\n\`\`\`ts\n${A2}\`\`\`\nDelete: src/a.ts\n`, { 'src/a.ts': A }, { allowDeletes });
    assert.equal(both.files.length, 1);
    assert.match(both.files[0]?.reason ?? '', /both deletes and changes/);
  });

  it('names the paths it will read, for a host that reads files asynchronously', () => {
    const output = `File: a.ts\n\`\`\`ts\n${A2}\`\`\`\nFile: src/new.ts\n\`\`\`ts\nx\n\`\`\`\nDelete: old.ts\n`;
    assert.deepEqual(pathsToRead(output, ['src/a.ts', 'lib/old.ts']), ['src/a.ts', 'src/new.ts', 'lib/old.ts']);
  });

  it('strips line numbers copied from the prompt only when every code line has them', () => {
    assert.deepEqual(prepareLines(' 9| if (x) {\n10|   y();\n11| }\n'), ['if (x) {', '  y();', '}']);
    assert.deepEqual(prepareLines('1| a\nb\n'), ['1| a', 'b']);
    assert.deepEqual(prepareLines('a\n  … lines 3–40 left out …\nb\n'), ['a', '  ...', 'b']);
  });
});

describe('whole file or region', () => {
  const file = [
    'import { a } from "./a";',
    'import { b } from "./b";',
    '',
    'export function f() {',
    '  return a() + b();',
    '}',
  ];
  const text = `${file.join('\n')}\n`;
  it('takes a block that starts and ends like the file and covers most of it as the whole file', () => {
    assert.ok(isWholeFileBlock(text, [...file.slice(0, 4), '  return a() * b();', '}']));
    // The block restates the imports less one: removed on purpose.
    assert.ok(isWholeFileBlock(text, [file[1] ?? '', '', file[3] ?? '', '  return b();', '}']));
  });
  it('takes a block that leaves out the start of the file, or most of it, as a region', () => {
    assert.ok(!isWholeFileBlock(text, file.slice(3)));
    const long = `${Array.from({ length: 20 }, (_, index) => `const v${index} = ${index};`).join('\n')}\n`;
    assert.ok(!isWholeFileBlock(long, ['const v0 = 0;', 'const extra = 1;', 'const v19 = 19;']));
    assert.ok(isWholeFileBlock('x = 1\n', ['x = 2']), 'a file of one line is replaced');
  });
  it('keeps the file line endings, tabs and trailing spaces of unchanged lines', () => {
    const tabbed = 'func f() {\r\n\tx := 1  \r\n\treturn x\r\n}';
    assert.equal(
      renderWholeFile(tabbed, ['func f() {', '    x := 1', '    return x + 1', '}']),
      'func f() {\r\n\tx := 1  \r\n\treturn x + 1\r\n}',
    );
  });
});

describe('the lost-lines guard', () => {
  it('flags code a region plan drops that the block neither restates nor replaces', () => {
    const before = [
      'class A:',
      '    def add(self, n):',
      '        self.n += n',
      '',
      '    def remove(self, n):',
      '        self.n -= n',
    ];
    const block = [
      'class A:',
      '    # ... existing code ...',
      '    def remove(self, n):',
      '        self.n = max(0, self.n - n)',
    ];
    const elision = (line: string) => line.includes('existing code');
    const dropped = ['class A:', '    def remove(self, n):', '        self.n = max(0, self.n - n)'];
    assert.deepEqual(lostLines(before, dropped, block, elision), ['    def add(self, n):']);
    const right = ['class A:', '    def add(self, n):', '        self.n += n', '', ...dropped.slice(1)];
    assert.deepEqual(lostLines(before, right, block, elision), []);
  });
  it('accepts a line dropped between two lines the block restates', () => {
    const before = ['function f() {', '  prepare();', '  console.log("debug");', '  run();', '}'];
    const after = ['function f() {', '  prepare();', '  run();', '}'];
    assert.deepEqual(
      lostLines(before, after, after, () => false),
      [],
    );
  });
});

describe('line diffs', () => {
  it('matches a longest common subsequence', () => {
    const lcs = (a: string[], b: string[]): number => {
      const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          (table[i] as number[])[j] =
            a[i] === b[j]
              ? ((table[i + 1] as number[])[j + 1] ?? 0) + 1
              : Math.max((table[i + 1] as number[])[j] ?? 0, (table[i] as number[])[j + 1] ?? 0);
      return (table[0] as number[])[0] ?? 0;
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % 4);
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: random() * 3 }, () => String(random()));
      const b = Array.from({ length: random() * 3 }, () => String(random()));
      const pairs = matchLines(a, b);
      assert.equal(pairs.length, lcs(a, b), `${a.join('')} / ${b.join('')}`);
      pairs.forEach(([i, j], index) => {
        assert.equal(a[i], b[j]);
        if (index > 0) assert.ok(i > (pairs[index - 1]?.[0] ?? -1) && j > (pairs[index - 1]?.[1] ?? -1));
      });
    }
  });
  it('writes a unified diff with hunks, context and the missing final newline', () => {
    assert.equal(
      unifiedDiff('a.txt', 'a\nb\nc\n', 'a\nB\nc'),
      '--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file\n',
    );
    assert.equal(unifiedDiff('a.txt', 'same\n', 'same\n'), '');
    assert.equal(unifiedDiff('n.txt', undefined, 'x\n'), '--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+x\n');
    assert.deepEqual(countChangedLines('a\nb\n', 'a\nc\nd\n'), { added: 2, removed: 1 });
  });
});
