import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalNotices, type EditProposalMessage } from '../../src/host/proposalNotices';
import type { EditProposalView } from '../../src/shared/protocol';

function message(turnId: string, proposal: EditProposalView): EditProposalMessage {
  return { type: 'editProposal', turnId, proposal };
}

describe('ProposalNotices (what the panel is sent again when it reconnects)', () => {
  it('replays each proposal once, in its latest state, in the order the updates happened', () => {
    const notices = new ProposalNotices();
    notices.record(message('t1', { id: 'edit-1', target: 'a.ts:3', state: 'pending' }));
    notices.record(
      message('t2', {
        id: 'edit-2',
        target: 'b.ts:1',
        state: 'refused',
        message: 'The answer was cut off before it finished.',
      }),
    );
    notices.record(message('t1', { id: 'edit-1', target: 'a.ts:3', state: 'applied', message: 'Applied.' }));
    notices.record(message('t3', { id: 'edit-3', target: 'c.ts:9', state: 'pending' }));

    assert.deepEqual(notices.replay(new Set(['t1', 't2', 't3'])), [
      message('t2', {
        id: 'edit-2',
        target: 'b.ts:1',
        state: 'refused',
        message: 'The answer was cut off before it finished.',
      }),
      message('t1', { id: 'edit-1', target: 'a.ts:3', state: 'applied', message: 'Applied.' }),
      message('t3', { id: 'edit-3', target: 'c.ts:9', state: 'pending' }),
    ]);
  });

  it('replays only for turns the transcript shows, and forgets the others on keepOnly', () => {
    const notices = new ProposalNotices();
    notices.record(message('old', { id: 'edit-1', target: 'a.ts:3', state: 'pending' }));
    notices.record(message('new', { id: 'edit-2', target: 'a.ts:3', state: 'pending' }));
    assert.deepEqual(
      notices.replay(new Set(['new'])).map((each) => each.proposal.id),
      ['edit-2'],
    );
    assert.deepEqual(
      notices.replay(new Set(['old', 'new'])).map((each) => each.proposal.id),
      ['edit-1', 'edit-2'],
    );

    notices.keepOnly(new Set(['new']));
    assert.deepEqual(
      notices.replay(new Set(['old', 'new'])).map((each) => each.proposal.id),
      ['edit-2'],
      'the gone turn was forgotten',
    );
    notices.keepOnly(new Set());
    assert.deepEqual(notices.replay(new Set(['old', 'new'])), []);
  });
});
