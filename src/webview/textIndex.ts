/**
 * The rendered text of a part of the panel as one string, mapped back to its DOM text nodes: what
 * find and the thought's outline search. Built by one walk over the text nodes (no layout, no DOM
 * change), so a 50,000-token thought indexes in a few milliseconds; a match becomes a Range over the
 * nodes, which the CSS Custom Highlight API paints without touching the DOM.
 */

import { foldCase } from '../core/foldCase';

/**
 * Text that is chrome, not content: a code block's language label (its buttons hold no text).
 * Checked on the text node's parent, so the walk itself runs without a filter callback.
 */
function isChrome(parent: Element): boolean {
  return parent.className === 'language' && parent.parentElement?.className === 'code-block-header';
}

export interface TextIndex {
  /** Every text node's data, in document order, joined. */
  readonly text: string;
  /** `text` case-folded, same length (offsets are shared). */
  readonly folded: string;
  readonly nodes: readonly Text[];
  /** Offset of each node's first character in `text`. */
  readonly starts: readonly number[];
}

export function indexText(root: Node): TextIndex {
  const nodes: Text[] = [];
  const starts: number[] = [];
  const pieces: string[] = [];
  let length = 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const data = node.data;
    if (!data || isChrome(node.parentNode as Element)) continue;
    nodes.push(node);
    starts.push(length);
    pieces.push(data);
    length += data.length;
  }
  const text = pieces.join('');
  return { text, folded: foldCase(text), nodes, starts };
}

/** Start offsets of `needle` (already folded) in the index, at most `limit` of them. */
export function findOffsets(index: TextIndex, needle: string, limit: number): number[] {
  const found: number[] = [];
  if (!needle) return found;
  for (let at = index.folded.indexOf(needle); at !== -1 && found.length < limit;) {
    found.push(at);
    at = index.folded.indexOf(needle, at + needle.length);
  }
  return found;
}

/** The Range over characters [start, end) of the index. */
export function rangeOf(index: TextIndex, start: number, end: number): Range {
  const range = document.createRange();
  const [startNode, startOffset] = locate(index, start, false);
  const [endNode, endOffset] = locate(index, end, true);
  range.setStart(startNode, startOffset);
  range.setEnd(endNode, endOffset);
  return range;
}

/** The node holding offset `at` (for an end offset, the node it ends in, not the next one's start). */
function locate(index: TextIndex, at: number, isEnd: boolean): [Text, number] {
  const { starts, nodes } = index;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! < at || (!isEnd && starts[mid] === at)) low = mid;
    else high = mid - 1;
  }
  return [nodes[low]!, at - starts[low]!];
}

/** Frames a scroll keeps correcting itself while skipped chunks get laid out. */
const SETTLE_FRAMES = 20;

/**
 * Brings a range into the middle of its scrolling transcript. A range in a chunk the browser skips
 * (content-visibility) has no box yet, or one placed by estimated chunk heights: its element is
 * scrolled to first, and the position is checked again once the next frames have laid out the
 * chunks that came into view.
 */
export function scrollRangeIntoView(range: Range): void {
  const element = range.startContainer.parentElement;
  if (!element) return;
  const scroller = element.closest<HTMLElement>('.transcript');
  if (!scroller) {
    element.scrollIntoView({ block: 'center' });
    return;
  }
  const adjust = (): boolean => {
    let rect = range.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) {
      element.scrollIntoView({ block: 'center' });
      rect = range.getBoundingClientRect();
    }
    const box = scroller.getBoundingClientRect();
    if (rect.top >= box.top && rect.bottom <= box.bottom) return false;
    scroller.scrollTop += rect.top - box.top - box.height / 2 + rect.height / 2;
    return true;
  };
  if (!adjust()) return;
  // Until the range stays put in view for two frames (at most SETTLE_FRAMES).
  let frames = 0;
  let steady = 0;
  let lastTop = NaN;
  const again = () => {
    const moved = adjust();
    const top = range.getBoundingClientRect().top;
    steady = !moved && top === lastTop ? steady + 1 : 0;
    lastTop = top;
    if (steady < 2 && ++frames < SETTLE_FRAMES) requestAnimationFrame(again);
  };
  requestAnimationFrame(again);
}

/** Sets (or, with no ranges, removes) a named CSS highlight; nothing where the API is missing. */
export function setHighlight(name: string, ranges: readonly Range[]): void {
  if (typeof Highlight === 'undefined' || !('highlights' in CSS)) return;
  if (ranges.length === 0) CSS.highlights.delete(name);
  else CSS.highlights.set(name, new Highlight(...ranges));
}
