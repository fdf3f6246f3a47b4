import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  opensSelfCorrection,
  outlineThought,
  SELF_CORRECTION_OPENERS,
  ThoughtOutline,
} from '../../src/core/thoughtOutline';

const THOUGHT = [
  'The loop runs from 0 to n - 1, so the sum misses the last element.',
  'Let me trace it with [1, 2, 3].',
  '',
  'Wait, the bound is `i < arr.length - 1`, not `i < arr.length`.',
  'So 3 is skipped.',
  '',
  '',
  'Hmm, is the array ever empty? Then length - 1 is -1 and the loop does not run.',
  'Actually, that case is fine either way.',
  '',
  '**But wait**, the caller passes a string sometimes.',
  'No, it is typed as number[].',
  '',
  'Final: change the bound.',
].join('\n');

describe('self-correction openers', () => {
  it('recognises every listed opener at the start of a line, in the model’s wording', () => {
    for (const opener of SELF_CORRECTION_OPENERS) {
      const line = opener.endsWith(',') ? `${opener} that is wrong.` : `${opener}, let me look again.`;
      assert.ok(opensSelfCorrection(line), line);
    }
    assert.ok(opensSelfCorrection('Wait.'));
    assert.ok(opensSelfCorrection('  - Hmm — the index.'));
    assert.ok(opensSelfCorrection('**Wait**, no.'));
  });

  it('ignores the words mid-line, inside other words, and in another case', () => {
    assert.ok(!opensSelfCorrection('I will wait for the promise.'));
    assert.ok(!opensSelfCorrection('Waiting is not needed.'));
    assert.ok(!opensSelfCorrection('Actuallyness is not a word.'));
    assert.ok(!opensSelfCorrection('Nobody calls it.'));
    assert.ok(!opensSelfCorrection('wait, lower case is not the model’s marker'));
    assert.ok(!opensSelfCorrection(''));
  });
});

describe('ThoughtOutline', () => {
  it('splits a thought into paragraph steps and marks the changes of mind', () => {
    const outline = outlineThought(THOUGHT);
    const steps = outline.steps.map((step) => ({
      text: THOUGHT.slice(step.start).split('\n')[0],
      correction: step.correction,
    }));
    assert.deepEqual(steps, [
      { text: 'The loop runs from 0 to n - 1, so the sum misses the last element.', correction: false },
      { text: 'Wait, the bound is `i < arr.length - 1`, not `i < arr.length`.', correction: true },
      { text: 'Hmm, is the array ever empty? Then length - 1 is -1 and the loop does not run.', correction: true },
      { text: 'Actually, that case is fine either way.', correction: true },
      { text: '**But wait**, the caller passes a string sometimes.', correction: true },
      { text: 'No, it is typed as number[].', correction: true },
      { text: 'Final: change the bound.', correction: false },
    ]);
    assert.equal(outline.correctionCount, 5);
  });

  it('gives the same steps however the stream is chunked', () => {
    const whole = outlineThought(THOUGHT).steps;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: THOUGHT.length }), { maxLength: 30 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const outline = new ThoughtOutline();
        let from = 0;
        for (const point of [...points, THOUGHT.length]) {
          outline.append(THOUGHT.slice(from, point));
          from = point;
        }
        outline.finish();
        assert.deepEqual(outline.steps, whole);
      }),
    );
  });

  it('reports each step as it starts, once its line is complete', () => {
    const outline = new ThoughtOutline();
    assert.deepEqual(outline.append('First idea.\n\nWai'), [{ start: 0, correction: false }]);
    assert.deepEqual(outline.append('t, no.'), []);
    assert.deepEqual(outline.append('\n'), [{ start: 13, correction: true }]);
    assert.deepEqual(outline.finish(), []);
    assert.equal(outline.correctionCount, 1);
  });

  it('counts the last line when the thought ends without a newline', () => {
    const outline = new ThoughtOutline();
    outline.append('Plan.\n\nHmm');
    assert.deepEqual(outline.finish(), [{ start: 7, correction: true }]);
  });

  it('has no steps for an empty or blank thought', () => {
    assert.deepEqual(outlineThought('').steps, []);
    assert.deepEqual(outlineThought('\n\n  \n').steps, []);
  });
});
