import type { ContextItem, ContextRefusal } from '../../core/context/types';

/**
 * What one context source gathered for the next question (the `#` picker, Add File/Selection to
 * Chat, the active editor): the items to attach, what was refused and why (shown to the user as is),
 * and a note when there was nothing to attach ("No problems in the workspace").
 */
export interface GatheredContext {
  readonly items: readonly ContextItem[];
  readonly refused: readonly ContextRefusal[];
  readonly note?: string;
}

/** Where gathered context goes: the attachments of the panel's next question (shown as chips). */
export interface AttachmentSink {
  add(gathered: GatheredContext): void;
}
