/**
 * The review card of a multi-file edit: each file the answer names, with its +/− line counts, what
 * the answer does to it (new, changed, deleted, unchanged, refused with the reason) and its
 * Accept / Reject / Show Diff buttons; Accept All and Review All for the whole list. The buttons
 * send ids and a decision only: the host writes the text it planned itself.
 */

import { assertNever } from '../core/chunks';
import type { FileReviewDecision, FileReviewEntry, FileReviewView, WebviewMessage } from '../shared/protocol';
import { element, icon, textElement } from './dom';

/** Draws (or redraws) `review` into `root`. */
export function renderFileReview(
  root: HTMLElement,
  review: FileReviewView,
  post: (message: WebviewMessage) => void,
): void {
  root.replaceChildren();
  root.dataset.reviewId = review.id;
  const pending = review.files.filter((file) => file.state === 'pending');
  const decide = (decision: FileReviewDecision, label: string, className: string, testId: string, fileId?: string) => {
    const button = textElement('button', className, label);
    button.type = 'button';
    button.dataset.testid = testId;
    button.addEventListener('click', () =>
      post({ type: 'reviewFiles', reviewId: review.id, decision, ...(fileId === undefined ? {} : { fileId }) }),
    );
    return button;
  };

  const header = element('div', 'file-review-header');
  const planned = review.files.filter((file) => file.change !== 'refused' && file.change !== 'unchanged').length;
  header.append(
    icon('files'),
    textElement(
      'span',
      'file-review-title',
      review.files.length === 0
        ? 'No files to change'
        : `${planned} of ${review.files.length} ${review.files.length === 1 ? 'file' : 'files'} planned`,
    ),
  );
  if (pending.length > 0) {
    const actions = element('div', 'file-review-actions');
    actions.append(
      decide('accept', pending.length === 1 ? 'Accept' : 'Accept All', '', 'review-accept-all'),
      decide('showDiff', 'Review All', 'secondary', 'review-show-all'),
    );
    header.append(actions);
  }
  root.append(header);
  if (review.problem) root.append(textElement('p', 'file-review-problem', review.problem));

  const list = element('ul', 'file-review-list');
  for (const file of review.files) list.append(fileRow(file, decide));
  if (review.files.length > 0) root.append(list);
}

function fileRow(
  file: FileReviewEntry,
  decide: (
    decision: FileReviewDecision,
    label: string,
    className: string,
    testId: string,
    fileId?: string,
  ) => HTMLButtonElement,
): HTMLElement {
  const row = element('li', 'file-review-file');
  row.dataset.testid = 'review-file';
  row.dataset.fileId = file.id;
  row.dataset.state = file.state;
  row.dataset.change = file.change;
  const line = element('div', 'file-review-line');
  const counts = element('span', 'file-review-counts');
  if (file.change !== 'refused' && file.change !== 'unchanged') {
    const added = textElement('span', 'added', `+${file.added}`);
    added.dataset.testid = 'review-added';
    const removed = textElement('span', 'removed', `−${file.removed}`);
    removed.dataset.testid = 'review-removed';
    counts.append(added, ' ', removed);
  }
  const status = textElement('span', 'file-review-status', statusLabel(file));
  status.dataset.testid = 'review-status';
  const path = textElement('span', 'file-review-path', file.path);
  path.title = file.path;
  line.append(icon(changeIcon(file.change)), path, counts, status);
  row.append(line);
  if (file.message && file.state !== 'pending') row.append(textElement('div', 'file-review-message', file.message));
  if (file.state === 'pending') {
    const actions = element('div', 'file-review-file-actions');
    actions.append(
      decide('accept', 'Accept', '', 'review-accept', file.id),
      decide('reject', 'Reject', 'secondary', 'review-reject', file.id),
      decide('showDiff', 'Show Diff', 'link-button', 'review-diff', file.id),
    );
    row.append(actions);
  }
  return row;
}

/** What the answer does to the file, then what became of it once decided. */
function statusLabel(file: FileReviewEntry): string {
  const change = changeLabel(file.change);
  switch (file.state) {
    case 'pending':
      return change;
    case 'applied':
      return `${change} · applied`;
    case 'rejected':
      return `${change} · rejected`;
    case 'refused':
      return file.change === 'refused' || file.change === 'unchanged' ? change : `${change} · refused`;
    default:
      return assertNever(file.state, 'review file state');
  }
}

function changeLabel(change: FileReviewEntry['change']): string {
  switch (change) {
    case 'create':
      return 'new';
    case 'modify':
      return 'changed';
    case 'delete':
      return 'deleted';
    case 'unchanged':
      return 'unchanged';
    case 'refused':
      return 'refused';
    default:
      return assertNever(change, 'file change');
  }
}

function changeIcon(change: FileReviewEntry['change']): string {
  switch (change) {
    case 'create':
      return 'diff-added';
    case 'modify':
      return 'diff-modified';
    case 'delete':
      return 'diff-removed';
    case 'unchanged':
      return 'circle-slash';
    case 'refused':
      return 'warning';
    default:
      return assertNever(change, 'file change');
  }
}
