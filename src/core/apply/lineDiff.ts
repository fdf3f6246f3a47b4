/**
 * Line diffs: which lines two texts share (a longest common subsequence by Myers' O(ND) algorithm),
 * the +/− line counts the review shows, and a unified diff for the command line. Pure.
 */

/** Pairs [index in a, index in b] of equal lines, both ascending. */
export type LinePairs = readonly (readonly [number, number])[];

/** Beyond this many differing lines the middle is not matched further (reported as all changed). */
const MAX_EDIT_DISTANCE = 4000;

/**
 * The lines `a` and `b` have in common, in order. Lines compare by `key` (identity by default).
 * Common leading and trailing lines are matched first, then Myers' algorithm matches the middle.
 */
export function matchLines(
  a: readonly string[],
  b: readonly string[],
  key: (line: string) => string = (line) => line,
): LinePairs {
  const ids = new Map<string, number>();
  const id = (line: string) => {
    const k = key(line);
    let value = ids.get(k);
    if (value === undefined) {
      value = ids.size;
      ids.set(k, value);
    }
    return value;
  };
  const x = a.map(id);
  const y = b.map(id);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const pairs: [number, number][] = [];
  for (let index = 0; index < start; index++) pairs.push([index, index]);
  for (const [i, j] of myers(x.slice(start, endX), y.slice(start, endY))) pairs.push([i + start, j + start]);
  for (let offset = 0; endX + offset < x.length; offset++) pairs.push([endX + offset, endY + offset]);
  return pairs;
}

/** Myers' greedy LCS with a saved frontier per edit distance, walked back for the matched pairs. */
function myers(x: readonly number[], y: readonly number[]): [number, number][] {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return [];
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      let i =
        k === -d || (k !== d && (frontier[offset + k - 1] ?? 0) < (frontier[offset + k + 1] ?? 0))
          ? (frontier[offset + k + 1] ?? 0)
          : (frontier[offset + k - 1] ?? 0) + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) {
        i++;
        j++;
      }
      frontier[offset + k] = i;
      if (i >= n && j >= m) found = d;
    }
    trace.push(frontier.slice(offset - d - 1, offset + d + 2));
  }
  if (found < 0) return [];
  // Walk back from (n, m): each step came from a neighbouring diagonal, followed by a snake.
  const pairs: [number, number][] = [];
  let i = n;
  let j = m;
  for (let d = found; d > 0; d--) {
    const previous = trace[d - 1] as Int32Array;
    // previous holds diagonals -(d) .. d (index k + d).
    const at = (k: number) => previous[k + d] ?? 0;
    const k = i - j;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousI = at(previousK);
    const previousJ = previousI - previousK;
    const startI = down ? previousI : previousI + 1;
    const startJ = down ? previousJ + 1 : previousJ;
    while (i > startI && j > startJ) {
      i--;
      j--;
      pairs.push([i, j]);
    }
    i = previousI;
    j = previousJ;
  }
  while (i > 0 && j > 0) {
    i--;
    j--;
    pairs.push([i, j]);
  }
  return pairs.reverse();
}

/** A text's lines for diffing: split on LF (a CR stays with its line); a final newline ends the last line. */
export function diffLinesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines added and removed going from `before` to `after` (a changed line counts once each way). */
export function countChangedLines(before: string, after: string): { added: number; removed: number } {
  const a = diffLinesOf(before);
  const b = diffLinesOf(after);
  const common = matchLines(a, b).length;
  return { added: b.length - common, removed: a.length - common };
}

const CONTEXT = 3;
const NO_NEWLINE = '\\ No newline at end of file';

/**
 * A unified diff (`diff -u` / `git diff` format) of one file; `undefined` for a text that does not
 * exist (a created or deleted file). Empty when nothing changed.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined): string {
  const a = diffLinesOf(before ?? '');
  const b = diffLinesOf(after ?? '');
  const aEndsOpen = before !== undefined && before !== '' && !before.endsWith('\n');
  const bEndsOpen = after !== undefined && after !== '' && !after.endsWith('\n');
  // A missing final newline makes the last line differ from the same line with one.
  const keyA = (index: number) => `${a[index] ?? ''}${aEndsOpen && index === a.length - 1 ? '' : '\n'}`;
  const keyB = (index: number) => `${b[index] ?? ''}${bEndsOpen && index === b.length - 1 ? '' : '\n'}`;
  const pairs = matchLines(
    a.map((_, index) => keyA(index)),
    b.map((_, index) => keyB(index)),
  );
  type Row = { readonly kind: ' ' | '-' | '+'; readonly text: string; readonly open: boolean };
  const rows: { row: Row; aLine: number; bLine: number }[] = [];
  let i = 0;
  let j = 0;
  const push = (kind: Row['kind'], text: string, open: boolean) =>
    rows.push({ row: { kind, text, open }, aLine: i, bLine: j });
  for (const [pi, pj] of [...pairs, [a.length, b.length] as const]) {
    for (; i < pi; i++) push('-', a[i] ?? '', aEndsOpen && i === a.length - 1);
    for (; j < pj; j++) push('+', b[j] ?? '', bEndsOpen && j === b.length - 1);
    if (pi < a.length && pj < b.length) {
      push(' ', a[pi] ?? '', aEndsOpen && pi === a.length - 1);
      i++;
      j++;
    }
  }
  const changed = rows.map((entry, index) => (entry.row.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  const header = [
    before === undefined ? '--- /dev/null' : `--- a/${path}`,
    after === undefined ? '+++ /dev/null' : `+++ b/${path}`,
  ];
  const hunks: string[] = [];
  let cursor = 0;
  while (cursor < changed.length) {
    const first = Math.max(0, (changed[cursor] ?? 0) - CONTEXT);
    let last = (changed[cursor] ?? 0) + CONTEXT;
    cursor++;
    while (cursor < changed.length && (changed[cursor] ?? 0) - CONTEXT <= last + 1) {
      last = (changed[cursor] ?? 0) + CONTEXT;
      cursor++;
    }
    last = Math.min(last, rows.length - 1);
    const slice = rows.slice(first, last + 1);
    const aCount = slice.filter((entry) => entry.row.kind !== '+').length;
    const bCount = slice.filter((entry) => entry.row.kind !== '-').length;
    const aStart = (slice[0]?.aLine ?? 0) + (aCount === 0 ? 0 : 1);
    const bStart = (slice[0]?.bLine ?? 0) + (bCount === 0 ? 0 : 1);
    const lines = [`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`];
    for (const { row } of slice) {
      lines.push(`${row.kind}${row.text}`);
      if (row.open) lines.push(NO_NEWLINE);
    }
    hunks.push(lines.join('\n'));
  }
  return `${[...header, ...hunks].join('\n')}\n`;
}

function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start},${count}`;
}
