/**
 * Where the prepared block goes: whole lines (found by content, grown to the lines around the
 * selection it pairs with, elisions expanded from the original) or just the selected span.
 */

import { alignBlock, type Alignment } from './align';
import { checkElisions, checkPartial, refuse, type Refusal } from './editChecks';
import {
  modalDelta,
  normalizeFirstLine,
  outermostLevels,
  resolveBlockStyle,
  sameIndent,
  type PreparedBlock,
} from './indentInference';
import { isTrivialLine, lineSimilarity, wordTokens } from './similarity';
import { type TextModel, isBlank, leadingWhitespace, measureIndent, renderIndent, type Range0 } from './textModel';

export interface Placement {
  readonly kind: 'ok';
  readonly range: Range0;
  readonly newText: string;
}

/** Decides between replacing whole lines (found by content) and replacing just the selected span. */
export function placeBlock(
  model: TextModel,
  selection: Range0,
  startLine: number,
  endLine: number,
  block: PreparedBlock,
): Placement | Refusal {
  const firstLine = model.line(startLine);
  const prefix = firstLine.slice(0, selection.start.character);
  const endsAtLineStart = endLine < selection.end.line;
  const suffix = endsAtLineStart ? '' : model.line(endLine).slice(selection.end.character);
  const empty = model.offsetAt(selection.start) === model.offsetAt(selection.end);
  if (empty || (prefix.trim() === '' && suffix.trim() === ''))
    return placeLines(model, startLine, endLine, block, selection);

  const code = block.lines.filter((line, index) => !block.elision[index] && !isBlank(line));
  const hasElision = block.elision.some(Boolean);
  const prefixBlank = prefix.trim() === '';
  const suffixBlank = suffix.trim() === '';
  const selectedWords = wordTokens(model.getText(selection));
  const blockFirstWord = wordTokens(code[0] ?? '')[0];
  // The block restates the start of the line: it repeats the unselected text before the selection,
  // or opens with the line's first word (`return …`) where the selection does not.
  const startsLikeLine =
    !prefixBlank &&
    (squash(code[0] ?? '').startsWith(squash(prefix)) ||
      (blockFirstWord !== undefined &&
        blockFirstWord === wordTokens(prefix)[0] &&
        !selectedWords.includes(blockFirstWord)));
  // It restates the end of the line when it repeats the text after the selection, or when keeping
  // that text would unbalance the brackets of a block that restates the start (`…)` after `f(…)`).
  const original = model.lines.slice(startLine, endLine + 1).join('\n');
  const blockText = code.join('\n');
  const endsLikeLine =
    suffixBlank ||
    squash(code[code.length - 1] ?? '').endsWith(squash(suffix)) ||
    (startsLikeLine &&
      bracketBalance(blockText) === bracketBalance(original) &&
      bracketBalance(blockText + suffix) !== bracketBalance(original));
  if (hasElision || (code.length > 1 && (prefixBlank || startsLikeLine) && endsLikeLine))
    return placeLines(model, startLine, endLine, block, selection);
  if (code.length > 1) {
    // The block may be the enclosing statement or function: then it pairs with lines around.
    const lines = placeLines(model, startLine, endLine, block, selection);
    if (lines.kind === 'ok' && lines.grew) return lines;
  }
  return placeSpan(model, selection, startLine, block, startsLikeLine, !suffixBlank && endsLikeLine);
}

/** Opening minus closing brackets, a rough measure of whether a fragment is complete. */
function bracketBalance(text: string): number {
  let balance = 0;
  for (const char of text) {
    if (char === '(' || char === '[' || char === '{') balance++;
    else if (char === ')' || char === ']' || char === '}') balance--;
  }
  return balance;
}

/** Whitespace-insensitive form for comparing fragments of lines. */
function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/**
 * Replaces part of a line (or of a few lines) with the block; when the block repeats the unselected
 * start or end of the line, the range grows to the line's start or end instead of doubling it.
 */
function placeSpan(
  model: TextModel,
  selection: Range0,
  startLine: number,
  block: PreparedBlock,
  fromLineStart: boolean,
  toLineEnd: boolean,
): Placement {
  const selected = model.getText(selection);
  const lines = block.lines;
  const docLevel = measureIndent(model.line(startLine), block.docStyle);
  const rest = lines.slice(1).filter((line) => !isBlank(line));
  const firstLevel = measureIndent(lines[0] ?? '', block.style).levels;
  // Later lines as the selection showed them (absolute) or relative to the first line.
  const restMin = rest.length ? Math.min(...rest.map((line) => measureIndent(line, block.style).levels)) : 0;
  const absolute = firstLevel === 0 && docLevel.levels > 0 && restMin >= docLevel.levels;
  const delta = absolute ? 0 : docLevel.levels - firstLevel;
  const out = lines.map((line, index) => {
    if (index === 0) return line.trim();
    if (isBlank(line)) return '';
    const level = measureIndent(line, block.style);
    return renderIndent({ levels: level.levels + delta, extra: level.extra }, block.docStyle) + line.trim();
  });
  const leading = fromLineStart ? leadingWhitespace(model.line(startLine)) : (/^[ \t]*/.exec(selected)?.[0] ?? '');
  const trailing = toLineEnd ? '' : (/[ \t]*$/.exec(selected)?.[0] ?? '');
  const endLine = selection.end.line;
  const range: Range0 = {
    start: fromLineStart ? { line: startLine, character: 0 } : selection.start,
    end: toLineEnd ? { line: endLine, character: model.line(endLine).length } : selection.end,
  };
  return { kind: 'ok', range, newText: leading + out.join(model.eol) + trailing };
}

/** Replaces whole lines: the selection's, grown to wherever the block pairs with the lines around. */
function placeLines(
  model: TextModel,
  startLine: number,
  endLine: number,
  block: PreparedBlock,
  selection: Range0,
): (Placement & { readonly grew: boolean }) | Refusal {
  const lines = normalizeFirstLine(model, startLine, selection, block);
  const doc = model.lines;
  const base = {
    doc,
    block: lines,
    elision: block.elision,
    mustStart: startLine,
    mustEnd: endLine,
    docStyle: block.docStyle,
    blockStyle: block.style,
  };
  const rough = alignBlock(base);
  const style = resolveBlockStyle(rough, doc, lines, block);
  // Second pass: `}` and friends pair only at the indentation the unchanged lines agree on.
  const delta = modalDelta(rough, doc, lines, block.docStyle, style);
  const alignment = keepOuterBlankLines(
    extendBySimilarity(
      delta === undefined ? rough : alignBlock({ ...base, blockStyle: style, trivialDelta: delta }),
      doc,
      lines,
      block.elision,
    ),
    doc,
  );

  const elisionProblem = checkElisions(alignment, doc, lines, { ...block, style }, delta);
  if (elisionProblem) return refuse(elisionProblem);
  const partial = checkPartial(alignment, doc, lines, block.elision);
  if (partial) return refuse(partial);

  const regionLevels = outermostLevels(alignment, doc, block.docStyle);
  const blockLevels = lines
    .filter((line, index) => !block.elision[index] && !isBlank(line))
    .map((line) => measureIndent(line, style).levels);
  // The block's outermost lines sit where the region's outermost lines sit; relative nesting is kept.
  const shift = regionLevels.length ? Math.min(...regionLevels) - Math.min(...blockLevels) : 0;

  const out: string[] = [];
  lines.forEach((line, index) => {
    if (block.elision[index]) {
      out.push(...expandElision(alignment.absorbed[index] ?? [], index, lines, doc));
      return;
    }
    const paired = alignment.pairs[index];
    const original = paired === undefined ? undefined : doc[paired];
    if (isBlank(line)) {
      out.push(original !== undefined && isBlank(original) ? original : '');
      return;
    }
    const level = measureIndent(line, style);
    const target = { levels: level.levels + shift, extra: level.extra };
    // An unchanged line at its old indentation is kept byte for byte (alignment, trailing spaces).
    if (
      original !== undefined &&
      alignment.kinds[index] === 'exact' &&
      sameIndent(measureIndent(original, block.docStyle), target)
    ) {
      out.push(original);
      return;
    }
    out.push(renderIndent(target, block.docStyle) + line.trim());
  });
  const range: Range0 = {
    start: { line: alignment.start, character: 0 },
    end: { line: alignment.end, character: model.line(alignment.end).length },
  };
  return {
    kind: 'ok',
    range,
    newText: out.join(model.eol),
    grew: alignment.start < startLine || alignment.end > endLine,
  };
}

/** Blank lines at the edges of the selection that the block (trimmed of blank lines) does not cover stay. */
function keepOuterBlankLines(alignment: Alignment, doc: readonly string[]): Alignment {
  const used = new Set([
    ...alignment.pairs.filter((pair): pair is number => pair !== undefined),
    ...alignment.absorbed.flat(),
  ]);
  let { start, end } = alignment;
  while (start < end && isBlank(doc[start] ?? '') && !used.has(start)) start++;
  while (end > start && isBlank(doc[end] ?? '') && !used.has(end)) end--;
  return { ...alignment, start, end };
}

/**
 * The original lines an elision stands for, minus blank lines at its edges that the block already
 * writes itself (a blank line before or after the elision comment).
 */
function expandElision(
  absorbed: readonly number[],
  index: number,
  lines: readonly string[],
  doc: readonly string[],
): string[] {
  let first = 0;
  let last = absorbed.length;
  for (
    let j = index - 1;
    j >= 0 && isBlank(lines[j] ?? '') && first < last && isBlank(doc[absorbed[first] ?? -1] ?? '');
    j--
  )
    first++;
  for (
    let j = index + 1;
    j < lines.length && isBlank(lines[j] ?? '') && last > first && isBlank(doc[absorbed[last - 1] ?? -1] ?? '');
    j++
  )
    last--;
  return absorbed.slice(first, last).map((d) => doc[d] ?? '');
}

const EXTEND_THRESHOLD = 0.75;

/**
 * A changed first (or last) line of a larger block, such as a function signature that gained a
 * parameter, pairs with the very similar line just outside the region instead of being inserted
 * next to it.
 */
function extendBySimilarity(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  elision: readonly boolean[],
): Alignment {
  const pairs = [...alignment.pairs];
  const kinds = [...alignment.kinds];
  let { start, end } = alignment;
  const similar = (d: number, j: number) => {
    const a = doc[d] ?? '';
    const b = lines[j] ?? '';
    if (isBlank(a) || isBlank(b) || elision[j] || isTrivialLine(a) || isTrivialLine(b)) return false;
    return lineSimilarity(a, b) >= EXTEND_THRESHOLD;
  };
  const firstPaired = pairs.findIndex((pair) => pair !== undefined);
  if (firstPaired > 0 && pairs[firstPaired] === start) {
    for (let j = firstPaired - 1, d = start - 1; j >= 0 && d >= 0 && similar(d, j); j--, d--) {
      pairs[j] = d;
      kinds[j] = 'fuzzy';
      start = d;
    }
  }
  let lastPaired = -1;
  pairs.forEach((pair, index) => {
    if (pair !== undefined) lastPaired = index;
  });
  if (lastPaired >= 0 && lastPaired < lines.length - 1 && pairs[lastPaired] === end) {
    for (let j = lastPaired + 1, d = end + 1; j < lines.length && d < doc.length && similar(d, j); j++, d++) {
      pairs[j] = d;
      kinds[j] = 'fuzzy';
      end = d;
    }
  }
  return { ...alignment, start, end, pairs, kinds };
}
