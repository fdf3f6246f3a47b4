/**
 * Apply to file: a button on each complete code block of an answer that names its file (`File:
 * path` before it, the path in its info string or first line), next to Apply to selection, Insert
 * and Copy. Which blocks name a file is read from the answer by the planner's own rule
 * (listAnswerBlocks), so the button shows exactly where the host can plan the block.
 */

import { isCommand, listAnswerBlocks } from '../core/apply/fileBlocks';
import { icon } from './dom';

/** Block index → the file it names, for the closed blocks of a finished answer. */
export function fileBlockLabels(answer: string): Map<number, string> {
  const labels = new Map<number, string>();
  for (const { block, label } of listAnswerBlocks(answer).blocks) {
    if (label !== undefined && block.closed && !isCommand(block.language, label)) labels.set(block.index, label);
  }
  return labels;
}

/** Adds the button to each labelled block under `root` that lacks it (the renderer may redraw a block). */
export function addApplyToFileButtons(root: HTMLElement, labels: ReadonlyMap<number, string>): void {
  for (const [index, label] of labels) {
    const header = root.querySelector(`.code-block[data-block-index="${index}"] .code-block-header`);
    if (!header || header.querySelector('[data-action="apply-file"]')) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = 'apply-file';
    button.dataset.blockIndex = String(index);
    button.dataset.testid = 'apply-file';
    button.title = `Apply to ${label}`;
    button.setAttribute('aria-label', `Apply to ${label}`);
    button.append(icon('go-to-file'));
    header.append(button);
  }
}
