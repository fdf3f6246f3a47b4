/**
 * Where saved conversations live in a key-value store (the host passes its workspace state) and the
 * rules for reading and writing them: every read goes through `parseSavedHistory`, every write is
 * the current versioned format, and a value written by a newer version is never overwritten.
 */

import { DEFAULT_HISTORY_LIMITS, upsertConversation, type HistoryLimits } from './conversationHistory';
import { parseSavedHistory, savedHistory, type ParsedHistory, type SavedConversation } from './savedConversations';

/** Saved conversations, in the versioned format. */
export const HISTORY_KEY = 'r1Coder.conversations';
/** Where 0.1.0 kept them (a bare array): read while HISTORY_KEY is absent, removed once it is written. */
export const LEGACY_HISTORY_KEY = 'r1Coder.history';
/** The id of the conversation the panel shows (it may not be saved yet: a New Chat has no turn). */
export const CURRENT_KEY = 'r1Coder.currentConversation';

/** What this needs of VS Code's Memento (which has exactly these two methods). */
export interface KeyValueState {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export type SaveResult = { readonly kind: 'saved' } | { readonly kind: 'refused'; readonly reason: string };

export class SavedHistoryStore {
  constructor(
    private readonly state: KeyValueState,
    private readonly limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
  ) {}

  /** What is saved, checked: the versioned format, or what 0.1.0 saved when that is all there is. */
  read(): ParsedHistory {
    const current = this.state.get<unknown>(HISTORY_KEY);
    return parseSavedHistory(current !== undefined ? current : this.state.get<unknown>(LEGACY_HISTORY_KEY));
  }

  /** Newest first; none when what is saved is refused. */
  conversations(): readonly SavedConversation[] {
    const saved = this.read();
    return saved.kind === 'loaded' ? saved.conversations : [];
  }

  currentId(): string | undefined {
    const id = this.state.get<unknown>(CURRENT_KEY);
    return typeof id === 'string' ? id : undefined;
  }

  async setCurrent(id: string): Promise<void> {
    await this.state.update(CURRENT_KEY, id);
  }

  /**
   * Puts `conversation` first (bounded by the history limits) and names it current. Writes nothing
   * when what is saved was written by a newer version: overwriting it would lose that version's data.
   */
  async save(conversation: SavedConversation): Promise<SaveResult> {
    const saved = this.read();
    if (saved.kind === 'refused') return saved;
    await this.state.update(
      HISTORY_KEY,
      savedHistory(upsertConversation(saved.conversations, conversation, this.limits)),
    );
    // Migrated: the old copy would only take space (0.1.0, if the user goes back, starts with no history).
    if (this.state.get<unknown>(LEGACY_HISTORY_KEY) !== undefined)
      await this.state.update(LEGACY_HISTORY_KEY, undefined);
    await this.setCurrent(conversation.id);
    return { kind: 'saved' };
  }
}
