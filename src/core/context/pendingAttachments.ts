/**
 * The attachments of the panel's next question, as plain data (the host feeds it the active editor
 * and what the `#` picker gathered; nothing here touches an editor): which chips there are, which
 * the user removed, what a question takes, and each chip's preview.
 *
 * Rules:
 * - the active editor's file (and its selection, when there is one) comes first, with the fixed ids
 *   `active` and `active-selection`; other attachments follow in the order they were added;
 * - a path matching the exclusion globs is refused whoever attached it, before anything is sent;
 * - removing the active file's (or selection's) chip holds for this question while that file stays
 *   active: it comes back with the next question, or when another file becomes active;
 * - once a question is sent, what was added for it is gone (the next question starts with the
 *   active file only).
 */

import { buildContextMessage } from './buildContext';
import { compileGlobs } from './glob';
import { excludedReason } from './screen';
import { refusedSummary, reportSummary, type AttachmentSummary } from './summary';
import { estimateTokens } from './tokens';
import type { CarriedFile, ContextItem, ContextRefusal } from './types';

export const ACTIVE_FILE_ID = 'active';
export const ACTIVE_SELECTION_ID = 'active-selection';

/** What the active editor offers: its file (or why it is refused) and its selection, if any. */
export interface ActiveEditorContext {
  /** The file's workspace-relative path: which file is active (a removal holds while it stays). */
  readonly path: string;
  readonly file?: ContextItem;
  readonly selection?: ContextItem;
  /** Set instead of `file` when the file may not be sent (excluded, too large). */
  readonly refused?: ContextRefusal;
}

interface Entry {
  readonly id: string;
  readonly item?: ContextItem;
  readonly refused?: ContextRefusal;
}

/** A chip of the next question: its id (for removal) and what it would send. */
export interface PendingChip {
  readonly id: string;
  readonly summary: AttachmentSummary;
}

export class PendingAttachments {
  private active: ActiveEditorContext | undefined;
  /** Active-editor chips removed for this question, and the file they were removed from. */
  private removed = new Set<string>();
  private removedFrom: string | undefined;
  private added: Entry[] = [];
  private nextId = 1;

  constructor(private readonly exclude: () => readonly string[]) {}

  /** The active editor changed (or its text, selection or the setting): undefined = nothing to send. */
  setActive(active: ActiveEditorContext | undefined): void {
    if (active?.path !== this.removedFrom) {
      this.removed.clear();
      this.removedFrom = undefined;
    }
    this.active = active;
  }

  /** Adds gathered items (excluded paths become refusals); returns how many chips were added. */
  add(gathered: { readonly items: readonly ContextItem[]; readonly refused: readonly ContextRefusal[] }): number {
    const exclude = compileGlobs(this.exclude());
    const before = this.added.length;
    for (const item of gathered.items) {
      const reason = item.path === undefined ? undefined : excludedReason(item.path, exclude);
      const id = `a${this.nextId++}`;
      this.added.push(reason && item.path !== undefined ? { id, refused: { path: item.path, reason } } : { id, item });
    }
    for (const refused of gathered.refused) this.added.push({ id: `a${this.nextId++}`, refused });
    return this.added.length - before;
  }

  /** Removes a chip for this question; false when there is no such chip. */
  remove(id: string): boolean {
    if (id === ACTIVE_FILE_ID || id === ACTIVE_SELECTION_ID) {
      if (!this.entries().some((entry) => entry.id === id) || !this.active) return false;
      this.removed.add(id);
      this.removedFrom = this.active.path;
      return true;
    }
    const before = this.added.length;
    this.added = this.added.filter((entry) => entry.id !== id);
    return this.added.length < before;
  }

  /** The question was sent: what was added for it goes, removed active-file chips come back. */
  sent(): void {
    this.added = [];
    this.removed.clear();
    this.removedFrom = undefined;
  }

  /** What the next question carries: items in chip order, and the refusals to report with it. */
  forQuestion(): { readonly items: readonly ContextItem[]; readonly refused: readonly ContextRefusal[] } {
    const entries = this.entries();
    return {
      items: entries.flatMap((entry) => (entry.item ? [entry.item] : [])),
      refused: entries.flatMap((entry) => (entry.refused ? [entry.refused] : [])),
    };
  }

  /**
   * The chips, each with what it would send: built with estimateTokens within `budgetTokens`
   * (the model's own count can differ a little, hence the `~` on the chip).
   */
  preview(budgetTokens: number, earlier: readonly CarriedFile[] = []): PendingChip[] {
    const entries = this.entries();
    const withItems = entries.flatMap((entry) => (entry.item ? [{ id: entry.id, item: entry.item }] : []));
    const result = buildContextMessage({
      question: '',
      items: withItems.map((entry) => entry.item),
      budgetTokens,
      countTokens: estimateTokens,
      exclude: this.exclude(),
      earlier,
    });
    return entries.map((entry) => {
      if (entry.refused) return { id: entry.id, summary: refusedSummary(entry.refused, []) };
      const index = withItems.findIndex((candidate) => candidate.id === entry.id);
      const item = withItems[index]?.item as ContextItem;
      const report = result.items.find((candidate) => candidate.index === index);
      if (!report) {
        const refusal = result.refused.find((candidate) => candidate.path === item.path);
        return {
          id: entry.id,
          summary: refusedSummary(refusal ?? { path: item.path ?? '', reason: 'is not sent' }, [item]),
        };
      }
      return { id: entry.id, summary: reportSummary(report, item) };
    });
  }

  private entries(): Entry[] {
    const active = this.active;
    const fromEditor: Entry[] = [];
    if (active?.refused) fromEditor.push({ id: ACTIVE_FILE_ID, refused: active.refused });
    else if (active?.file) fromEditor.push({ id: ACTIVE_FILE_ID, item: active.file });
    if (active?.selection) fromEditor.push({ id: ACTIVE_SELECTION_ID, item: active.selection });
    return [...fromEditor.filter((entry) => !this.removed.has(entry.id)), ...this.added];
  }
}
