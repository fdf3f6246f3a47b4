/**
 * Whole-file blocks of a multi-file answer: telling a block that restates the whole file from one
 * that restates a region of it, and writing a whole-file block in the file's own line endings,
 * indentation and final newline. Pure.
 *
 * The rule (a region taken for the whole file would delete the code around it, so it is strict):
 * a block is the whole file when
 *   1. it has no elisions (`// ... existing code ...`),
 *   2. it starts like the file: the file has no more non-blank lines before the first line the two
 *      share than the block has (each leading file line is accounted for by a leading block line),
 *      or the block opens with an import and the file's lines before the first shared one are
 *      all imports (the block restates the imports, less one it removed),
 *   3. it ends like the file, by the same measure at the end, and
 *   4. it covers most of the file: at least half of the file's non-blank lines occur in it, in order
 *      (equal lines; or, in a file of up to 150 lines, 80% of its lines equal or similar, so that a
 *      rename through every line is still the whole file, not a region that keeps the old lines
 *      next to the new);
 * or the file has at most two non-blank lines (too short to tell; the review shows the change).
 * Anything else is a region, placed by content like Apply to selection. A whole file that drops
 * its first or last lines (a leading comment, a trailing function) is therefore planned as a
 * region: the change around it still applies and the dropped lines stay, which the review shows;
 * code is never lost. (Dropped imports at the top are the exception above: the block visibly
 * restates that section.)
 */

import { matchLines } from './lineDiff';
import { FUZZY_THRESHOLD } from './align';
import { isTrivialLine, lineKey, lineSimilarity } from './similarity';
import { detectIndentStyle, isBlank, leadingWhitespace, measureIndent, renderIndent, TextModel } from './textModel';

/** Of the file's non-blank lines, at least this share must occur in a whole-file block. */
export const WHOLE_FILE_MIN_COVERAGE = 0.5;

/** Files with at most this many non-blank lines are replaced by any block without elisions. */
export const TINY_FILE_LINES = 2;

const IMPORT_LINE =
  /^\s*(?:import\b|from\s+\S+\s+import\b|#\s*include\b|#import\b|use\s|using\s|require\b|const\s+\w+\s*=\s*require\()/;

/** Whether `blockLines` (no elisions among them) restate the whole of `fileText`; see the rule above. */
export function isWholeFileBlock(fileText: string, blockLines: readonly string[]): boolean {
  const file = new TextModel(fileText).lines.filter((line) => !isBlank(line));
  const block = blockLines.filter((line) => !isBlank(line));
  // A file this short cannot show where a block starts or ends: a block without elisions replaces it.
  if (file.length <= TINY_FILE_LINES) return true;
  if (restatesWhole(file, block, matchLines(file, block, lineKey), WHOLE_FILE_MIN_COVERAGE)) return true;
  // A short file whose lines the block nearly all changed (a rename through every line): its lines
  // pair with similar ones. Taken for a region, such a block would keep the old lines next to the new.
  // Most lines, not half: a region restating one of two look-alike functions pairs half the file.
  return (
    file.length <= FUZZY_WHOLE_FILE_LINES &&
    restatesWhole(file, block, similarPairs(file, block), FUZZY_WHOLE_MIN_COVERAGE)
  );
}

/** With similar lines counted, at least this share of the file's non-blank lines must pair. */
const FUZZY_WHOLE_MIN_COVERAGE = 0.8;

/** Files up to this many non-blank lines may be judged whole by similar lines, not only equal ones. */
const FUZZY_WHOLE_FILE_LINES = 150;

/** The rule above, for pairs of (file, block) indexes in order. */
function restatesWhole(
  file: readonly string[],
  block: readonly string[],
  pairs: readonly (readonly [number, number])[],
  minCoverage: number,
): boolean {
  const first = pairs[0];
  const last = pairs[pairs.length - 1];
  if (!first || !last) return false;
  // A block that opens with the file's imports restates them: an import it lacks was removed.
  const restatesImports =
    IMPORT_LINE.test(block[0] ?? '') && file.slice(0, first[0]).every((line) => IMPORT_LINE.test(line));
  const startsLikeFile = first[0] <= first[1] || restatesImports;
  const endsLikeFile = file.length - 1 - last[0] <= block.length - 1 - last[1];
  return startsLikeFile && endsLikeFile && pairs.length >= file.length * minCoverage;
}

/** The longest in-order pairing of file and block lines that are equal or similar (not trivial lines). */
function similarPairs(file: readonly string[], block: readonly string[]): [number, number][] {
  const n = file.length;
  const m = block.length;
  const same = (i: number, j: number) => {
    const a = file[i] ?? '';
    const b = block[j] ?? '';
    if (lineKey(a) === lineKey(b)) return true;
    return !isTrivialLine(a) && !isTrivialLine(b) && lineSimilarity(a, b) >= FUZZY_THRESHOLD;
  };
  const length = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = length[i] as Uint16Array;
      const below = length[i + 1] as Uint16Array;
      row[j] = same(i, j) ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    const here = length[i]?.[j] ?? 0;
    if (same(i, j) && here === (length[i + 1]?.[j + 1] ?? 0) + 1) pairs.push([i++, j++]);
    else if ((length[i + 1]?.[j] ?? 0) >= (length[i]?.[j + 1] ?? 0)) i++;
    else j++;
  }
  return pairs;
}

/**
 * The new file text from a whole-file block: the file's line ending (its majority), its final
 * newline (or its lack of one), tabs kept tabs (and spaces spaces) when the block re-indented, and
 * unchanged lines kept byte for byte where the block only dropped their trailing whitespace.
 */
export function renderWholeFile(fileText: string, blockLines: readonly string[]): string {
  const model = new TextModel(fileText);
  const lines = reindent(model.lines, trimBlankEdges(blockLines));
  const pairs = matchLines(model.lines, lines, (line) => line.trimEnd());
  const out = [...lines];
  for (const [d, j] of pairs) out[j] = model.lines[d] ?? out[j] ?? '';
  const finalNewline = fileText === '' || /\r?\n$/.test(fileText);
  return out.join(model.eol) + (finalNewline ? model.eol : '');
}

/** A new file's text: LF line endings and a final newline. */
export function renderNewFile(blockLines: readonly string[]): string {
  return `${trimBlankEdges(blockLines).join('\n')}\n`;
}

function trimBlankEdges(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start] ?? '')) start++;
  while (end > start && isBlank(lines[end - 1] ?? '')) end--;
  return lines.slice(start, end).map((line) => (isBlank(line) ? '' : line));
}

/** The block's indentation in the file's style when one uses tabs and the other spaces. */
function reindent(fileLines: readonly string[], blockLines: readonly string[]): string[] {
  const fileStyle = detectIndentStyle(fileLines);
  const blockStyle = detectIndentStyle(blockLines);
  if (!fileStyle || !blockStyle || fileStyle.useTabs === blockStyle.useTabs) return [...blockLines];
  const from = { useTabs: blockStyle.useTabs, unit: blockStyle.unit || fileStyle.unit || 4 };
  const to = { useTabs: fileStyle.useTabs, unit: fileStyle.unit || blockStyle.unit || 4 };
  return blockLines.map((line) =>
    isBlank(line) ? line : renderIndent(measureIndent(line, from), to) + line.slice(leadingWhitespace(line).length),
  );
}
