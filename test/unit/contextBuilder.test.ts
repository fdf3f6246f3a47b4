import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildContextMessage, waterLevel } from '../../src/core/context/buildContext';
import { contentHash, estimateTokens } from '../../src/core/context/tokens';
import type { ContextBuildInput, ContextItem } from '../../src/core/context/types';

const BIG = 1_000_000;

function build(input: Partial<ContextBuildInput> & Pick<ContextBuildInput, 'items'>) {
  return buildContextMessage({
    question: 'Why does it fail?',
    budgetTokens: BIG,
    countTokens: estimateTokens,
    ...input,
  });
}

/** `count` numbered lines: `line 1 of name`, … */
function lines(count: number, name = 'f'): string {
  return `${Array.from({ length: count }, (_, i) => `const ${name}${i + 1} = 'line ${i + 1} of ${name}';`).join('\n')}\n`;
}

function file(path: string, text: string, extra: Partial<ContextItem> = {}): ContextItem {
  return { kind: 'file', path, languageId: 'typescript', text, origin: 'picker', ...extra };
}

/** Lines inside the fence of the section whose header contains `marker`. */
function sectionBody(message: string, marker: string): string[] {
  const start = message.indexOf(marker);
  assert.ok(start >= 0, `no section ${marker}`);
  const rest = message.slice(start).split('\n');
  const fence = rest[1]!.match(/^`+/)![0];
  const end = rest.findIndex((line, index) => index > 1 && line === fence);
  return rest.slice(2, end);
}

describe('context builder: the message', () => {
  it('with nothing attached, the message is the question alone', () => {
    const result = build({ items: [] });
    assert.equal(result.message, 'Why does it fail?');
    assert.deepEqual(result.items, []);
  });

  it('puts each attachment in a marked section, in order, and the question last', () => {
    const result = build({
      items: [
        {
          kind: 'activeFile',
          path: 'src/sum.js',
          languageId: 'javascript',
          text: 'function sum(a) {\n  return a.reduce((t, x) => t + x);\n}\n',
          focus: { first: 1, last: 1 },
          origin: 'activeEditor',
        },
        {
          kind: 'selection',
          path: 'src/sum.js',
          languageId: 'javascript',
          text: '  return a.reduce((t, x) => t + x);',
          firstLine: 1,
          origin: 'activeEditor',
        },
        file('src/util.ts', 'export const one = 1;\n'),
        { kind: 'problems', text: 'src/sum.js:2:10 error: reduce of empty array', origin: 'picker' },
        {
          kind: 'definition',
          path: 'src/util.ts',
          languageId: 'typescript',
          text: 'export const one = 1;',
          label: 'one',
          origin: 'languageServer',
        },
        { kind: 'terminal', text: '$ npm test\n1 failing', label: 'bash', origin: 'picker' },
        { kind: 'changes', languageId: 'diff', text: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b', origin: 'picker' },
        { kind: 'folder', path: 'src', text: 'src/\n  sum.js\n  util.ts', origin: 'picker' },
      ],
    });
    assert.equal(
      result.message,
      [
        'I attached context for my question below, each part in its own section; my question comes last. Line numbers at the left of file contents are for reference only; they are not part of the files.',
        '### Active file (open in the editor): src/sum.js (JavaScript, 3 lines)\n```javascript\n1| function sum(a) {\n2|   return a.reduce((t, x) => t + x);\n3| }\n```',
        '### Selection: src/sum.js, line 2 (JavaScript)\n```javascript\n2|   return a.reduce((t, x) => t + x);\n```',
        '### File: src/util.ts (TypeScript, 1 line)\n```typescript\n1| export const one = 1;\n```',
        '### Problems reported in the workspace\n```\nsrc/sum.js:2:10 error: reduce of empty array\n```',
        '### Definition of one: src/util.ts, line 1 (TypeScript; context, not to be changed)\n```typescript\n1| export const one = 1;\n```',
        '### Terminal (bash)\n```\n$ npm test\n1 failing\n```',
        '### Uncommitted changes (diff)\n```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n```',
        '### Folder listing: src\n```\nsrc/\n  sum.js\n  util.ts\n```',
        '### Question\nWhy does it fail?',
      ].join('\n\n'),
    );
    assert.equal(result.items.length, 8);
    assert.ok(result.items.every((item) => !item.trimmed && item.tokens > 0));
    assert.equal(result.tokens, estimateTokens(result.message));
    assert.equal(result.overBudget, false);
  });

  it('numbers an excerpt from its line in the file, padded to the widest number', () => {
    const result = build({
      items: [
        { kind: 'selection', path: 'a.py', languageId: 'python', text: 'x = 1\ny = 2', firstLine: 98, origin: 'menu' },
      ],
    });
    assert.deepEqual(sectionBody(result.message, '### Selection'), [' 99| x = 1', '100| y = 2']);
    assert.match(result.message, /### Selection: a\.py, lines 99–100 \(Python\)/);
  });

  it('chooses a fence that backticks in the content cannot close', () => {
    const text = 'Use:\n```ts\ncode\n```\nand ````four```` too';
    const result = build({ items: [file('README.md', text, { languageId: 'markdown' })] });
    const header = result.message.split('\n').findIndex((line) => line.startsWith('### File'));
    const fence = result.message.split('\n')[header + 1]!;
    assert.equal(fence, '`````markdown');
    const body = sectionBody(result.message, '### File');
    assert.deepEqual(body, ['1| Use:', '2| ```ts', '3| code', '4| ```', '5| and ````four```` too']);
  });
});

describe('context builder: exclusion', () => {
  it('refuses excluded paths whoever attached them, and sends the rest and the question', () => {
    const result = build({
      items: [
        { kind: 'activeFile', path: '.env', text: 'API_KEY=sk-live-123', origin: 'activeEditor' },
        file('config/.env.local', 'TOKEN=abc'),
        file('certs/Server.PEM', '-----BEGIN PRIVATE KEY-----'),
        file('src/a.ts', 'export {};\n'),
      ],
      refused: [{ path: 'logo.png', reason: 'looks binary' }],
    });
    assert.doesNotMatch(result.message, /sk-live|TOKEN=abc|PRIVATE KEY/);
    assert.match(result.message, /### File: src\/a\.ts/);
    assert.ok(result.message.endsWith('### Question\nWhy does it fail?'));
    assert.deepEqual(
      result.refused.map((refusal) => refusal.path),
      ['logo.png', '.env', 'config/.env.local', 'certs/Server.PEM'],
    );
    assert.match(result.refused[1]!.reason, /"\*\*\/\.env\*" in r1Coder\.context\.exclude/);
    assert.match(result.refused[3]!.reason, /"\*\*\/\*\.pem"/);
    assert.deepEqual(
      result.items.map((item) => item.path),
      ['src/a.ts'],
    );
  });

  it('with everything refused, sends the question alone', () => {
    const result = build({ items: [file('.npmrc', '//registry/:_authToken=x')] });
    assert.equal(result.message, 'Why does it fail?');
    assert.equal(result.refused.length, 1);
  });

  it('uses the exclusion list it is given instead of the defaults', () => {
    const result = build({ items: [file('.env', 'A=1'), file('gen/out.ts', 'x')], exclude: ['gen/**'] });
    assert.deepEqual(
      result.refused.map((refusal) => refusal.path),
      ['gen/out.ts'],
    );
    assert.match(result.message, /A=1/);
  });
});

describe('context builder: budget', () => {
  it('trims the largest attachment first, from the middle, keeping head and tail, and reports it', () => {
    const small = file('src/small.ts', lines(5, 's'));
    const medium = file('src/medium.ts', lines(40, 'm'));
    const large = file('src/large.ts', lines(1000, 'l'));
    const whole = build({ items: [small, medium, large] });
    const budget = Math.floor(whole.tokens / 4);
    const result = build({ items: [small, medium, large], budgetTokens: budget });
    assert.ok(result.tokens <= budget, `${result.tokens} ≤ ${budget}`);
    assert.equal(result.tokens, estimateTokens(result.message));
    const [smallReport, mediumReport, largeReport] = result.items;
    assert.equal(smallReport!.trimmed, false);
    assert.equal(mediumReport!.trimmed, false);
    assert.equal(largeReport!.trimmed, true);
    const body = sectionBody(result.message, '### File: src/large.ts');
    assert.match(body[0]!, /^ {3}1\| const l1 = /, 'head kept');
    assert.match(body[body.length - 1]!, /^1000\| const l1000 = /, 'tail kept');
    const gap = body.find((line) => line.startsWith('… lines'));
    assert.ok(gap, 'a marker names the cut');
    const [, first, last] = /… lines (\d+)–(\d+) left out …/.exec(gap)!;
    assert.equal(largeReport!.leftOut, `lines ${first}–${last} left out`);
    assert.equal(largeReport!.shown, `lines 1–${Number(first) - 1} and ${Number(last) + 1}–1000`);
    // Head and tail share the room about equally.
    const kept = 1000 - (Number(last) - Number(first) + 1);
    assert.ok(Math.abs(Number(first) - 1 - (1000 - Number(last))) <= kept * 0.2 + 2, `${first}–${last}`);
    assert.match(
      result.message,
      new RegExp(
        `### File: src/large\\.ts \\(TypeScript, 1,000 lines, showing ${largeReport!.shown} ; `.replace(' ; ', '; '),
      ),
    );
    assert.match(result.message, new RegExp(`lines ${first}–${last} left out to fit the context budget\\)`));
    // Its section fills the room left: not trimmed more than needed.
    assert.ok(result.tokens >= budget * 0.85, `${result.tokens} fills ${budget}`);
  });

  it('trims two large attachments to about the same size, leaving the small one whole', () => {
    const items = [file('a.ts', lines(600, 'a')), file('b.ts', lines(900, 'b')), file('c.ts', lines(3, 'c'))];
    const result = build({ items, budgetTokens: 3000 });
    assert.ok(result.tokens <= 3000);
    const [a, b, c] = result.items;
    assert.ok(a!.trimmed && b!.trimmed && !c!.trimmed);
    assert.ok(Math.abs(a!.tokens - b!.tokens) <= 0.1 * a!.tokens, `${a!.tokens} ≈ ${b!.tokens}`);
  });

  it('sends the whole active file when it fits', () => {
    const text = lines(200, 'x');
    const result = build({
      items: [
        {
          kind: 'activeFile',
          path: 'x.ts',
          languageId: 'typescript',
          text,
          focus: { first: 150, last: 150 },
          origin: 'activeEditor',
        },
      ],
      budgetTokens: 10_000,
    });
    assert.equal(result.items[0]!.trimmed, false);
    assert.equal(result.items[0]!.shown, 'lines 1–200');
    assert.equal(sectionBody(result.message, '### Active file').length, 200);
  });

  it('keeps the region around the cursor of an active file too large for the budget, naming what was left out', () => {
    const text = lines(1000, 'x');
    const result = build({
      items: [
        {
          kind: 'activeFile',
          path: 'x.ts',
          languageId: 'typescript',
          text,
          focus: { first: 699, last: 701 },
          origin: 'activeEditor',
        },
      ],
      budgetTokens: 1500,
    });
    assert.ok(result.tokens <= 1500);
    const report = result.items[0]!;
    assert.equal(report.trimmed, true);
    const [, from, to] = /^lines (\d+)–(\d+)$/.exec(report.shown)!;
    assert.ok(Number(from) < 700 && Number(to) > 702, report.shown);
    assert.ok(Math.abs(700 - Number(from) - (Number(to) - 702)) <= 2, `centred: ${report.shown}`);
    assert.equal(report.leftOut, `lines 1–${Number(from) - 1} and ${Number(to) + 1}–1000 left out`);
    const body = sectionBody(result.message, '### Active file');
    assert.equal(body[0], `… lines 1–${Number(from) - 1} left out …`);
    assert.equal(body[body.length - 1], `… lines ${Number(to) + 1}–1000 left out …`);
    assert.ok(body.some((line) => line.includes("'line 701 of x'")));
    assert.match(result.message, /showing lines \d+–\d+ around the cursor; lines 1–\d+ and \d+–1000 left out to fit/);
  });

  it('an active file without a focus is trimmed like any file, head and tail', () => {
    const result = build({
      items: [{ kind: 'activeFile', path: 'x.ts', text: lines(1000, 'x'), origin: 'activeEditor' }],
      budgetTokens: 1500,
    });
    assert.match(result.items[0]!.shown, /^lines 1–\d+ and \d+–1000$/);
  });

  it('problems keep their head (errors come first), a terminal its tail (the latest output)', () => {
    const problems = Array.from({ length: 400 }, (_, i) => `p${i + 1}: error`).join('\n');
    const terminal = Array.from({ length: 400 }, (_, i) => `out ${i + 1}`).join('\n');
    const result = build({
      items: [
        { kind: 'problems', text: problems, origin: 'picker' },
        { kind: 'terminal', text: terminal, origin: 'picker' },
      ],
      budgetTokens: 600,
    });
    assert.ok(result.tokens <= 600);
    assert.match(result.items[0]!.shown, /^lines 1–\d+$/);
    assert.match(result.items[1]!.shown, /^lines \d+–400$/);
    assert.match(result.items[0]!.leftOut!, /^lines \d+–400 left out$/);
    const problemBody = sectionBody(result.message, '### Problems');
    assert.equal(problemBody[0], 'p1: error');
    assert.match(problemBody[problemBody.length - 1]!, /^… \d+ lines left out …$/);
  });

  it('cuts a minified one-line file inside the line', () => {
    const text = `var a=${'1+'.repeat(200_000)}1;`;
    const result = build({ items: [file('dist/app.min.js', text, { languageId: 'javascript' })], budgetTokens: 2000 });
    assert.ok(result.tokens <= 2000);
    const report = result.items[0]!;
    assert.equal(report.trimmed, true);
    assert.equal(report.leftOut, 'the ends of 1 very long line cut');
    assert.match(result.message, /… \[399,008 more characters left out\]/);
  });

  it('never drops or trims the question; a question alone over the budget is reported', () => {
    const question = `Explain ${'this '.repeat(100)}`;
    const result = build({ question, items: [file('a.ts', lines(100))], budgetTokens: 50 });
    assert.ok(result.message.endsWith(`### Question\n${question}`));
    assert.equal(result.overBudget, true);
    assert.equal(result.items[0]!.trimmed, true);
    assert.equal(result.items[0]!.shown, 'no lines');
    assert.equal(result.items[0]!.leftOut, 'lines 1–100 left out');
  });

  it('holds the budget for any sizes, budgets and counters (property)', () => {
    const counters = {
      estimate: estimateTokens,
      words: (text: string) => text.split(/\s+/).filter(Boolean).length,
      chars: (text: string) => text.length,
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ count: fc.integer({ min: 0, max: 800 }), width: fc.integer({ min: 0, max: 120 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer({ min: 40, max: 6000 }),
        fc.constantFrom(...(Object.keys(counters) as (keyof typeof counters)[])),
        fc.boolean(),
        (specs, budget, counterName, withFocus) => {
          const countTokens = counters[counterName];
          const items: ContextItem[] = specs.map((spec, index) => ({
            kind: index === 0 ? 'activeFile' : 'file',
            path: `f${index}.ts`,
            text: Array.from({ length: spec.count }, (_, line) => `${line}:${'x'.repeat(spec.width)} y`).join('\n'),
            origin: 'picker',
            ...(index === 0 && withFocus ? { focus: { first: spec.count >> 1, last: spec.count >> 1 } } : {}),
          }));
          const result = buildContextMessage({ question: 'Why?', items, budgetTokens: budget, countTokens });
          assert.equal(result.tokens, countTokens(result.message));
          assert.ok(result.message.endsWith('### Question\nWhy?'));
          if (!result.overBudget) assert.ok(result.tokens <= budget, `${result.tokens} > ${budget}`);
          else assert.ok(result.items.every((item) => item.shown === 'no lines' || item.tokens === 0));
          for (const item of result.items) assert.equal(item.trimmed, item.leftOut !== undefined);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('water level: the largest L with sum(min(size, L)) ≤ room', () => {
    assert.equal(waterLevel([10, 20, 30], 100), Infinity);
    assert.equal(waterLevel([10, 100, 1000], 110), 50);
    assert.equal(waterLevel([10, 100, Infinity], 110), 50);
    assert.equal(waterLevel([50, 50], 0), 0);
  });
});

describe('context builder: across turns', () => {
  it('names a file an earlier turn carried, unchanged, instead of resending it', () => {
    const a = file('src/a.ts', lines(30, 'a'));
    const first = build({ items: [a] });
    assert.deepEqual(first.carried, [{ path: 'src/a.ts', hash: contentHash(a.text) }]);
    const followUp = build({ items: [a, file('src/b.ts', 'b')], earlier: first.carried });
    assert.doesNotMatch(followUp.message, /line 1 of a/);
    assert.match(
      followUp.message,
      /### File: src\/a\.ts \(unchanged since I sent it earlier in this conversation; see there\)/,
    );
    assert.equal(followUp.items[0]!.repeated, 'earlierTurn');
    assert.deepEqual(followUp.carried, [{ path: 'src/b.ts', hash: contentHash('b') }]);
  });

  it('resends a file that changed since, and one that an earlier turn only carried in part', () => {
    const a = file('src/a.ts', lines(30, 'a'));
    const changed = file('src/a.ts', `${a.text}// edited\n`);
    const followUp = build({ items: [changed], earlier: [{ path: 'src/a.ts', hash: contentHash(a.text) }] });
    assert.match(followUp.message, /\/\/ edited/);
    assert.equal(followUp.items[0]!.repeated, undefined);
    const trimmed = build({ items: [file('big.ts', lines(1000))], budgetTokens: 800 });
    assert.equal(trimmed.items[0]!.trimmed, true);
    assert.deepEqual(trimmed.carried, [], 'a trimmed file is not recorded as carried');
  });

  it('sends a file attached twice in one question once', () => {
    const text = lines(5, 'a');
    const result = build({
      items: [{ kind: 'activeFile', path: 'a.ts', text, origin: 'activeEditor' }, file('a.ts', text)],
    });
    assert.equal(result.message.split("'line 1 of a'").length - 1, 1);
    assert.equal(result.items[1]!.repeated, 'thisTurn');
    assert.equal(result.items[1]!.tokens, 0);
  });
});
