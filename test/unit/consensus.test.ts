import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agreementKey, describeConsensus, groupSamples, type SampleOutcome } from '../../src/core/apply/consensus';

const edit = (newDocumentText: string): SampleOutcome => ({ kind: 'edit', newDocumentText });
const refused = (reason: string): SampleOutcome => ({ kind: 'refused', reason });

describe('Fix ×N grouping', () => {
  it('groups samples that produce the same document, largest group first', () => {
    const consensus = groupSamples([
      edit('a\nB\n'),
      edit('a\nC\n'),
      edit('a\nB  \n'),
      refused('no code block'),
      edit('a\r\nB\r\n\n'),
    ]);
    assert.deepEqual(
      consensus.groups.map((group) => group.samples),
      [[0, 2, 4], [1]],
    );
    assert.equal(consensus.groups[0]?.newDocumentText, 'a\nB\n', 'the first sample’s text represents the group');
    assert.equal(consensus.winner?.index, 0);
    assert.equal(consensus.tie, false);
    assert.deepEqual(consensus.refusals, [{ reason: 'no code block', samples: [3] }]);
    assert.equal(describeConsensus(consensus), '3 of 5 samples agree.');
  });

  it('reports a tie for the top as a tie, with no winner', () => {
    const consensus = groupSamples([edit('x'), edit('y'), edit('y'), edit('x'), edit('z')]);
    assert.equal(consensus.tie, true);
    assert.equal(consensus.winner, undefined);
    assert.deepEqual(
      consensus.groups.map((group) => group.samples),
      [[0, 3], [1, 2], [4]],
    );
    assert.equal(describeConsensus(consensus), '2 edits tie with 2 of 5 samples each: nothing is preselected.');
  });

  it('has no winner when every sample was refused, and counts the reasons', () => {
    const consensus = groupSamples([refused('truncated'), refused('no code block'), refused('truncated')]);
    assert.deepEqual(consensus.groups, []);
    assert.equal(consensus.winner, undefined);
    assert.equal(consensus.tie, false);
    assert.deepEqual(consensus.refusals, [
      { reason: 'truncated', samples: [0, 2] },
      { reason: 'no code block', samples: [1] },
    ]);
    assert.equal(describeConsensus(consensus), 'No samples of 3 produced an edit.');
  });

  it('a single sample is its own majority', () => {
    const consensus = groupSamples([edit('fixed')]);
    assert.equal(consensus.winner?.samples.length, 1);
    assert.equal(describeConsensus(consensus), '1 of 1 sample agree.');
  });

  it('compares ignoring trailing whitespace and line endings, never indentation or content', () => {
    assert.equal(agreementKey('if (x) {\r\n  y();  \r\n}\r\n'), agreementKey('if (x) {\n  y();\n}'));
    assert.notEqual(agreementKey('  y();'), agreementKey('    y();'));
    assert.notEqual(agreementKey('y();'), agreementKey('y() ;'));
  });
});
