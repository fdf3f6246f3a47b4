/**
 * The outline rail of a thought: a thin track under the thought's header (so it shows while the
 * thought is folded) with a mark per self-correction step (core/thoughtOutline.ts decides which) at
 * its place in the thought, and one for the answer at the end. A click, or Enter on a focused mark
 * (arrow keys move between marks), jumps there, opening the fold.
 *
 * Incremental: marks are only ever added as the outline finds steps; their positions (a share of
 * the thought's length, which grows while it streams) are redrawn at most every REPOSITION_MS.
 */

import type { ThoughtStep } from '../core/thoughtOutline';
import { element } from './dom';
import { indexText, rangeOf, scrollRangeIntoView, setHighlight } from './textIndex';

const REPOSITION_MS = 250;
/** A jump's target is marked this long. */
const FLASH_MS = 1500;
const FLASH_HIGHLIGHT = 'r1-outline-target';
/** Characters of a step's first line used to find it in the rendered thought, and in a mark's tooltip. */
const NEEDLE_CHARS = 48;
const TITLE_CHARS = 80;

export type RailTarget = { readonly kind: 'step'; readonly start: number } | { readonly kind: 'answer' };

export interface RailState {
  /** The thought's self-correction steps so far, in order. */
  readonly corrections: readonly ThoughtStep[];
  readonly reasoning: string;
  readonly hasAnswer: boolean;
  readonly streaming: boolean;
}

export class ThoughtRail {
  readonly element: HTMLElement;
  private readonly marks: HTMLButtonElement[] = [];
  private readonly answerMark: HTMLButtonElement;
  private positionedLength = -1;
  private positionedAt = 0;
  private focusIndex = 0;
  /** The steps list the marks were made from: a new list (the thought was reclassified) starts over. */
  private source: readonly ThoughtStep[] | undefined;

  constructor(private readonly jump: (target: RailTarget) => void) {
    this.element = element('div', 'thought-rail');
    this.element.dataset.testid = 'thought-rail';
    this.element.setAttribute('role', 'toolbar');
    this.element.setAttribute('aria-label', 'Self-corrections in this thought');
    this.element.hidden = true;
    this.answerMark = this.mark('answer', 'Jump to the answer');
    this.answerMark.hidden = true;
    this.element.append(this.answerMark);
    // The rail sits in the thought's <summary>: its clicks and keys must not fold or unfold it.
    this.element.addEventListener('click', (event) => {
      event.preventDefault();
      event.stopPropagation();
      const mark = (event.target as HTMLElement).closest<HTMLButtonElement>('button');
      if (mark) this.activate(mark);
    });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Brings the rail up to date: adds marks for new steps; repositions (throttled while streaming). */
  update(state: RailState, now = Date.now()): void {
    const { corrections, reasoning } = state;
    if (corrections !== this.source || corrections.length < this.marks.length) {
      this.reset();
      this.source = corrections;
    }
    const added = corrections.length > this.marks.length;
    for (let i = this.marks.length; i < corrections.length; i++) {
      const step = corrections[i]!;
      const mark = this.mark('correction', '');
      mark.dataset.start = String(step.start);
      mark.title = `Self-correction ${i + 1}: ${firstLine(reasoning, step.start, TITLE_CHARS)}`;
      mark.setAttribute('aria-label', mark.title);
      this.marks.push(mark);
      this.element.insertBefore(mark, this.answerMark);
    }
    this.element.hidden = corrections.length === 0;
    if (added || this.answerMark.hidden === state.hasAnswer) {
      this.answerMark.hidden = !state.hasAnswer;
      this.rovingTabIndex();
    }
    const length = reasoning.length;
    const due = !state.streaming || now - this.positionedAt >= REPOSITION_MS;
    if (length === this.positionedLength || !due) return;
    this.positionedLength = length;
    this.positionedAt = now;
    for (const mark of this.marks) {
      mark.style.left = `${((Number(mark.dataset.start) / Math.max(1, length)) * 100).toFixed(2)}%`;
    }
  }

  private reset(): void {
    for (const mark of this.marks) mark.remove();
    this.marks.length = 0;
    this.positionedLength = -1;
    this.focusIndex = 0;
  }

  private mark(kind: 'correction' | 'answer', label: string): HTMLButtonElement {
    const mark = document.createElement('button');
    mark.type = 'button';
    mark.className = `rail-mark rail-${kind}`;
    mark.dataset.testid = 'rail-mark';
    mark.dataset.kind = kind;
    mark.tabIndex = -1;
    if (label) {
      mark.title = label;
      mark.setAttribute('aria-label', label);
    }
    return mark;
  }

  private visibleMarks(): HTMLButtonElement[] {
    return this.answerMark.hidden ? this.marks : [...this.marks, this.answerMark];
  }

  /** One tab stop for the whole rail; arrows move within it. */
  private rovingTabIndex(): void {
    const marks = this.visibleMarks();
    this.focusIndex = Math.min(this.focusIndex, marks.length - 1);
    marks.forEach((mark, i) => (mark.tabIndex = i === this.focusIndex ? 0 : -1));
    if (this.answerMark.hidden) this.answerMark.tabIndex = -1;
  }

  private onKey(event: KeyboardEvent): void {
    const marks = this.visibleMarks();
    const at = marks.indexOf(event.target as HTMLButtonElement);
    if (at === -1) return;
    let next: number;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = Math.min(marks.length - 1, at + 1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = marks.length - 1;
    else if (event.key === 'Enter' || event.key === ' ') {
      // A button's own activation would also toggle the <summary> around it.
      event.preventDefault();
      event.stopPropagation();
      this.activate(marks[at]!);
      return;
    } else return;
    event.preventDefault();
    event.stopPropagation();
    this.focusIndex = next;
    this.rovingTabIndex();
    marks[next]!.focus();
  }

  private activate(mark: HTMLButtonElement): void {
    const marks = this.visibleMarks();
    this.focusIndex = Math.max(0, marks.indexOf(mark));
    this.rovingTabIndex();
    this.jump(mark === this.answerMark ? { kind: 'answer' } : { kind: 'step', start: Number(mark.dataset.start) });
  }
}

/**
 * Shows the step of `reasoning` starting at `start` in its rendered thought `body`: finds the step's
 * first words in the rendered text (markdown's emphasis and code marks left out; the same words
 * earlier in the thought counted, so the right occurrence is taken), scrolls there and marks it for a
 * moment. Where the text is not rendered yet, scrolls to the same share of the body. Returns the range.
 */
export function showStep(body: HTMLElement, reasoning: string, start: number): Range | undefined {
  const needle = plain(firstLine(reasoning, start, NEEDLE_CHARS * 2))
    .trim()
    .slice(0, NEEDLE_CHARS)
    .trim();
  const index = indexText(body);
  let range: Range | undefined;
  if (needle) {
    const before = countOccurrences(plain(reasoning.slice(0, start)), needle);
    let at = -1;
    for (let seen = 0; seen <= before; seen++) {
      const next = index.text.indexOf(needle, at === -1 ? 0 : at + needle.length);
      if (next === -1) break;
      at = next;
    }
    if (at !== -1) range = rangeOf(index, at, at + needle.length);
  }
  if (!range) {
    const share = start / Math.max(1, reasoning.length);
    body.closest<HTMLElement>('.transcript')?.scrollTo({ top: body.offsetTop + share * body.scrollHeight });
    return undefined;
  }
  scrollRangeIntoView(range);
  setHighlight(FLASH_HIGHLIGHT, [range]);
  setTimeout(() => setHighlight(FLASH_HIGHLIGHT, []), FLASH_MS);
  return range;
}

/** The step's first line, without its markdown lead (quote, heading, list marks), at most `max` characters. */
function firstLine(reasoning: string, start: number, max: number): string {
  const end = reasoning.indexOf('\n', start);
  const line = reasoning.slice(start, end === -1 ? undefined : end).replace(/^[\s>#-]*(?:\d+[.)]\s+|[*+]\s+)?/, '');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Text as rendered, roughly: without markdown's bold/italic stars and code marks (`_` is kept: snake_case). */
function plain(text: string): string {
  return text.replace(/[*`]/g, '').replace(/…$/, '');
}

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}
