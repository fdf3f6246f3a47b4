import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isElisionLine, listFencedBlocks, splitAnswer } from '../../src/core/apply/extractCode';
import {
  planEdit,
  unfinishedAnswerReason,
  type PlanEditInput,
  type PlanEditResult,
} from '../../src/core/apply/planEdit';
import { TextModel, detectIndentStyle } from '../../src/core/apply/textModel';

function edited(result: PlanEditResult): string {
  assert.equal(result.kind, 'edit', result.kind === 'refused' ? result.reason : '');
  return result.kind === 'edit' ? result.newDocumentText : '';
}

function refusal(result: PlanEditResult): string {
  assert.equal(result.kind, 'refused', result.kind === 'edit' ? `edited:\n${result.newDocumentText}` : '');
  return result.kind === 'refused' ? result.reason : '';
}

const lines = (from: number, to: number, text: string) => {
  const all = text.split('\n');
  return { start: { line: from, character: 0 }, end: { line: to, character: all[to]?.length ?? 0 } };
};

const answerWith = (code: string, tag = 'ts') =>
  `<think>\nThinking about it.\n</think>\n\nFixed:\n\n\`\`\`${tag}\n${code}\n\`\`\`\n`;

describe('planEdit', () => {
  const source = 'function f(a, b) {\n  const sum = a - b;\n  return sum;\n}\n';

  it('never applies code from the reasoning', () => {
    const answer =
      '<think>\nMaybe:\n```ts\n  const sum = a * b;\n```\nNo.\n</think>\n\n```ts\n  const sum = a + b;\n```\n';
    assert.equal(
      edited(planEdit({ documentText: source, selection: lines(1, 1, source), answer })),
      source.replace('a - b', 'a + b'),
    );
  });

  it('returns a range of the original document and the text to put there', () => {
    const result = planEdit({
      documentText: source,
      selection: lines(1, 1, source),
      answer: answerWith('  const sum = a + b;'),
    });
    assert.equal(result.kind, 'edit');
    if (result.kind !== 'edit') return;
    assert.deepEqual(result.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 20 } });
    assert.equal(result.newText, '  const sum = a + b;');
  });

  it('refuses finish_reason length and a stopped answer, naming truncation', () => {
    const answer = answerWith('  const sum = a + b;');
    assert.match(
      refusal(planEdit({ documentText: source, selection: lines(1, 1, source), answer, finishReason: 'length' })),
      /truncated/,
    );
    assert.match(
      refusal(planEdit({ documentText: source, selection: lines(1, 1, source), answer, finishReason: 'aborted' })),
      /truncated/,
    );
  });

  it('only a turn that ended normally may be planned; every other ending says why', () => {
    assert.equal(unfinishedAnswerReason({ status: 'done', finishReason: 'stop' }), undefined);
    assert.equal(
      unfinishedAnswerReason({ status: 'done', finishReason: 'other' }),
      undefined,
      '[DONE] without a finish_reason',
    );
    const cut = { message: 'The server ended the response before it finished.' };
    assert.match(
      unfinishedAnswerReason({ status: 'incomplete', error: cut }) ?? '',
      /cut off before it finished \(The server ended the response before it finished\)/,
    );
    assert.match(
      unfinishedAnswerReason({ status: 'incomplete', finishReason: 'length', error: cut }) ?? '',
      /token limit/,
    );
    assert.match(
      unfinishedAnswerReason({ status: 'error', error: { message: 'Authentication failed.' } }) ?? '',
      /request failed \(Authentication failed\)/,
    );
    assert.match(
      unfinishedAnswerReason({ status: 'stopped', finishReason: 'aborted' }) ?? '',
      /stopped before it finished/,
    );
    assert.match(unfinishedAnswerReason({ status: 'streaming' }) ?? '', /still streaming/);
    // A provider that ended without a finish chunk, or a done turn that carries an error.
    assert.match(unfinishedAnswerReason({ status: 'done' }) ?? '', /without the model signalling/);
    assert.match(
      unfinishedAnswerReason({ status: 'done', finishReason: 'stop', error: cut }) ?? '',
      /ended with an error/,
    );
    for (const status of ['incomplete', 'stopped', 'error', 'streaming'] as const) {
      assert.match(unfinishedAnswerReason({ status, finishReason: 'stop' }) ?? '', /Nothing was changed/, status);
    }
  });

  it('accepts an answer already stripped of its reasoning (no tags at all)', () => {
    const answer = '```ts\n  const sum = a + b;\n```\n';
    assert.equal(
      edited(planEdit({ documentText: source, selection: lines(1, 1, source), answer })),
      source.replace('a - b', 'a + b'),
    );
  });

  it('treats an empty selection as its whole line', () => {
    const selection = { start: { line: 1, character: 5 }, end: { line: 1, character: 5 } };
    assert.equal(
      edited(planEdit({ documentText: source, selection, answer: answerWith('const sum = a + b;') })),
      source.replace('a - b', 'a + b'),
    );
  });

  it('refuses a selection outside the document, calling it changed', () => {
    const selection = { start: { line: 9, character: 0 }, end: { line: 9, character: 1 } };
    assert.match(refusal(planEdit({ documentText: source, selection, answer: answerWith('x') })), /changed/);
  });

  it('refuses to re-anchor a selection that now occurs twice', () => {
    const doubled = `${source}${source}`;
    const input: PlanEditInput = {
      documentText: doubled,
      selection: lines(0, 0, doubled),
      answer: answerWith('  const sum = a + b;'),
      originalSelectionText: '  const sum = a - b;',
    };
    assert.match(refusal(planEdit(input)), /changed.*more than once/);
  });

  it('keeps the range when it still holds the original text, even if the file changed elsewhere', () => {
    const changed = `${source}\n// appended later\n`;
    const input = {
      documentText: changed,
      selection: lines(1, 1, changed),
      answer: answerWith('  const sum = a + b;'),
      originalSelectionText: '  const sum = a - b;',
    };
    assert.equal(edited(planEdit(input)), changed.replace('a - b', 'a + b'));
  });

  it('refuses an answer made only of an elision', () => {
    assert.match(
      refusal(
        planEdit({
          documentText: source,
          selection: lines(1, 1, source),
          answer: answerWith('// ... existing code ...'),
        }),
      ),
      /elision/,
    );
  });

  it('replaces just the selected span, keeping the whitespace around it', () => {
    const text = 'const total = price * count;\n';
    const start = text.indexOf(' price');
    const selection = { start: { line: 0, character: start }, end: { line: 0, character: text.indexOf(';') } };
    assert.equal(
      edited(planEdit({ documentText: text, selection, answer: answerWith('price * count * (1 + tax)') })),
      'const total = price * count * (1 + tax);\n',
    );
  });

  it('grows a span to the line start when the block repeats the unselected start of the line', () => {
    const text = 'if (x) {\n  y = a + b;\n}\n';
    const selection = { start: { line: 1, character: 6 }, end: { line: 1, character: 11 } };
    // The model returned "y = a - b" without the semicolon that stayed outside the selection.
    assert.equal(
      edited(planEdit({ documentText: text, selection, answer: answerWith('y = a - b') })),
      'if (x) {\n  y = a - b;\n}\n',
    );
  });

  it('keeps tabs when the model answers with spaces, and CRLF when it answers with LF', () => {
    const text = 'func f() {\r\n\tif ok {\r\n\t\treturn\r\n\t}\r\n}\r\n';
    const answer = answerWith('    if !ok {\n        return\n    }', 'go');
    assert.equal(
      edited(planEdit({ documentText: text, selection: lines(1, 3, text.replace(/\r/g, '')), answer })),
      text.replace('if ok', 'if !ok'),
    );
  });

  it('leaves lines the block repeats byte for byte (alignment spaces, trailing whitespace)', () => {
    const text = 'const a   = 1;  \nconst bb  = 2;\nconst ccc = 3;\n';
    const answer = answerWith('const a = 1;\nconst bb = 20;\nconst ccc = 3;', 'js');
    assert.equal(
      edited(planEdit({ documentText: text, selection: lines(0, 2, text), answer })),
      'const a   = 1;  \nconst bb = 20;\nconst ccc = 3;\n',
    );
  });
});

describe('extractCode', () => {
  it('splits reasoning with or without the opening tag', () => {
    assert.deepEqual(splitAnswer('<think>\nr\n</think>\n\nanswer'), {
      reasoning: 'r',
      answer: 'answer',
      reasoningUnclosed: false,
    });
    assert.deepEqual(splitAnswer('r\n</think>\nanswer'), {
      reasoning: 'r',
      answer: 'answer',
      reasoningUnclosed: false,
    });
    assert.equal(splitAnswer('<think>\nstill thinking').reasoningUnclosed, true);
  });

  it('tells closed fences from one cut off at the end', () => {
    const blocks = listFencedBlocks('a\n```ts\nx\n```\nb\n````py\ny\n```\n');
    assert.deepEqual(
      blocks.map((block) => [block.language, block.closed, block.atEnd]),
      [
        ['ts', true, false],
        ['py', false, true],
      ],
    );
  });

  it('reads "Before"/"After" labels and usage examples from the prose before a block', () => {
    const roles = listFencedBlocks(
      '**Before:**\n```ts\na\n```\n**After:**\n```ts\nb\n```\nExample usage:\n```ts\nc\n```\nThe fixed function:\n```ts\nd\n```\n',
    ).map((block) => block.role);
    assert.deepEqual(roles, ['before', 'after', 'alternative', 'after']);
  });

  it('recognises elision comments in several comment styles, but not code that exists', () => {
    const existing = new Set(['// ... handled above']);
    for (const line of [
      '// ... existing code ...',
      '    # ...',
      '/* ... */',
      '// rest of the function unchanged',
      '…',
      '<!-- ... -->',
      '-- ...',
    ]) {
      assert.equal(isElisionLine(line, new Set()), true, line);
    }
    for (const line of ['// compute the sum', 'x = f(...args)', 'print("...")', '// ... handled above']) {
      assert.equal(isElisionLine(line, existing), false, line);
    }
  });
});

describe('textModel', () => {
  it('maps offsets and positions both ways on CRLF text', () => {
    const model = new TextModel('ab\r\ncd\r\n');
    assert.equal(model.eol, '\r\n');
    assert.deepEqual(model.lines, ['ab', 'cd', '']);
    assert.equal(model.offsetAt({ line: 1, character: 1 }), 5);
    assert.deepEqual(model.positionAt(5), { line: 1, character: 1 });
  });

  it('detects tabs, the space unit, and ignores block-comment continuation lines', () => {
    assert.deepEqual(detectIndentStyle(['a', '\tb', '\t\tc']), { useTabs: true, unit: 0 });
    assert.deepEqual(detectIndentStyle(['/**', ' * doc', ' */', 'f() {', '  a', '  b {', '    c', '  }', '}']), {
      useTabs: false,
      unit: 2,
    });
    assert.equal(detectIndentStyle(['a', 'b']), undefined);
  });
});

/** Random but realistic code: indentation changes by at most one level from line to line. */
const codeLines = fc
  .array(
    fc.record({
      step: fc.integer({ min: -2, max: 1 }),
      words: fc.array(
        fc.constantFrom(
          'let',
          'x',
          'y',
          'call',
          'value',
          'if',
          'return',
          '(',
          ')',
          '{',
          '}',
          '+',
          '1',
          'item',
          'list',
          'done',
        ),
        { minLength: 1, maxLength: 6 },
      ),
      blank: fc.integer({ min: 0, max: 4 }).map((roll) => roll === 0),
    }),
    { minLength: 3, maxLength: 30 },
  )
  .map((specs) => {
    // The first code line is unindented; each next one is at most one level deeper.
    let level = -1;
    return specs.map((spec, index) => {
      if (spec.blank) return { level: Math.max(0, level), text: '' };
      level = level < 0 ? 0 : Math.max(0, level + spec.step);
      return { level, text: `${spec.words.join(' ')} ${index}` };
    });
  });

describe('planEdit properties', () => {
  it('a block that changes one selected line changes exactly that line, whatever the style', () => {
    fc.assert(
      fc.property(
        codeLines,
        fc.constantFrom('  ', '    ', '\t'),
        fc.constantFrom('\n', '\r\n'),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('same', 'relative', 'spaces4'),
        fc.nat({ max: 2 }),
        (specs, unit, eol, a, b, c, blockIndent, context) => {
          const docLines = specs.map((spec) => (spec.text ? unit.repeat(spec.level) + spec.text : ''));
          const nonBlank = docLines.map((line, index) => (line ? index : -1)).filter((index) => index >= 0);
          fc.pre(nonBlank.length > 0);
          const first = a % docLines.length;
          const last = first + (b % Math.min(8, docLines.length - first));
          const inside = nonBlank.filter((index) => index >= first && index <= last);
          fc.pre(inside.length > 0);
          const target = inside[c % inside.length] ?? first;
          const expectedLines = [...docLines];
          expectedLines[target] = `${docLines[target]} /* fixed */ changed_${target}`;
          const text = docLines.join(eol) + eol;
          const expected = expectedLines.join(eol) + eol;

          // The block: the selected lines (plus some unchanged context), in one of the styles models use.
          const from = Math.max(0, first - context);
          const to = Math.min(docLines.length - 1, last + context);
          let block = expectedLines.slice(from, to + 1);
          const levels = block.map((_, offset) => specs[from + offset]?.level ?? 0);
          const minLevel = Math.min(...levels.filter((_, offset) => block[offset] !== ''));
          // A re-indented block must show its unit somewhere: an unchanged line deeper than the outermost.
          const showsUnit = levels.some(
            (level, offset) => block[offset] !== '' && from + offset !== target && level > minLevel,
          );
          fc.pre(blockIndent !== 'spaces4' || showsUnit);
          if (blockIndent !== 'same') {
            block = block.map((line, offset) => {
              if (!line) return line;
              const level = levels[offset] ?? 0;
              const width = blockIndent === 'relative' ? level - minLevel : level;
              return (blockIndent === 'spaces4' ? '    ' : unit).repeat(width) + line.trimStart();
            });
          }
          const answer = `<think>\nThe bug is on line ${target + 1}.\n\`\`\`\nnot this\n\`\`\`\n</think>\n\nHere is the fix:\n\n\`\`\`\n${block.join('\n')}\n\`\`\`\n`;
          const selection = {
            start: { line: first, character: 0 },
            end: { line: last, character: docLines[last]?.length ?? 0 },
          };
          const result = planEdit({ documentText: text, selection, answer });
          return result.kind === 'edit' && result.newDocumentText === expected;
        },
      ),
      { numRuns: Number(process.env.R1_PROPERTY_RUNS ?? 300) },
    );
  });

  it('restores the lines an interior elision stands for, verbatim', () => {
    fc.assert(
      fc.property(
        codeLines,
        fc.constantFrom('  ', '\t'),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (specs, unit, a, b, c, d) => {
          const docLines = specs.map((spec) => (spec.text ? unit.repeat(spec.level) + spec.text : ''));
          const code = docLines.map((line, index) => (line ? index : -1)).filter((index) => index >= 0);
          fc.pre(code.length >= 4);
          // Anchor lines before and after the elided run, and a changed line outside it.
          const picks = [a, b, c, d].map((value) => code[value % code.length] ?? 0).sort((x, y) => x - y);
          const [top, before, after, bottom] = picks as [number, number, number, number];
          fc.pre(new Set(picks).size === 4 && after - before >= 2);
          const target = a % 2 === 0 ? top : bottom;
          const expectedLines = [...docLines];
          expectedLines[target] = `${docLines[target]} changed_${target}`;
          const block = [
            ...expectedLines.slice(top, before + 1),
            `${unit.repeat(specs[before + 1]?.level ?? 0)}// ... existing code ...`,
            ...expectedLines.slice(after, bottom + 1),
          ];
          const answer = `<think>\nok\n</think>\n\n\`\`\`\n${block.join('\n')}\n\`\`\`\n`;
          const text = `${docLines.join('\n')}\n`;
          const selection = {
            start: { line: target, character: 0 },
            end: { line: target, character: docLines[target]?.length ?? 0 },
          };
          const result = planEdit({ documentText: text, selection, answer });
          return result.kind === 'edit' && result.newDocumentText === `${expectedLines.join('\n')}\n`;
        },
      ),
      { numRuns: Number(process.env.R1_PROPERTY_RUNS ?? 300) },
    );
  });

  it('never returns an edit whose range and text disagree with the new document', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.nat(),
        fc.nat(),
        (document, code, x, y) => {
          const model = new TextModel(document);
          const line = x % model.lineCount;
          const length = model.line(line).length;
          const selection = { start: { line, character: 0 }, end: { line, character: y % (length + 1) } };
          const result = planEdit({
            documentText: document,
            selection,
            answer: `\`\`\`\n${code.replace(/`/g, "'")}\n\`\`\`\n`,
          });
          if (result.kind === 'refused') return result.reason.length > 0;
          return (
            model.replace(result.range, result.newText) === result.newDocumentText &&
            result.newDocumentText !== document
          );
        },
      ),
      { numRuns: Number(process.env.R1_PROPERTY_RUNS ?? 300) },
    );
  });
});
