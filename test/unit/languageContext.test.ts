import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateTokens } from '../../src/core/context/tokens';
import {
  blankCommentsAndStrings,
  definitionSymbol,
  enclosingSymbol,
  MAX_DEFINITION_LINES,
  nestSymbols,
  planDefinitions,
  selectionIdentifiers,
  type DefinitionCandidate,
  type SymbolSpan,
} from '../../src/core/languageContext';
import { buildExplainPrompt, buildFixPrompt, type SelectionPromptInput } from '../../src/core/prompts';

const span = (
  name: string,
  kind: string,
  firstLine: number,
  lastLine: number,
  children: SymbolSpan[] = [],
): SymbolSpan => ({
  name,
  kind,
  firstLine,
  lastLine,
  nameLine: firstLine,
  children,
});

describe('selection identifiers to look up', () => {
  it('calls first, then the rest, each once in order of appearance; keywords, comments and strings skipped', () => {
    const text = [
      'const total = values.reduce((sum, value) => sum + scale(value), 0); // uses helperInComment()',
      "if (total > LIMIT) throw new RangeError('too large: overflowFromString');",
      'return clamp<number>(total, Config.max);',
    ].join('\n');
    assert.deepEqual(
      selectionIdentifiers(text).map((each) => `${each.name}${each.call ? '()' : ''}`),
      ['reduce()', 'scale()', 'RangeError()', 'clamp()', 'total', 'values', 'sum', 'value', 'LIMIT', 'Config', 'max'],
    );
  });

  it('gives each identifier its first offset in the selection text, and caps the count', () => {
    const text = 'a1 + foo(b2) + foo';
    const found = selectionIdentifiers(text);
    const foo = found.find((each) => each.name === 'foo');
    assert.equal(foo?.offset, text.indexOf('foo'));
    assert.equal(foo?.call, true);
    assert.equal(selectionIdentifiers('aa bb cc dd ee', 3).length, 3);
  });

  it('blanks comments and strings without moving offsets', () => {
    const text = "x = 'a b' + y /* c */ # d\nz";
    const blank = blankCommentsAndStrings(text);
    assert.equal(blank.length, text.length);
    assert.equal(blank.replace(/\s+/g, ' ').trim(), 'x = + y z');
  });
});

describe('enclosing and definition symbols', () => {
  const symbols = [
    span('Cart', 'class', 0, 30, [span('add', 'method', 2, 10), span('total', 'method', 12, 20)]),
    span('handler', 'constant', 32, 40),
    span('LIMIT', 'constant', 42, 42),
  ];

  it('the innermost function-like symbol around the selection', () => {
    assert.deepEqual(enclosingSymbol(symbols, 4, 6), { name: 'add', kind: 'method', firstLine: 2, lastLine: 10 });
    assert.equal(enclosingSymbol(symbols, 11, 11)?.name, 'Cart');
    // `const handler = () => {…}`: a multi-line constant counts; a one-line one does not.
    assert.equal(enclosingSymbol(symbols, 33, 34)?.name, 'handler');
    assert.equal(enclosingSymbol(symbols, 42, 42), undefined);
    // A selection across two methods: the class.
    assert.equal(enclosingSymbol(symbols, 8, 14)?.name, 'Cart');
  });

  it('a definition location stands for the symbol named on that line, else the innermost around it', () => {
    assert.equal(definitionSymbol(symbols, 12)?.name, 'total');
    assert.equal(definitionSymbol(symbols, 11)?.name, 'Cart');
    assert.equal(definitionSymbol(symbols, 50), undefined);
  });

  it('nests a flat symbol list by containment', () => {
    const nested = nestSymbols([
      { name: 'm', kind: 'method', firstLine: 2, lastLine: 4, nameLine: 2 },
      { name: 'C', kind: 'class', firstLine: 1, lastLine: 9, nameLine: 1 },
      { name: 'f', kind: 'function', firstLine: 11, lastLine: 12, nameLine: 11 },
    ]);
    assert.deepEqual(
      nested.map((each) => [each.name, each.children.map((child) => child.name)]),
      [
        ['C', ['m']],
        ['f', []],
      ],
    );
    assert.equal(enclosingSymbol(nested, 3, 3)?.name, 'm');
  });
});

describe('which definitions are sent', () => {
  const candidate = (overrides: Partial<DefinitionCandidate>): DefinitionCandidate => ({
    identifierIndex: 0,
    name: 'f',
    kind: 'function',
    path: 'src/other.ts',
    languageId: 'typescript',
    inWorkspace: true,
    firstLine: 0,
    lastLine: 2,
    lines: ['function f() {', '  return 1;', '}'],
    ...overrides,
  });
  const target = { path: 'src/app.ts', selectionFirst: 20, selectionLast: 22, shown: { firstLine: 18, lastLine: 30 } };

  it('nearest first: the same file by distance, then the same folder, then the rest by first use', () => {
    const planned = planDefinitions(
      [
        candidate({ name: 'far', path: 'lib/far.ts', identifierIndex: 0 }),
        candidate({ name: 'sibling', path: 'src/sibling.ts', identifierIndex: 3 }),
        candidate({ name: 'above', path: 'src/app.ts', firstLine: 2, lastLine: 4, identifierIndex: 4 }),
        candidate({ name: 'below', path: 'src/app.ts', firstLine: 40, lastLine: 44, identifierIndex: 1 }),
        candidate({ name: 'near', path: 'src/app.ts', firstLine: 10, lastLine: 12, identifierIndex: 2 }),
        candidate({ name: 'lib2', path: 'lib/b.ts', identifierIndex: 1 }),
      ],
      target,
      estimateTokens,
    );
    assert.deepEqual(
      planned.definitions.map((each) => each.name),
      ['near', 'above', 'below', 'sibling', 'far', 'lib2'],
    );
  });

  it('skips libraries, files outside the workspace, the selection itself, what is already shown, and duplicates', () => {
    const planned = planDefinitions(
      [
        candidate({ name: 'lib', path: 'node_modules/x/index.d.ts' }),
        candidate({ name: 'outside', path: '/usr/lib/x.ts', inWorkspace: false }),
        candidate({ name: 'inSelection', path: 'src/app.ts', firstLine: 21, lastLine: 21 }),
        candidate({ name: 'enclosingItself', path: 'src/app.ts', firstLine: 18, lastLine: 30 }),
        candidate({ name: 'inShown', path: 'src/app.ts', firstLine: 25, lastLine: 27 }),
        candidate({ name: 'kept' }),
        candidate({ name: 'kept' }),
      ],
      target,
      estimateTokens,
    );
    assert.deepEqual(
      planned.definitions.map((each) => each.name),
      ['kept'],
    );
  });

  it('stays within the token budget: one that does not fit is skipped, a smaller one after it still goes', () => {
    const big = candidate({
      name: 'big',
      lines: Array.from({ length: 60 }, (_, i) => `  const v${i} = ${i};`),
      lastLine: 59,
    });
    const small = candidate({ name: 'small', path: 'src/z.ts', identifierIndex: 5 });
    const planned = planDefinitions([big, small], target, estimateTokens, 100);
    assert.deepEqual(
      planned.definitions.map((each) => each.name),
      ['small'],
    );
    assert.deepEqual(planned.overBudget, ['big']);
    const total = planned.definitions.reduce((sum, each) => sum + estimateTokens(each.text), 0);
    assert.ok(total <= 100);
  });

  it('cuts a very long definition to its first lines and says so', () => {
    const lines = Array.from({ length: MAX_DEFINITION_LINES + 20 }, (_, i) => `line ${i}`);
    const planned = planDefinitions(
      [candidate({ lines, lastLine: lines.length - 1 })],
      target,
      estimateTokens,
      100_000,
    );
    const [only] = planned.definitions;
    assert.ok(only);
    assert.equal(only.lastLine, MAX_DEFINITION_LINES - 1);
    assert.match(only.text, /\n… 20 more lines of f left out …$/);
  });
});

describe('Explain/Fix prompts with language-server context', () => {
  const documentText = [
    'import { clamp } from "./math";', // 0
    '', // 1
    'export function score(values: number[]): number {', // 2
    '  let total = 0;', // 3
    '  for (const value of values) {', // 4
    '    total += value;', // 5
    '  }', // 6
    '  const limit = 100;', // 7
    '  const base = 1;', // 8
    '  const factor = 2;', // 9
    '  return clamp(total, 0, limit) * factor + base;', // 10
    '}', // 11
    '', // 12
    'export const other = 1;', // 13
  ].join('\n');
  const input: SelectionPromptInput = {
    filePath: 'src/score.ts',
    languageId: 'typescript',
    documentText,
    selection: { start: { line: 10, character: 0 }, end: { line: 10, character: 49 } },
    diagnostics: [],
  };

  it('without it: five lines around the selection (unchanged behaviour)', () => {
    const prompt = buildFixPrompt(input);
    assert.match(prompt, /Context before the selection \(lines 6–10; do not change it\)/);
    assert.doesNotMatch(prompt, /Definitions of what the selection uses/);
  });

  it('with it: the whole enclosing function as context and the definitions, marked not to change', () => {
    const prompt = buildFixPrompt({
      ...input,
      languageContext: {
        enclosing: { name: 'score', kind: 'function', firstLine: 2, lastLine: 11 },
        definitions: [
          {
            name: 'clamp',
            kind: 'function',
            path: 'src/math.ts',
            languageId: 'typescript',
            firstLine: 4,
            lastLine: 6,
            text: 'export function clamp(x: number, lo: number, hi: number): number {\n  return Math.min(hi, Math.max(lo, x));\n}',
          },
        ],
      },
    });
    assert.match(
      prompt,
      /Context before the selection \(lines 3–10, in function score; do not change it\):\n```typescript\nexport function score/,
    );
    assert.match(
      prompt,
      /Context after the selection \(line 12, in function score; do not change it\):\n```typescript\n}\n```/,
    );
    assert.match(
      prompt,
      /Definitions of what the selection uses, found by the language server \(context only; do not change them\):\n\nfunction clamp — src\/math\.ts, lines 5–7:\n```typescript\nexport function clamp\(x: number/,
    );
    // The line after the function is not context any more.
    assert.doesNotMatch(prompt, /export const other/);
    // The definitions come before the diagnostics and the instruction, which stays last.
    assert.ok(prompt.indexOf('function clamp —') < prompt.indexOf('Diagnostics:'));
    assert.match(prompt, /include none of the context\./);
  });

  it('an "enclosing" symbol that does not hold the selection is ignored (falls back to the lines around it)', () => {
    const prompt = buildExplainPrompt({
      ...input,
      languageContext: { enclosing: { name: 'other', kind: 'constant', firstLine: 13, lastLine: 13 }, definitions: [] },
    });
    assert.match(prompt, /Context before the selection \(lines 6–10\)/);
  });
});
