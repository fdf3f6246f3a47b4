/**
 * The bar of a proposed edit, the same in a turn and in a Fix ×N card: an icon for its state, what
 * it proposes (or what became of it), and while it is pending Accept, Reject and Show Diff.
 */

import type { EditProposalView, WebviewMessage } from '../shared/protocol';
import { element, icon, textElement } from './dom';

const STATE_ICONS: Record<EditProposalView['state'], string> = {
  pending: 'diff',
  applied: 'check',
  rejected: 'discard',
  refused: 'warning',
};

/** Fills `bar` (an `.proposal` element) for `proposal`; `pendingText` is what a pending one says. */
export function fillProposalBar(
  bar: HTMLElement,
  proposal: EditProposalView,
  pendingText: string,
  post: (message: WebviewMessage) => void,
): void {
  bar.dataset.state = proposal.state;
  bar.replaceChildren();
  const pending = proposal.state === 'pending';
  bar.append(
    icon(STATE_ICONS[proposal.state]),
    textElement('span', 'proposal-text', pending ? pendingText : (proposal.message ?? proposal.state)),
  );
  if (!pending) return;
  const decide = (decision: 'accept' | 'reject' | 'showDiff', label: string, className: string) => {
    const button = textElement('button', className, label);
    button.dataset.testid = `edit-${decision}`;
    button.addEventListener('click', () => post({ type: 'resolveEdit', proposalId: proposal.id, decision }));
    return button;
  };
  const actions = element('div', 'proposal-actions');
  actions.append(
    decide('accept', 'Accept', ''),
    decide('reject', 'Reject', 'secondary'),
    decide('showDiff', 'Show Diff', 'link-button'),
  );
  bar.append(actions);
}
