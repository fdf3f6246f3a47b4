import * as vscode from 'vscode';
import type { SavedConversation } from '../core/conversationHistory';
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
      description: `${saved.turns.length} ${saved.turns.length === 1 ? 'turn' : 'turns'}`,
      detail: new Date(saved.updatedAt).toLocaleString(),
      id: saved.id,
    })),
    placeHolder: 'Open a saved conversation',
  };
}

export async function showHistory(controller: ChatController): Promise<void> {
  const { items, placeHolder } = historyPicker(controller.history());
  const picked = await vscode.window.showQuickPick(items, {
    title: 'R1: Open Conversation',
    placeHolder,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.id !== undefined) await controller.openConversation(picked.id);
  await controller.reveal();
}
