import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { foldSplit, ThinkSplitter, type SplitChunk, type SplitterStart } from '../../src/core/thinkSplitter';

function split(pieces: readonly string[], start: SplitterStart = 'auto') {
  const splitter = new ThinkSplitter(start);
  const chunks: SplitChunk[] = [];
  for (const piece of pieces) chunks.push(...splitter.push(piece));
  chunks.push(...splitter.end());
  return { ...foldSplit(chunks), chunks };
}

/** Cuts `text` at the given (sorted, deduplicated) offsets. */
function cut(text: string, offsets: readonly number[]): string[] {
  const points = [...new Set(offsets.map((offset) => offset % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let previous = 0;
  for (const point of points) {
    pieces.push(text.slice(previous, point));
    previous = point;
  }
  pieces.push(text.slice(previous));
  return pieces;
}

describe('ThinkSplitter', () => {
  it('splits inline <think> reasoning from the answer', () => {
    const result = split(['<think>\nThe loop skips the last element.\n</think>\n\nUse `i <= n`.']);
    assert.equal(result.reasoning, 'The loop skips the last element.');
    assert.equal(result.answer, 'Use `i <= n`.');
  });

  it('handles tags split across chunks at every position', () => {
    const text = '<think>\nplan A\n</think>\n\nanswer B';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const result = split([text.slice(0, i), text.slice(i, j), text.slice(j)]);
        assert.deepEqual(
          { reasoning: result.reasoning, answer: result.answer },
          { reasoning: 'plan A', answer: 'answer B' },
          `cut at ${i},${j}`,
        );
      }
    }
  });

  it('treats text before </think> as reasoning when the opening tag is missing', () => {
    const result = split(['The user wants a fix.\nCheck bounds.\n', '</th', 'ink>\n\nFixed code below.']);
    assert.equal(result.reasoning, 'The user wants a fix.\nCheck bounds.');
    assert.equal(result.answer, 'Fixed code below.');
    assert.ok(!result.chunks.some((chunk) => chunk.type === 'reclassify'));
  });

  it('streams provisional reasoning live, then reclassifies output with no tags as the answer', () => {
    const splitter = new ThinkSplitter('auto');
    const first = splitter.push('Hello there, ');
    assert.deepEqual(first, [{ type: 'reasoning', text: 'Hello there,', provisional: true }]);
    const rest = [...splitter.push('plain answer.'), ...splitter.end()];
    assert.deepEqual(rest, [{ type: 'reasoning', text: ' plain answer.', provisional: true }, { type: 'reclassify' }]);
    assert.deepEqual(foldSplit([...first, ...rest]), { reasoning: '', answer: 'Hello there, plain answer.' });
  });

  it("in 'answer' mode passes everything through as answer (reasoning came in a field)", () => {
    assert.deepEqual(split(['\n\nThe fix ', 'is here.'], 'answer').answer, 'The fix is here.');
    const result = split(['x < y and <think> is literal'], 'answer');
    assert.equal(result.answer, 'x < y and <think> is literal');
    assert.equal(result.reasoning, '');
  });

  it('noteReasoningField switches an undecided splitter to answer', () => {
    const splitter = new ThinkSplitter('auto');
    splitter.noteReasoningField();
    assert.deepEqual(splitter.push('Answer text'), [{ type: 'answer', text: 'Answer text' }]);
    assert.deepEqual(splitter.end(), []);
  });

  it("in 'reasoning' mode (prompt forced <think>\\n) tolerates a repeated opening tag", () => {
    assert.deepEqual(
      { ...split(['<think>\nthoughts\n</think>\n\nanswer'], 'reasoning'), chunks: undefined },
      { reasoning: 'thoughts', answer: 'answer', chunks: undefined },
    );
    const bare = split(['thoughts\n</think>answer'], 'reasoning');
    assert.equal(bare.reasoning, 'thoughts');
    assert.equal(bare.answer, 'answer');
  });

  it('keeps later tags in the answer as literal text', () => {
    const result = split(['<think>a</think>Use `</think>` and <think> literally.']);
    assert.equal(result.reasoning, 'a');
    assert.equal(result.answer, 'Use `</think>` and <think> literally.');
  });

  it('keeps the indentation of the first answer line but drops leading blank lines', () => {
    const result = split(['<think>x</think>\n\n    indented code\nnext']);
    assert.equal(result.answer, '    indented code\nnext');
  });

  it('flushes a partial tag as literal text when the stream ends mid-thought', () => {
    const result = split(['<think>\nstill thinking </thi']);
    assert.equal(result.reasoning, 'still thinking </thi');
    assert.equal(result.answer, '');
  });

  it('never holds back more than a possible tag or trailing whitespace', () => {
    const splitter = new ThinkSplitter('auto');
    splitter.push('<think>');
    assert.deepEqual(splitter.push('abc def'), [{ type: 'reasoning', text: 'abc def' }]);
    assert.deepEqual(splitter.push(' ghi </'), [{ type: 'reasoning', text: ' ghi' }]);
  });

  it('property: any chunking of a stream gives the same reasoning/answer split', () => {
    const word = fc.constantFrom(
      '<think>',
      '</think>',
      '<',
      '/',
      'think',
      '>',
      '\n',
      ' ',
      'a',
      'code',
      '```',
      '\r\n',
      'é',
      '🙂',
    );
    const text = fc.array(word, { maxLength: 40 }).map((words) => words.join(''));
    const start = fc.constantFrom<SplitterStart>('auto', 'reasoning', 'answer');
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 12 }), start, (whole, offsets, mode) => {
        const reference = split([whole], mode);
        const chunked = split(cut(whole, offsets), mode);
        assert.deepEqual(
          { reasoning: chunked.reasoning, answer: chunked.answer },
          { reasoning: reference.reasoning, answer: reference.answer },
        );
        // Character-by-character is the harshest chunking.
        const byChar = split([...whole], mode);
        assert.deepEqual(
          { reasoning: byChar.reasoning, answer: byChar.answer },
          { reasoning: reference.reasoning, answer: reference.answer },
        );
      }),
      { numRuns: 500 },
    );
  });

  it('marks reasoning provisional only while no tag has been seen; </think> confirms what it closes', () => {
    const splitter = new ThinkSplitter('auto');
    assert.deepEqual(splitter.push('Maybe a thought'), [
      { type: 'reasoning', text: 'Maybe a thought', provisional: true },
    ]);
    assert.deepEqual(splitter.push(' and more</think>Answer.'), [
      { type: 'reasoning', text: ' and more' },
      { type: 'answer', text: 'Answer.' },
    ]);
    // An opened thought (tag, or the prompt's forced <think>) is never provisional.
    assert.ok(!split(['<think>a</think>b']).chunks.some((chunk) => chunk.type === 'reasoning' && chunk.provisional));
    assert.ok(
      !split(['a</think>b'], 'reasoning').chunks.some((chunk) => chunk.type === 'reasoning' && chunk.provisional),
    );
  });

  it('property: provisional reasoning comes only first, and only before a reclassify or a </think>', () => {
    const word = fc.constantFrom('<think>', '</think>', '<', '/', 'think', '>', '\n', ' ', 'a');
    const text = fc.array(word, { maxLength: 30 }).map((words) => words.join(''));
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom<SplitterStart>('auto', 'reasoning', 'answer'),
        (whole, offsets, mode) => {
          const { chunks } = split(cut(whole, offsets), mode);
          const firstSettled = chunks.findIndex((chunk) => !(chunk.type === 'reasoning' && chunk.provisional));
          const provisionalAfter =
            firstSettled < 0
              ? []
              : chunks.slice(firstSettled).filter((chunk) => chunk.type === 'reasoning' && chunk.provisional);
          assert.deepEqual(provisionalAfter, [], 'no provisional text after confirmed text, an answer or a reclassify');
          if (mode !== 'auto')
            assert.equal(firstSettled < 0 ? chunks.length : firstSettled, 0, 'only auto mode has provisional text');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: no text is lost — output is the input minus tags and trimmed whitespace', () => {
    const body = fc.string({ maxLength: 60 }).filter((s) => !s.includes('<think>') && !s.includes('</think>'));
    fc.assert(
      fc.property(body, body, fc.array(fc.nat(), { maxLength: 8 }), (reasoning, answer, offsets) => {
        const whole = `<think>\n${reasoning}\n</think>\n\n${answer}`;
        const result = split(cut(whole, offsets));
        assert.equal(result.reasoning, reasoning.trim());
        assert.equal(result.answer.trim(), answer.trim());
      }),
      { numRuns: 300 },
    );
  });
});
