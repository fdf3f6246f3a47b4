import type { HostMessage } from '../shared/protocol';

export type EditProposalMessage = Extract<HostMessage, { readonly type: 'editProposal' }>;
export type FileReviewMessage = Extract<HostMessage, { readonly type: 'fileReview' }>;
/** What is kept: a single-file proposal or a multi-file review, each in its latest state. */
export type ProposalNotice = EditProposalMessage | FileReviewMessage;

/**
 * The latest state of every proposal and refusal the panel was told about. The webview keeps no
 * state while hidden or after a reload, so these are sent again when it reconnects; otherwise
 * Accept/Reject and the reason for a refusal would vanish with it.
 */
export class ProposalNotices {
  private readonly latest = new Map<string, ProposalNotice>();

  record(message: ProposalNotice): void {
    const key = message.type === 'editProposal' ? message.proposal.id : message.review.id;
    // Re-inserted, so a replay sends updates in the order they happened (the newest wins in a turn).
    this.latest.delete(key);
    this.latest.set(key, message);
  }

  /** What to send again, oldest first, for the turns the transcript still shows. */
  replay(turnIds: ReadonlySet<string>): ProposalNotice[] {
    return [...this.latest.values()].filter((message) => turnIds.has(message.turnId));
  }

  /** Forgets the notices of turns that are gone (New Chat, another conversation opened). */
  keepOnly(turnIds: ReadonlySet<string>): void {
    for (const [id, message] of this.latest) if (!turnIds.has(message.turnId)) this.latest.delete(id);
  }
}
