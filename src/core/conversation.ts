/**
 * Message history rules for R1: earlier answers are sent back, earlier reasoning never is
 * (DeepSeek rejects `reasoning_content` in input, and the distill template strips thoughts anyway),
 * and roles strictly alternate (R1 answers 400 to two user or two assistant messages in a row).
 */

import type { ChatMessage } from './provider';

/** What the history rules read of a past turn. */
export interface PastTurn {
  readonly question: string;
  /** Final answer text (without reasoning); empty when the turn produced no answer. */
  readonly answer: string;
}

export function buildMessages(history: readonly PastTurn[], question: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of history) {
    if (!isSentAsHistory(turn)) continue;
    messages.push(
      { role: 'user', content: turn.question },
      { role: 'assistant', content: stripThinking(turn.answer).trim() },
    );
  }
  messages.push({ role: 'user', content: question });
  return messages;
}

/** Whether a past turn goes into the history: a question that got no answer is dropped rather than sent as two user messages in a row. */
export function isSentAsHistory(turn: PastTurn): boolean {
  return stripThinking(turn.answer).trim() !== '' && turn.question.trim() !== '';
}

/** Removes any thought a model left inline in an answer (the distill template does the same). */
export function stripThinking(text: string): string {
  const close = text.lastIndexOf('</think>');
  return close >= 0 ? text.slice(close + '</think>'.length) : text;
}
