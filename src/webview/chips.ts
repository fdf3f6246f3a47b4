/**
 * Attachment chips: the next question's, above the input (removable with × or Backspace in the
 * empty input, a tooltip with the details), and each turn's, small and read-only, showing what its
 * question carried. Refused attachments show in an error style with their reason.
 */

import { chipText } from '../core/context/summary';
import type { ContextItemKind } from '../core/context/types';
import type { AttachmentChipWire, AttachmentWire } from '../shared/protocol';
import { element, icon, textElement } from './dom';

/** The chips of the next question. */
export class ChipBar {
  readonly root: HTMLElement;
  private chips: readonly AttachmentChipWire[] = [];

  constructor(private readonly onRemove: (chip: AttachmentChipWire) => void) {
    this.root = element('div', 'chips');
    this.root.dataset.testid = 'attachment-chips';
    this.root.setAttribute('role', 'list');
    this.root.setAttribute('aria-label', 'Attached to the next question');
    this.root.hidden = true;
  }

  get current(): readonly AttachmentChipWire[] {
    return this.chips;
  }

  show(chips: readonly AttachmentChipWire[]): void {
    this.chips = chips;
    this.root.replaceChildren(...chips.map((chip) => this.chipElement(chip)));
    this.root.hidden = chips.length === 0;
  }

  /** Removes a chip at once (the host confirms with the next list); returns it, if there was one. */
  remove(id: string): AttachmentChipWire | undefined {
    const chip = this.chips.find((candidate) => candidate.id === id);
    if (!chip) return undefined;
    this.show(this.chips.filter((candidate) => candidate.id !== id));
    this.onRemove(chip);
    return chip;
  }

  /** Backspace in the empty input: the last chip goes. */
  removeLast(): AttachmentChipWire | undefined {
    const last = this.chips[this.chips.length - 1];
    return last && this.remove(last.id);
  }

  private chipElement(chip: AttachmentChipWire): HTMLElement {
    const node = element('span', 'chip');
    node.dataset.testid = 'chip';
    node.dataset.chipId = chip.id;
    node.dataset.tone = chip.tone;
    node.setAttribute('role', 'listitem');
    node.title = chip.detail;
    node.append(
      icon(chip.tone === 'refused' ? 'error' : chip.id.startsWith('active') ? 'file-code' : 'mention'),
      textElement('span', 'chip-label', chip.label),
    );
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'chip-remove';
    close.dataset.testid = 'chip-remove';
    close.title = 'Remove from this question';
    close.setAttribute('aria-label', `Remove ${chip.label} from this question`);
    close.append(icon('close'));
    close.addEventListener('click', () => this.remove(chip.id));
    node.append(close);
    return node;
  }
}

/** A turn's chips: what its question carried, read-only. */
export function turnChips(attachments: readonly AttachmentWire[]): HTMLElement {
  const root = element('div', 'chips turn-chips');
  root.dataset.testid = 'turn-chips';
  root.setAttribute('role', 'list');
  root.setAttribute('aria-label', 'Attached to this question');
  for (const attachment of attachments) {
    const text = chipText(attachment);
    const node = element('span', 'chip');
    node.dataset.testid = 'turn-chip';
    node.dataset.tone = text.tone;
    node.setAttribute('role', 'listitem');
    node.title = text.detail;
    node.append(
      icon(text.tone === 'refused' ? 'error' : kindIcon(attachment.kind)),
      textElement('span', 'chip-label', text.label),
    );
    root.append(node);
  }
  return root;
}

function kindIcon(kind: ContextItemKind): string {
  switch (kind) {
    case 'activeFile':
    case 'file':
      return 'file-code';
    case 'selection':
      return 'selection';
    case 'problems':
      return 'warning';
    case 'changes':
      return 'git-compare';
    case 'terminal':
      return 'terminal';
    case 'folder':
      return 'folder';
    case 'definition':
      return 'symbol-method';
  }
}
