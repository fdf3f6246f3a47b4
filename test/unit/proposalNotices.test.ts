import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalNotices, type EditProposalMessage, type ProposalNotice } from '../../src/host/proposalNotices';
import type { EditProposalView } from '../../src/shared/protocol';

function message(turnId: string, proposal: EditProposalView): EditProposalMessage {
  return { type: 'editProposal', turnId, proposal };
}

function noticeId(notice: ProposalNotice): string {
  return notice.type === 'editProposal' ? notice.proposal.id : notice.review.id;
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
    assert.deepEqual(notices.replay(new Set(['new'])).map(noticeId), ['edit-2']);
    assert.deepEqual(notices.replay(new Set(['old', 'new'])).map(noticeId), ['edit-1', 'edit-2']);

    notices.keepOnly(new Set(['new']));
    assert.deepEqual(notices.replay(new Set(['old', 'new'])).map(noticeId), ['edit-2'], 'the gone turn was forgotten');
    notices.keepOnly(new Set());
    assert.deepEqual(notices.replay(new Set(['old', 'new'])), []);
  });

  it('keeps a multi-file review by its id, in its latest state, next to single-file proposals', () => {
    const notices = new ProposalNotices();
    const review = (state: 'pending' | 'applied') => ({
      type: 'fileReview' as const,
      turnId: 't1',
      review: {
        id: 'review-1',
        files: [{ id: 'review-1-0', path: 'a.ts', change: 'modify' as const, state, added: 1, removed: 1 }],
      },
    });
    notices.record(review('pending'));
    notices.record(message('t1', { id: 'edit-1', target: 'a.ts:3', state: 'pending' }));
    notices.record(review('applied'));
    assert.deepEqual(notices.replay(new Set(['t1'])), [
      message('t1', { id: 'edit-1', target: 'a.ts:3', state: 'pending' }),
      review('applied'),
    ]);
  });
});
