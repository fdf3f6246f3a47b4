/**
 * Saved conversations: bounded in count, turns and text so workspace state stays small, and
 * exportable as Markdown. Turns hold only what the user saw (questions, reasoning, answers);
 * keys and settings never enter them.
 */

import type { SavedConversation, SavedTurn } from './savedConversations';
import type { Turn } from './turn';
import { chipText, type AttachmentSummary } from './context/summary';

export interface HistoryLimits {
  readonly conversations: number;
  readonly turnsPerConversation: number;
  /** Long reasoning is cut from the middle of stored turns (the panel keeps its own copy while open). */
  readonly reasoningChars: number;
  /**
   * All saved text together. Workspace state is rewritten whole on every save, and the other limits
   * alone would allow 20 × 50 turns of 100k-character thoughts (hundreds of MB): past this budget
   * the oldest conversations go first, then the current one's oldest turns.
   */
  readonly totalChars?: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  conversations: 20,
  turnsPerConversation: 50,
  reasoningChars: 100_000,
  totalChars: 2_000_000,
};

function storedChars(turns: readonly SavedTurn[]): number {
  return turns.reduce(
    (sum, turn) =>
      sum +
      turn.question.length +
      turn.reasoning.length +
      turn.answer.length +
      (turn.request?.fix?.selectionText.length ?? 0) +
      (turn.context?.typed.length ?? 0),
    0,
  );
}

export function conversationTitle(
  turns: readonly {
    readonly title?: string;
    readonly question: string;
    readonly context?: { readonly typed: string };
  }[],
): string {
  const first = turns[0];
  if (!first) return 'Empty conversation';
  const text = (first.title ?? first.context?.typed ?? first.question).replace(/\s+/g, ' ').trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

export function boundTurns(turns: readonly SavedTurn[], limits: HistoryLimits = DEFAULT_HISTORY_LIMITS): SavedTurn[] {
  return turns.slice(-limits.turnsPerConversation).map((turn) =>
    turn.reasoning.length > limits.reasoningChars
      ? {
          ...turn,
          reasoning: `${turn.reasoning.slice(0, limits.reasoningChars / 2)}\n\n[… ${(turn.reasoning.length - limits.reasoningChars).toLocaleString('en-US')} characters of reasoning not kept …]\n\n${turn.reasoning.slice(-limits.reasoningChars / 2)}`,
        }
      : turn,
  );
}

/**
 * Puts `conversation` first (replacing an older copy), dropping empty ones and the oldest beyond the
 * count or the size budget. The current conversation always keeps its newest turn.
 */
export function upsertConversation(
  history: readonly SavedConversation[],
  conversation: SavedConversation,
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
): SavedConversation[] {
  const budget = limits.totalChars ?? Infinity;
  let turns = boundTurns(conversation.turns, limits);
  while (turns.length > 1 && storedChars(turns) > budget) turns = turns.slice(1);
  const kept: SavedConversation[] = turns.length ? [{ ...conversation, turns }] : [];
  let used = storedChars(turns);
  for (const saved of history) {
    if (saved.id === conversation.id) continue;
    const size = storedChars(saved.turns);
    // Newest first: once one does not fit, it and everything older go.
    if (kept.length >= limits.conversations || used + size > budget) break;
    kept.push(saved);
    used += size;
  }
  return kept;
}

export function exportMarkdown(
  conversation: { readonly title: string; readonly turns: readonly Turn[] },
  includeReasoning = true,
): string {
  const lines = [`# ${conversation.title}`, ''];
  for (const turn of conversation.turns) {
    // A question that carried attachments shows what the user typed, then what it carried.
    lines.push(`## ${turn.title ?? 'Question'}`, '', (turn.context?.typed ?? turn.question).trim(), '');
    if (turn.context?.attachments.length) lines.push(...attachmentLines(turn.context.attachments), '');
    if (includeReasoning && turn.reasoning.trim()) {
      lines.push('<details><summary>Reasoning</summary>', '', turn.reasoning.trim(), '', '</details>', '');
    }
    lines.push(`### Answer (${turn.modelLabel})`, '', turn.answer.trim() || `_No answer (${turn.status})._`, '');
    if (turn.status !== 'done')
      lines.push(`> Status: ${turn.status}${turn.error ? ` — ${turn.error.message}` : ''}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** "Attached:" and one line per attachment, as its chip reads (refusals with their reason). */
function attachmentLines(attachments: readonly AttachmentSummary[]): string[] {
  return [
    '**Attached:**',
    '',
    ...attachments.map((attachment) => {
      const chip = chipText(attachment);
      const what = attachment.path ? `\`${attachment.path}\`` : chip.label.split(' · ')[0];
      if (attachment.refused !== undefined) return `- ${what}: not sent (it ${attachment.refused})`;
      if (attachment.repeated) return `- ${what}: unchanged since an earlier question, not resent`;
      const cut = attachment.trimmed ? `; ${attachment.leftOut ?? 'part left out'} to fit the budget` : '';
      return `- ${what}: ${attachment.shown}, ~${attachment.tokens} tokens${cut}`;
    }),
  ];
}
