import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mostVoted } from '../../src/core/apply/indentInference';

describe('mostVoted (the indentation unit and shift votes)', () => {
  it('picks the value with the most votes', () => {
    assert.equal(mostVoted([2, 4, 4, 2, 4]), 4);
    assert.equal(mostVoted([-1, 0, 0]), 0);
  });

  it('breaks a tie for the value voted for first, and has no winner without votes', () => {
    assert.equal(mostVoted([4, 2, 2, 4]), 4);
    assert.equal(mostVoted([2, 4, 4, 2]), 2);
    assert.equal(mostVoted([]), undefined);
  });
});
