/**
 * The one place where model text is split into reasoning and answer. Both providers feed it:
 * the cloud provider with `content` deltas, the local provider with raw generated text.
 *
 * Handles `<think>…</think>` inline, a missing opening tag (templates that put `<think>\n` in the
 * prompt), tags split across chunks at any byte, and models that never think at all. The result
 * depends only on the concatenated input, never on how it was chunked (property-tested).
 */

import type { AnswerChunk, ReasoningChunk, ReclassifyChunk } from './chunks';

export type SplitChunk = ReasoningChunk | AnswerChunk | ReclassifyChunk;

/**
 * - `auto`: text before any tag is shown as reasoning provisionally; `</think>` confirms it, and a
 *   stream that ends with no tag at all is reclassified as the answer.
 * - `reasoning`: the prompt already opened the thought (forced `<think>\n`): reasoning until `</think>`.
 * - `answer`: reasoning arrives elsewhere (a `reasoning_content` field): everything is answer.
 */
export type SplitterStart = 'auto' | 'reasoning' | 'answer';

const OPEN = '<think>';
const CLOSE = '</think>';

type State =
  | 'start' // nothing decided yet: whitespace or a prefix of <think> held
  | 'reasoning' // inside a thought that an explicit tag or the caller opened
  | 'provisional' // auto mode, no tag seen: shown as reasoning until proven otherwise
  | 'answer';

export class ThinkSplitter {
  private state: State;
  private held = '';
  /** Whether anything non-blank has been emitted in the current section (leading blanks are dropped). */
  private sectionStarted = false;
  private sawAnyTag = false;

  constructor(private readonly start: SplitterStart = 'auto') {
    this.state = start === 'answer' ? 'answer' : 'start';
  }

  /** Reasoning arrived through a dedicated field, so `content` is all answer. */
  noteReasoningField(): void {
    if (this.state === 'start') {
      this.state = 'answer';
      this.sectionStarted = false;
    }
  }

  push(text: string): SplitChunk[] {
    const out: SplitChunk[] = [];
    this.held += text;
    this.drain(out, false);
    return merge(out);
  }

  /** Flushes what is held. Call once, when the stream ends (normally or not). */
  end(): SplitChunk[] {
    const out: SplitChunk[] = [];
    this.drain(out, true);
    if (this.state === 'provisional' && !this.sawAnyTag) out.push({ type: 'reclassify' });
    return merge(out);
  }

  private drain(out: SplitChunk[], final: boolean): void {
    // Each pass either changes state or consumes/holds all text, so this terminates.
    for (;;) {
      switch (this.state) {
        case 'start': {
          const trimmed = this.held.trimStart();
          if (trimmed.startsWith(OPEN)) {
            this.sawAnyTag = true;
            this.held = trimmed.slice(OPEN.length);
            this.enter('reasoning');
            continue;
          }
          if (!final && (trimmed === '' || OPEN.startsWith(trimmed))) return; // may still become <think>
          if (final && trimmed === '') {
            this.held = '';
            return;
          }
          this.enter(this.start === 'reasoning' ? 'reasoning' : 'provisional');
          continue;
        }
        case 'reasoning':
        case 'provisional': {
          const close = this.held.indexOf(CLOSE);
          if (close >= 0) {
            this.sawAnyTag = true;
            this.emit(out, this.held.slice(0, close), { closing: true, confirmed: true });
            this.held = this.held.slice(close + CLOSE.length);
            this.enter('answer');
            continue;
          }
          if (final) {
            // Still provisional at the end: a reclassify follows.
            this.emit(out, this.held, { closing: true, confirmed: this.state === 'reasoning' });
            this.held = '';
            return;
          }
          // Hold a suffix that could be the start of </think>, and trailing whitespace (it is
          // dropped if </think> follows).
          const partial = partialTagLength(this.held, CLOSE);
          const keep = partial + trailingWhitespaceLength(this.held.slice(0, this.held.length - partial));
          this.emit(out, this.held.slice(0, this.held.length - keep), {
            closing: false,
            confirmed: this.state === 'reasoning',
          });
          this.held = this.held.slice(this.held.length - keep);
          return;
        }
        case 'answer': {
          if (!this.sectionStarted) {
            // Drop leading blank lines but keep the first line's indentation.
            const firstContent = this.held.search(/\S/);
            if (firstContent < 0) {
              if (final) this.held = '';
              return;
            }
            const lastNewline = this.held.lastIndexOf('\n', firstContent);
            this.held = this.held.slice(lastNewline + 1);
            this.sectionStarted = true;
          }
          if (this.held) out.push({ type: 'answer', text: this.held });
          this.held = '';
          return;
        }
      }
    }
  }

  private enter(state: State): void {
    this.state = state;
    this.sectionStarted = false;
  }

  /**
   * Emits reasoning text, dropping the section's leading whitespace and, at a close, its trailing
   * whitespace. Text is `confirmed` inside an opened thought or once `</think>` ends it; before
   * that (auto mode, no tag yet) it is marked provisional.
   */
  private emit(
    out: SplitChunk[],
    text: string,
    { closing, confirmed }: { closing: boolean; confirmed: boolean },
  ): void {
    let piece = text;
    if (!this.sectionStarted) piece = piece.trimStart();
    if (closing) piece = piece.trimEnd();
    if (!piece) return;
    this.sectionStarted = true;
    out.push(confirmed ? { type: 'reasoning', text: piece } : { type: 'reasoning', text: piece, provisional: true });
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

function trailingWhitespaceLength(text: string): number {
  const match = /\s+$/.exec(text);
  return match ? match[0].length : 0;
}

function merge(chunks: SplitChunk[]): SplitChunk[] {
  const merged: SplitChunk[] = [];
  for (const chunk of chunks) {
    const last = merged[merged.length - 1];
    if (last?.type === 'answer' && chunk.type === 'answer') {
      merged[merged.length - 1] = { type: 'answer', text: last.text + chunk.text };
    } else if (last?.type === 'reasoning' && chunk.type === 'reasoning' && last.provisional === chunk.provisional) {
      merged[merged.length - 1] = { ...chunk, text: last.text + chunk.text };
    } else {
      merged.push(chunk);
    }
  }
  return merged;
}

/** Folds split chunks into final text, applying reclassification (used by tests and transcripts). */
export function foldSplit(chunks: Iterable<SplitChunk>): { reasoning: string; answer: string } {
  let reasoning = '';
  let answer = '';
  for (const chunk of chunks) {
    if (chunk.type === 'reasoning') reasoning += chunk.text;
    else if (chunk.type === 'answer') answer += chunk.text;
    else {
      answer = reasoning + answer;
      reasoning = '';
    }
  }
  return { reasoning, answer };
}
