/**
 * Full-text search over saved conversations: titles and every turn's question, reasoning and answer.
 * The index folds the text once (case-insensitive, offsets kept), so each keystroke in the History
 * picker is one `indexOf` per conversation and term over text already in memory: about a millisecond
 * per million characters, and the whole history is bounded at 2M characters (conversationHistory.ts).
 */

import { foldCase } from './foldCase';
import type { SavedConversation } from './savedConversations';

export type HistoryField = 'title' | 'question' | 'reasoning' | 'answer';

export interface HistoryHit {
  readonly conversation: SavedConversation;
  /** Where the first term first matched (the phrase, when the query matches as one). */
  readonly field: HistoryField;
  /** The turn it matched in (0-based); none for the title. */
  readonly turnIndex?: number;
  /** The text around the match on one line, "…" where cut. */
  readonly snippet: string;
  /** Where the matched text lies in `snippet` ([start, end)), for highlighting. */
  readonly highlight: readonly [number, number];
}

/** Characters of context before and after the match in a snippet. */
const BEFORE = 30;
const AFTER = 70;
/** Between fields in the joined text: no query term can match across it. */
const SEPARATOR = '\u0000';

interface Segment {
  readonly start: number;
  readonly field: HistoryField;
  readonly turnIndex?: number;
}

interface IndexedConversation {
  readonly conversation: SavedConversation;
  readonly text: string;
  readonly folded: string;
  readonly segments: readonly Segment[];
}

export class HistorySearchIndex {
  private readonly entries: readonly IndexedConversation[];

  /** `conversations` in the order results should come in (the history's: newest first). */
  constructor(conversations: readonly SavedConversation[]) {
    this.entries = conversations.map(indexConversation);
  }

  /**
   * Conversations holding every whitespace-separated term of `query` (case-insensitive, anywhere in
   * the conversation), in the history's order; an empty query matches none.
   */
  search(query: string): HistoryHit[] {
    const phrase = foldCase(query.trim().replace(/\s+/g, ' ')).replaceAll(SEPARATOR, '');
    if (!phrase) return [];
    const terms = [...new Set(phrase.split(' '))];
    const hits: HistoryHit[] = [];
    for (const entry of this.entries) {
      if (!terms.every((term) => entry.folded.includes(term))) continue;
      const phraseAt = terms.length > 1 ? entry.folded.indexOf(phrase) : -1;
      const at = phraseAt !== -1 ? phraseAt : entry.folded.indexOf(terms[0]!);
      const length = phraseAt !== -1 ? phrase.length : terms[0]!.length;
      hits.push(hitAt(entry, at, length));
    }
    return hits;
  }
}

function indexConversation(conversation: SavedConversation): IndexedConversation {
  const segments: Segment[] = [];
  const pieces: string[] = [];
  let length = 0;
  const add = (text: string, field: HistoryField, turnIndex?: number) => {
    if (!text) return;
    segments.push(turnIndex === undefined ? { start: length, field } : { start: length, field, turnIndex });
    pieces.push(text, SEPARATOR);
    length += text.length + SEPARATOR.length;
  };
  add(conversation.title, 'title');
  conversation.turns.forEach((turn, turnIndex) => {
    add(turn.title ?? turn.question, 'question', turnIndex);
    add(turn.reasoning, 'reasoning', turnIndex);
    add(turn.answer, 'answer', turnIndex);
  });
  const text = pieces.join('');
  return { conversation, text, folded: foldCase(text), segments };
}

function hitAt(entry: IndexedConversation, at: number, length: number): HistoryHit {
  const { segments, text } = entry;
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (segments[mid]!.start <= at) low = mid;
    else high = mid - 1;
  }
  const segment = segments[low]!;
  const next = segments[low + 1]?.start ?? text.length;
  const fieldEnd = next - SEPARATOR.length;
  let from = Math.max(segment.start, at - BEFORE);
  let to = Math.min(fieldEnd, at + length + AFTER);
  // Cut at word boundaries, not inside a word.
  if (from > segment.start) {
    const space = text.slice(from, at).search(/\s/);
    if (space !== -1) from += space + 1;
  }
  if (to < fieldEnd) {
    const space = text.slice(at + length, to).search(/\s\S*$/);
    if (space !== -1) to = at + length + space;
  }
  const head = from > segment.start ? '…' : '';
  const tail = to < fieldEnd ? '…' : '';
  // One line: newlines and runs of spaces become one space, before and inside the match alike.
  const before = oneLine(text.slice(from, at), head !== '', false);
  const match = oneLine(text.slice(at, at + length), false, false);
  const after = oneLine(text.slice(at + length, to), false, tail !== '');
  const snippet = `${head}${before}${match}${after}${tail}`;
  const start = head.length + before.length;
  return {
    conversation: entry.conversation,
    field: segment.field,
    ...(segment.turnIndex === undefined ? {} : { turnIndex: segment.turnIndex }),
    snippet,
    highlight: [start, start + match.length],
  };
}

function oneLine(text: string, trimStart: boolean, trimEnd: boolean): string {
  let line = text.replace(/\s+/g, ' ');
  if (trimStart) line = line.trimStart();
  if (trimEnd) line = line.trimEnd();
  return line;
}
