/**
 * Cutting one attachment down to a token target: choose which lines to keep by its strategy
 * (head and tail, the region around the focus, …), render, count with the caller's counter, and
 * correct the character target from what the count says — a few rounds, keeping the fullest
 * rendering that fits.
 */

import {
  lineCosts,
  renderSection,
  type KeptRanges,
  type RenderedSection,
  type SectionSource,
  type TrimStrategy,
} from './render';
import type { LineSpan, TokenCounter } from './types';

export interface CountedSection extends RenderedSection {
  readonly tokens: number;
}

const ROUNDS = 8;
/** Close enough to the target to stop refining. */
const GOOD_FILL = 0.92;

/** The section cut to at most `target` tokens (only its header and a marker when even one line is too many). */
export function trimSection(
  source: SectionSource,
  target: number,
  countTokens: TokenCounter,
  full?: { readonly chars: number; readonly tokens: number },
): CountedSection {
  const costs = lineCosts(source);
  const totalChars = costs.reduce((sum, cost) => sum + cost, 0);
  const charsPerToken = full && full.tokens > 0 ? full.chars / full.tokens : 3;
  let charTarget = Math.max(0, target * charsPerToken);
  let best: CountedSection | undefined;
  let lastKey = '';
  for (let round = 0; round < ROUNDS; round++) {
    const ranges = selectLines(costs, source.strategy, source.focus, charTarget);
    const key = JSON.stringify(ranges);
    if (key === lastKey) break; // the target moved too little to change the selection
    lastKey = key;
    const rendered = renderSection(source, ranges);
    const tokens = countTokens(rendered.text);
    if (tokens <= target) {
      if (!best || tokens > best.tokens) best = { ...rendered, tokens };
      const keptAll = charTarget >= totalChars;
      if (keptAll || tokens >= target * GOOD_FILL) break;
      charTarget *= Math.min(2, target / Math.max(1, tokens));
    } else {
      charTarget *= (target / tokens) * 0.95;
    }
  }
  if (best) return best;
  const bare = renderSection(source, []);
  return { ...bare, tokens: countTokens(bare.text) };
}

/** Which lines fit in `chars` characters, by strategy. */
export function selectLines(
  costs: readonly number[],
  strategy: TrimStrategy,
  focus: LineSpan | undefined,
  chars: number,
): KeptRanges {
  const count = costs.length;
  if (count === 0) return [];
  const cost = (index: number) => costs[index] ?? 0;
  switch (strategy) {
    case 'head':
    case 'tail': {
      let used = 0;
      let taken = 0;
      while (taken < count) {
        const index = strategy === 'head' ? taken : count - 1 - taken;
        if (used + cost(index) > chars) break;
        used += cost(index);
        taken++;
      }
      if (taken === 0) return [];
      return strategy === 'head' ? [[0, taken - 1]] : [[count - taken, count - 1]];
    }
    case 'middle': {
      let used = 0;
      let head = 0;
      while (head < count && used + cost(head) <= chars / 2) used += cost(head++);
      let tail = count;
      while (tail > head && used + cost(tail - 1) <= chars) used += cost(--tail);
      // The tail may leave room the head could not use: give it back to the head.
      while (head < tail && used + cost(head) <= chars) used += cost(head++);
      return joinRanges(head > 0 ? [0, head - 1] : undefined, tail < count ? [tail, count - 1] : undefined);
    }
    case 'focus': {
      const start = Math.min(focus?.first ?? 0, count - 1);
      const end = Math.min(Math.max(focus?.last ?? start, start), count - 1);
      let used = 0;
      let first = start;
      let last = start - 1;
      // The focus itself first, from its top; then grow around it, one line on each side in turn.
      while (last < end && used + cost(last + 1) <= chars) used += cost(++last);
      if (last < end) return last >= first ? [[first, last]] : [];
      let above = true;
      let canAbove = first > 0;
      let canBelow = last < count - 1;
      while (canAbove || canBelow) {
        if (above && canAbove) {
          if (used + cost(first - 1) <= chars) {
            used += cost(--first);
            canAbove = first > 0;
          } else canAbove = false;
        } else if (!above && canBelow) {
          if (used + cost(last + 1) <= chars) {
            used += cost(++last);
            canBelow = last < count - 1;
          } else canBelow = false;
        }
        above = !above;
      }
      return [[first, last]];
    }
  }
}

function joinRanges(head: [number, number] | undefined, tail: [number, number] | undefined): KeptRanges {
  if (head && tail && tail[0] === head[1] + 1) return [[head[0], tail[1]]];
  return [head, tail].filter((range): range is [number, number] => range !== undefined);
}
