import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFolderTree } from '../../src/core/context/folderTree';
import { compileIgnoreFiles } from '../../src/core/context/ignoreFile';
import { formatProblems, orderProblems, type ProblemEntry } from '../../src/core/context/problemsText';
import {
  cleanTerminalOutput,
  formatTerminalCommand,
  tailOfOutput,
  TERMINAL_MAX_LINES,
} from '../../src/core/context/terminalText';

const problem = (overrides: Partial<ProblemEntry>): ProblemEntry => ({
  path: 'src/a.ts',
  severity: 'error',
  line: 0,
  character: 0,
  endLine: 0,
  message: 'wrong',
  ...overrides,
});

describe('#problems text', () => {
  it('lists errors first, then warnings and info, each by path and line; hints are left out', () => {
    const ordered = orderProblems([
      problem({ path: 'b.ts', severity: 'warning', line: 1 }),
      problem({ path: 'b.ts', severity: 'error', line: 9 }),
      problem({ path: 'a.ts', severity: 'info', line: 0 }),
      problem({ path: 'a.ts', severity: 'error', line: 4 }),
      problem({ path: 'a.ts', severity: 'hint', line: 0 }),
      problem({ path: 'a.ts', severity: 'error', line: 2 }),
    ]);
    assert.deepEqual(
      ordered.map((entry) => `${entry.severity} ${entry.path}:${entry.line}`),
      ['error a.ts:2', 'error a.ts:4', 'error b.ts:9', 'warning b.ts:1', 'info a.ts:0'],
    );
  });

  it('quotes the line(s) each problem points at, with 1-based numbers, and names source and code', () => {
    const lines = ['export function total(values: number[]): number {', "  let sum: number = 'zero';", '}'];
    const { text, shown, total, summary } = formatProblems(
      [
        problem({
          line: 1,
          character: 6,
          endLine: 1,
          message: "Type 'string' is not assignable to type 'number'.",
          source: 'ts',
          code: '2322',
        }),
        problem({ severity: 'warning', line: 0, endLine: 2, message: 'long function' }),
      ],
      (path) => (path === 'src/a.ts' ? lines : undefined),
    );
    assert.equal(
      text,
      [
        "src/a.ts:2:7 error (ts 2322): Type 'string' is not assignable to type 'number'.",
        "    2|   let sum: number = 'zero';",
        'src/a.ts:1:1 warning: long function',
        '    1| export function total(values: number[]): number {',
        "    2|   let sum: number = 'zero';",
        '    3| }',
      ].join('\n'),
    );
    assert.deepEqual([shown, total, summary], [2, 2, '1 error, 1 warning']);
  });

  it('is bounded: at most maxProblems listed, the rest counted; a file that cannot be quoted is listed alone', () => {
    const many = Array.from({ length: 60 }, (_, index) => problem({ line: index, message: `p${index}` }));
    const { text, shown, total } = formatProblems(many, () => undefined, {
      maxProblems: 5,
      maxSourceLines: 3,
      maxLineChars: 200,
    });
    assert.equal(shown, 5);
    assert.equal(total, 60);
    assert.equal(text.split('\n').length, 6);
    assert.match(text, /… 55 more problems not listed \(60 errors in all\)$/);
  });

  it('cuts a long source line and at most maxSourceLines lines per problem', () => {
    const lines = ['x'.repeat(500), 'b', 'c', 'd'];
    const { text } = formatProblems([problem({ endLine: 3 })], () => lines, {
      maxProblems: 10,
      maxSourceLines: 2,
      maxLineChars: 10,
    });
    assert.deepEqual(text.split('\n').slice(1), ['    1| xxxxxxxxxx …', '    2| b']);
  });
});

describe('#terminal text', () => {
  it('removes colour codes, OSC shell-integration marks and resolves carriage-return overwrites', () => {
    const raw =
      '\u001b]633;C\u0007\u001b[31mFAIL\u001b[0m src/a.test.ts\r\nprogress 10%\rprogress 100%\r\n\u001b[1mdone\u001b[22m';
    assert.equal(cleanTerminalOutput(raw), 'FAIL src/a.test.ts\nprogress 100%\ndone');
  });

  it('keeps the end of long output (where the error is) and says how much was left out', () => {
    const output = Array.from({ length: TERMINAL_MAX_LINES + 50 }, (_, index) => `line ${index}`).join('\n');
    const { text, leftOutLines } = tailOfOutput(output);
    assert.equal(leftOutLines, 50);
    assert.ok(text.startsWith('line 50\n') && text.endsWith(`line ${TERMINAL_MAX_LINES + 49}`));
    const byChars = tailOfOutput('a\nbb\nccc\n\n', 100, 7);
    assert.deepEqual(byChars, { text: 'bb\nccc', leftOutLines: 1 });
    assert.deepEqual(tailOfOutput('x'.repeat(50), 10, 8), { text: 'xxxxxxxx', leftOutLines: 0 });
  });

  it('formats a finished command: the command line, its output, the exit code', () => {
    assert.equal(
      formatTerminalCommand({ commandLine: 'npm test ', output: '\u001b[31m1 failing\u001b[0m\r\n', exitCode: 1 }),
      '$ npm test\n1 failing\n(exit code 1)',
    );
    assert.equal(
      formatTerminalCommand({ commandLine: 'true', output: '', exitCode: undefined, cwd: '/w' }),
      '(in /w)\n$ true\n(no output)\n(exit code unknown)',
    );
  });
});

describe('#folder tree', () => {
  it('lists folders before files, sorted, indented two spaces a level', () => {
    const { text, files, complete } = renderFolderTree('src', ['z.md', 'b/d/e.ts', 'a.ts', 'b/c.ts']);
    assert.equal(text, ['src/', '  b/', '    d/', '      e.ts', '    c.ts', '  a.ts', '  z.md'].join('\n'));
    assert.deepEqual([files, complete], [4, true]);
  });

  it('collapses deeper folders to a file count when the listing would exceed maxEntries', () => {
    const paths = Array.from({ length: 50 }, (_, index) => `d${index % 5}/f${index}.ts`);
    const { text, complete } = renderFolderTree('src', paths, 20);
    const lines = text.split('\n');
    assert.ok(lines.length <= 20, `${lines.length} lines`);
    assert.equal(complete, false);
    assert.ok(lines.includes('  d4/ (10 files not listed)'), text);
  });

  it('shows the first top-level entries only when even they do not fit', () => {
    const paths = Array.from({ length: 30 }, (_, index) => `f${String(index).padStart(2, '0')}.ts`);
    const { text, complete } = renderFolderTree('.', paths, 10);
    const lines = text.split('\n');
    assert.equal(lines.length, 10);
    assert.equal(lines.at(-1), '  … 22 more entries not listed');
    assert.equal(complete, false);
  });
});

describe('.gitignore rules', () => {
  const rules = compileIgnoreFiles([
    { base: '', text: '# build output\nnode_modules/\n/dist\n*.log\n!keep.log\nsub/out\n\\#literal\n' },
    { base: 'pkg', text: 'gen/\n!/important.txt\n' },
  ]);
  const cases: readonly [string, boolean][] = [
    ['node_modules/a/b.js', true],
    ['web/node_modules/x.js', true],
    ['dist/x.js', true],
    ['src/dist/x.js', false], // `/dist` is anchored to the root
    ['a.log', true],
    ['logs/b.log', true],
    ['keep.log', false], // negated
    ['sub/out', true],
    ['sub/out/x.ts', true],
    ['x/sub/out', false], // a pattern with a middle `/` is anchored
    ['#literal', true],
    ['pkg/gen/a.ts', true], // a nested .gitignore applies below its folder
    ['gen/a.ts', false], // …and only there
    ['pkg/src/a.ts', false],
    ['src/index.ts', false],
  ];
  for (const [path, ignored] of cases) {
    it(`${path} is ${ignored ? '' : 'not '}ignored`, () => assert.equal(rules.ignores(path), ignored));
  }

  it('a folder-only rule (trailing /) does not hide a file of that name; nothing inside an ignored folder comes back', () => {
    const folderOnly = compileIgnoreFiles([{ base: '', text: 'build/\n' }]);
    assert.equal(folderOnly.ignores('build'), false);
    assert.equal(folderOnly.ignores('build/a.js'), true);
    const reinclude = compileIgnoreFiles([{ base: '', text: 'out/\n!out/keep.js\n' }]);
    assert.equal(reinclude.ignores('out/keep.js'), true);
  });

  it('no ignore files: nothing is ignored', () => {
    assert.equal(compileIgnoreFiles([]).ignores('anything/at/all.ts'), false);
  });
});
