/**
 * Find in the panel (Ctrl/Cmd+F, or the view's Find button): searches every turn's question,
 * thought and answer, folded thoughts included (the current match opens its fold), paints the
 * matches with the CSS Custom Highlight API (the DOM is never rewritten), shows "3 of 17", and
 * moves with Enter / Shift+Enter. Escape closes it and gives the focus back.
 *
 * What is searched: every element marked `data-find-region` in the transcript. Each region's text is
 * indexed once (textIndex.ts) and kept until a mutation inside it; while the bar is open, streamed
 * text is searched again at most every LIVE_REFRESH_MS, without moving the view.
 */

import { foldCase } from '../core/foldCase';
import { element, iconButton } from './dom';
import { findOffsets, indexText, rangeOf, scrollRangeIntoView, setHighlight, type TextIndex } from './textIndex';

/** Matches highlighted and counted; past this the count reads "1000+". */
export const FIND_MATCH_LIMIT = 1000;
/** The attribute that marks a searchable part of a turn. */
export const FIND_REGION_ATTRIBUTE = 'data-find-region';
const HIGHLIGHT = 'r1-find';
const HIGHLIGHT_CURRENT = 'r1-find-current';
const LIVE_REFRESH_MS = 250;

export interface FindHooks {
  /** The match is about to be shown: open whatever folds it (a folded thought). */
  reveal(node: Node): void;
  /** The bar closed: the focus goes back (to the question input). */
  closed(): void;
}

export class FindBar {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly indexes = new Map<Element, TextIndex>();
  private readonly observer: MutationObserver;
  private matches: Range[] = [];
  private capped = false;
  private current = -1;
  private liveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly transcript: HTMLElement,
    private readonly hooks: FindHooks,
  ) {
    this.element = element('div', 'find-bar');
    this.element.setAttribute('role', 'search');
    this.element.dataset.testid = 'find-bar';
    this.element.hidden = true;
    this.input = document.createElement('input');
    this.input.type = 'text';
    this.input.placeholder = 'Find';
    this.input.setAttribute('aria-label', 'Find in conversation');
    this.input.dataset.testid = 'find-input';
    this.count = element('span', 'find-count');
    this.count.dataset.testid = 'find-count';
    this.count.setAttribute('aria-live', 'polite');
    const previous = iconButton('arrow-up', 'Previous match (Shift+Enter)', 'find-previous');
    const next = iconButton('arrow-down', 'Next match (Enter)', 'find-next');
    const close = iconButton('close', 'Close (Escape)', 'find-close');
    for (const button of [previous, next, close]) button.type = 'button';
    this.element.append(this.input, this.count, previous, next, close);

    this.input.addEventListener('input', () => this.search(true));
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) this.move(event.shiftKey ? -1 : 1);
      else if (event.key === 'Escape') this.close();
      else return;
      // Not the panel's own Enter/Escape (send, stop), nor VS Code's.
      event.preventDefault();
      event.stopPropagation();
    });
    previous.addEventListener('click', () => this.move(-1));
    next.addEventListener('click', () => this.move(1));
    close.addEventListener('click', () => this.close());

    this.observer = new MutationObserver((records) => this.changed(records));
    // Capture phase on the window: before the panel's handlers and before VS Code's webview script
    // forwards the key to the workbench (whose own find must not open as well).
    window.addEventListener('keydown', (event) => this.onKey(event), { capture: true });
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Opens the bar (or, if open, selects its text), seeded with a short selection of the page. */
  open(): void {
    const selected = window.getSelection()?.toString() ?? '';
    const seed = selected && selected.length <= 200 && !selected.includes('\n') ? selected : undefined;
    if (!this.isOpen) {
      this.element.hidden = false;
      this.observer.observe(this.transcript, { childList: true, subtree: true, characterData: true });
    }
    if (seed !== undefined) this.input.value = seed;
    this.input.focus();
    this.input.select();
    this.search(true);
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.observer.disconnect();
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
    this.indexes.clear();
    this.matches = [];
    this.current = -1;
    setHighlight(HIGHLIGHT, []);
    setHighlight(HIGHLIGHT_CURRENT, []);
    this.hooks.closed();
  }

  private onKey(event: KeyboardEvent): void {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      event.stopPropagation();
      this.open();
    } else if (this.isOpen && event.key === 'F3') {
      event.preventDefault();
      event.stopPropagation();
      this.move(event.shiftKey ? -1 : 1);
    }
  }

  /**
   * Searches again. `jump`: the query changed, so the current match is shown (opening its fold);
   * otherwise (text streamed in) the view stays where it is.
   */
  private search(jump: boolean): void {
    const query = foldCase(this.input.value);
    const previous = this.matches[this.current];
    const regions = this.transcript.querySelectorAll(`[${FIND_REGION_ATTRIBUTE}]`);
    const live = new Set<Element>();
    const matches: Range[] = [];
    let capped = false;
    if (query) {
      for (const region of regions) {
        live.add(region);
        let index = this.indexes.get(region);
        if (!index) {
          index = indexText(region);
          this.indexes.set(region, index);
        }
        const room = FIND_MATCH_LIMIT - matches.length;
        const offsets = findOffsets(index, query, room + 1);
        if (offsets.length > room) {
          offsets.length = room;
          capped = true;
        }
        for (const offset of offsets) matches.push(rangeOf(index, offset, offset + query.length));
        if (capped) break;
      }
    }
    // Regions that left the transcript (a new chat, a reloaded state) are forgotten.
    for (const region of this.indexes.keys()) if (!live.has(region)) this.indexes.delete(region);
    this.matches = matches;
    this.capped = capped;
    // Stay at (or just after) the match that was current: typing more keeps the place.
    this.current = matches.length === 0 ? -1 : 0;
    if (previous && matches.length) {
      const at = matches.findIndex((range) => range.compareBoundaryPoints(Range.START_TO_START, previous) >= 0);
      this.current = at === -1 ? 0 : at;
    }
    setHighlight(HIGHLIGHT, matches);
    this.showCurrent(jump);
  }

  private move(step: number): void {
    if (this.matches.length === 0) return;
    this.current = (this.current + step + this.matches.length) % this.matches.length;
    this.showCurrent(true);
  }

  private showCurrent(jump: boolean): void {
    const range = this.matches[this.current];
    setHighlight(HIGHLIGHT_CURRENT, range ? [range] : []);
    const total = `${this.matches.length}${this.capped ? '+' : ''}`;
    this.count.textContent = !this.input.value ? '' : range ? `${this.current + 1} of ${total}` : 'No results';
    this.element.dataset.state = !this.input.value ? 'empty' : range ? 'found' : 'none';
    if (!range || !jump) return;
    this.hooks.reveal(range.startContainer);
    scrollRangeIntoView(range);
  }

  /** Text changed under some regions: their indexes are stale; search again soon. */
  private changed(records: readonly MutationRecord[]): void {
    for (const record of records) {
      const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentNode;
      const region = (target as Element | null)?.closest?.(`[${FIND_REGION_ATTRIBUTE}]`);
      if (region) this.indexes.delete(region);
      else if (record.type === 'childList') {
        // Turns or regions added or removed (or an unknown place): index again from scratch.
        for (const node of record.removedNodes) if (node instanceof Element) this.forget(node);
      }
    }
    if (this.liveTimer !== undefined || !this.input.value) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      if (this.isOpen) this.search(false);
    }, LIVE_REFRESH_MS);
  }

  private forget(removed: Element): void {
    for (const region of this.indexes.keys()) if (removed.contains(region)) this.indexes.delete(region);
  }
}
