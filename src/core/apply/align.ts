/**
 * Locates a code block in the document by content: a dynamic-programming alignment of the block's
 * lines (in order) to a contiguous region of document lines that must contain the selection.
 *
 * Score per document line in the region: +1 paired with an equal block line, +0.5 paired with a
 * similar one inside the selection (a changed line), -0.6 with a very similar one outside it,
 * -1 left unpaired (it would be replaced), -0.1 for a blank line (blank lines never pair).
 * An unpaired block line is an insertion and costs -0.5. So the region grows past the selection
 * only where the block repeats the code there (the whole function returned for a one-line
 * selection), and a lone similar line outside stays (the new line is inserted next to it).
 * An elision line in the block absorbs any run of document lines at almost no cost; those lines are
 * kept verbatim.
 */

import { measureIndent, type IndentStyle } from './textModel';

interface LineInfo {
  /** Interned whitespace-normalized content; 0 for a blank line. */
  readonly key: number;
  readonly trivial: boolean;
  readonly level: number;
  /** Interned word tokens, sorted. */
  readonly tokens: readonly number[];
}
import { isTrivialLine, lineKey, wordTokens } from './similarity';

export type PairKind = 'exact' | 'fuzzy';

export interface AlignInput {
  readonly doc: readonly string[];
  readonly block: readonly string[];
  readonly elision: readonly boolean[];
  /** The region must start at or before this line and end at or after `mustEnd`. */
  readonly mustStart: number;
  readonly mustEnd: number;
  readonly docStyle: IndentStyle;
  readonly blockStyle: IndentStyle;
  /** Indent levels (document minus block) a trivial line must show to pair; undefined: any. */
  readonly trivialDelta?: number;
}

export interface Alignment {
  /** Region of document lines, inclusive. */
  readonly start: number;
  readonly end: number;
  /** Per block line: the document line it pairs with. */
  readonly pairs: readonly (number | undefined)[];
  readonly kinds: readonly (PairKind | undefined)[];
  /** Per block line: the document lines an elision stands for (empty for other lines). */
  readonly absorbed: readonly number[][];
}

const EXACT = 1;
const SIMILAR = 0.5;
const SIMILAR_OUTSIDE = -0.6;
/** A block line paired with nothing is new code; it costs a little, so an elision never swallows
 * lines the block itself repeats. */
const INSERTED = -0.5;
const UNPAIRED = -1;
const UNPAIRED_BLANK = -0.1;
/** An elision absorbing a line: nearly free, so the shortest expansion wins ties. */
const ABSORB = -0.001;
/** Every region line costs a hair, so of equal alignments the smaller region wins. */
const LINE = -0.000001;
export const FUZZY_THRESHOLD = 0.6;
const OUTSIDE_THRESHOLD = 0.75;

const UP = 1;
const DIAG = 2;
const LEFT = 3;
const FRESH = 4;

export function alignBlock(input: AlignInput): Alignment {
  const { doc, block, elision, mustStart, mustEnd } = input;
  const n = block.length;
  const margin = n + 20;
  const first = Math.max(0, mustStart - margin);
  const last = Math.min(doc.length - 1, mustEnd + margin);
  const m = last - first + 1;
  const width = n + 1;
  const score = new Float64Array((m + 1) * width).fill(-Infinity);
  const choice = new Uint8Array((m + 1) * width);

  // Everything a cell needs is computed once per line: keys interned to numbers, word tokens too.
  const interned = new Map<string, number>();
  const intern = (text: string) => {
    let id = interned.get(text);
    if (id === undefined) {
      id = interned.size + 1;
      interned.set(text, id);
    }
    return id;
  };
  const describe = (line: string, style: IndentStyle): LineInfo => {
    const key = lineKey(line);
    return {
      key: key === '' ? 0 : intern(key),
      trivial: isTrivialLine(line),
      level: measureIndent(line, style).levels,
      tokens: wordTokens(key)
        .map(intern)
        .sort((a, b) => a - b),
    };
  };
  const docInfo = doc.slice(first, last + 1).map((line) => describe(line, input.docStyle));
  const blockInfo = block.map((line) => describe(line, input.blockStyle));

  const match = (i: number, j: number): number | undefined => {
    const docLine = docInfo[i];
    const blockLine = blockInfo[j];
    // Blank lines never pair: which of several blank lines "matched" is a guess, and a wrong guess
    // would move or drop blank lines around the fix.
    if (!docLine || !blockLine || docLine.key === 0 || blockLine.key === 0) return undefined;
    if (docLine.key === blockLine.key) {
      if (
        blockLine.trivial &&
        input.trivialDelta !== undefined &&
        docLine.level - blockLine.level !== input.trivialDelta
      )
        return undefined;
      return EXACT;
    }
    if (blockLine.trivial || docLine.trivial) return undefined;
    const d = first + i;
    const inside = d >= mustStart && d <= mustEnd;
    const similarity = sortedDice(docLine.tokens, blockLine.tokens, inside ? FUZZY_THRESHOLD : OUTSIDE_THRESHOLD);
    if (inside) return similarity >= FUZZY_THRESHOLD ? SIMILAR : undefined;
    // Outside the selection a similar line may be a neighbour the fix must keep: it pairs only when
    // very similar, and at a cost, so only an equal line further out can pull the region over it.
    return similarity >= OUTSIDE_THRESHOLD ? SIMILAR_OUTSIDE : undefined;
  };

  const insertion = blockInfo.map((line, j) => (elision[j] || line.key === 0 ? 0 : INSERTED));
  // Starting the region with j block lines already used means inserting them first.
  const startCost = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) startCost[j + 1] = (startCost[j] ?? 0) + (insertion[j] ?? 0);

  for (let i = 0; i < m; i++) {
    const d = first + i;
    const canStart = d <= mustStart;
    const unpaired = docInfo[i]?.key === 0 ? UNPAIRED_BLANK : UNPAIRED;
    const row = i * width;
    const next = (i + 1) * width;
    for (let j = 0; j <= n; j++) {
      let best = -Infinity;
      let chosen = 0;
      // The best way to have reached doc line d with j block lines used: continue, or start here.
      let upFrom = score[row + j] ?? -Infinity;
      let upFlag = 0;
      if (canStart && (startCost[j] ?? -Infinity) >= upFrom) {
        upFrom = startCost[j] ?? -Infinity;
        upFlag = FRESH;
      }
      if (upFrom > -Infinity) {
        const value = upFrom + (j < n && elision[j] ? ABSORB : unpaired) + LINE;
        if (value > best) {
          best = value;
          chosen = UP | upFlag;
        }
      }
      if (j > 0 && !elision[j - 1]) {
        let diagFrom = score[row + j - 1] ?? -Infinity;
        let diagFlag = 0;
        if (canStart && (startCost[j - 1] ?? -Infinity) >= diagFrom) {
          diagFrom = startCost[j - 1] ?? -Infinity;
          diagFlag = FRESH;
        }
        const gain = diagFrom > -Infinity ? match(i, j - 1) : undefined;
        if (gain !== undefined) {
          const value = diagFrom + gain + LINE;
          if (value > best) {
            best = value;
            chosen = DIAG | diagFlag;
          }
        }
      }
      if (j > 0) {
        const value = (score[next + j - 1] ?? -Infinity) + (insertion[j - 1] ?? 0);
        if (value > best) {
          best = value;
          chosen = LEFT;
        }
      }
      score[next + j] = best;
      choice[next + j] = chosen;
    }
  }

  let endRow = -1;
  let bestEnd = -Infinity;
  for (let i = Math.max(1, mustEnd - first + 1); i <= m; i++) {
    const value = score[i * width + n] ?? -Infinity;
    if (value > bestEnd) {
      bestEnd = value;
      endRow = i;
    }
  }

  const pairs: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
  const kinds: (PairKind | undefined)[] = new Array<PairKind | undefined>(n).fill(undefined);
  const absorbed: number[][] = block.map(() => []);
  let i = endRow;
  let j = n;
  let start = first + endRow - 1;
  while (i > 0) {
    const code = choice[i * width + j] ?? 0;
    const step = code & 3;
    const d = first + i - 1;
    if (step === LEFT) {
      j--;
      continue;
    }
    if (step === UP) {
      if (j < n && elision[j]) absorbed[j]?.unshift(d);
    } else if (step === DIAG) {
      pairs[j - 1] = d;
      kinds[j - 1] = docInfo[i - 1]?.key === blockInfo[j - 1]?.key ? 'exact' : 'fuzzy';
      j--;
    } else {
      break; // unreachable: every finite score has a path
    }
    i--;
    start = d;
    if (code & FRESH) break;
  }
  return { start, end: first + endRow - 1, pairs, kinds, absorbed };
}

/** Dice coefficient of two sorted token lists; 0 early when it cannot reach `atLeast`. */
function sortedDice(a: readonly number[], b: readonly number[], atLeast: number): number {
  const total = a.length + b.length;
  if (total === 0 || (2 * Math.min(a.length, b.length)) / total < atLeast) return 0;
  let shared = 0;
  for (let x = 0, y = 0; x < a.length && y < b.length;) {
    const left = a[x] ?? 0;
    const right = b[y] ?? 0;
    if (left === right) {
      shared++;
      x++;
      y++;
    } else if (left < right) x++;
    else y++;
  }
  return (2 * shared) / total;
}
