import * as vscode from 'vscode';
import { HistorySearchIndex, type HistoryHit } from '../core/historySearch';
import type { SavedConversation } from '../core/savedConversations';
import type { ChatController } from './chatController';

interface HistoryItem extends vscode.QuickPickItem {
  /** The conversation to open; none for the item an empty history offers instead. */
  readonly id?: string;
}

/**
 * The History picker's items and placeholder. With nothing saved, the picker itself says so (a
 * notification would land in the notification centre, where nobody looks) and offers the chat.
 */
export function historyPicker(history: readonly SavedConversation[]): {
  readonly items: HistoryItem[];
  readonly placeHolder: string;
} {
  if (!history.length) {
    return {
      items: [{ label: '$(comment-discussion) Ask a question', description: 'Opens R1 Chat' }],
      placeHolder: 'No saved conversations yet — ask a question to start one',
    };
  }
  return {
    items: history.map((saved) => ({
      label: saved.title,
      description: turnCount(saved),
      detail: new Date(saved.updatedAt).toLocaleString(),
      id: saved.id,
    })),
    placeHolder: 'Search saved conversations: titles, questions, answers and reasoning',
  };
}

/** The picker's items for a search: each conversation that matches, with where and a snippet. */
export function historySearchItems(hits: readonly HistoryHit[]): HistoryItem[] {
  return hits.map((hit) => ({
    label: hit.conversation.title,
    description:
      hit.turnIndex === undefined
        ? turnCount(hit.conversation)
        : `${turnCount(hit.conversation)} · ${hit.field} of turn ${hit.turnIndex + 1}`,
    detail: hit.snippet,
    id: hit.conversation.id,
    // Our search decided: the picker's own filter (labels only) must not hide a match in the text.
    alwaysShow: true,
  }));
}

function turnCount(saved: SavedConversation): string {
  return `${saved.turns.length} ${saved.turns.length === 1 ? 'turn' : 'turns'}`;
}

/**
 * R1: Open Conversation from History. Typing searches every turn's text, not just the titles (the
 * index is built on the first keystroke). `options.query` starts the picker with that search.
 */
export async function showHistory(controller: ChatController, options?: unknown): Promise<void> {
  const history = controller.history();
  const { items, placeHolder } = historyPicker(history);
  const picker = vscode.window.createQuickPick<HistoryItem>();
  picker.title = 'R1: Open Conversation';
  picker.placeholder = placeHolder;
  picker.items = items;
  let index: HistorySearchIndex | undefined;
  const search = (value: string) => {
    if (!history.length) return;
    if (!value.trim()) {
      picker.items = items;
      return;
    }
    index ??= new HistorySearchIndex(history);
    picker.items = historySearchItems(index.search(value));
  };
  const subscriptions = [picker.onDidChangeValue(search)];
  const query = initialQuery(options);
  if (query) {
    picker.value = query;
    search(query);
  }
  const picked = await new Promise<HistoryItem | undefined>((resolve) => {
    subscriptions.push(
      picker.onDidAccept(() => {
        resolve(picker.selectedItems[0] ?? picker.activeItems[0]);
        picker.hide();
      }),
      picker.onDidHide(() => resolve(undefined)),
    );
    picker.show();
  });
  for (const subscription of subscriptions) subscription.dispose();
  picker.dispose();
  if (!picked) return;
  if (picked.id !== undefined) await controller.openConversation(picked.id);
  await controller.reveal();
}

function initialQuery(options: unknown): string | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const query = (options as { query?: unknown }).query;
  return typeof query === 'string' ? query : undefined;
}
