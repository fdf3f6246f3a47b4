/**
 * How the planner reads indentation: the document's and the block's styles, which of the two a
 * block is really written in, the shift most unchanged lines agree on, and the first line of a
 * block copied from a selection that started after the line's indentation.
 */

import type { Alignment } from './align';
import { isTrivialLine } from './similarity';
import {
  type TextModel,
  detectIndentStyle,
  isBlank,
  leadingWhitespace,
  measureIndent,
  renderIndent,
  type IndentStyle,
  type Range0,
} from './textModel';

export interface PreparedBlock {
  readonly kind: 'ok';
  readonly lines: string[];
  readonly elision: boolean[];
  readonly style: IndentStyle;
  /** False when the block's own indentation steps did not show its unit (it was borrowed). */
  readonly unitKnown: boolean;
  readonly docStyle: IndentStyle;
}

/**
 * The document's style and the block's own (from its non-elided lines). A document with no
 * indentation at all keeps the block's style; tabs stay tabs.
 */
export function inferIndentStyles(
  docLines: readonly string[],
  blockLines: readonly string[],
): Pick<PreparedBlock, 'style' | 'unitKnown' | 'docStyle'> {
  const detectedDoc = detectIndentStyle(docLines);
  const detectedBlock = detectIndentStyle(blockLines);
  const docStyle: IndentStyle = detectedDoc
    ? { useTabs: detectedDoc.useTabs, unit: detectedDoc.unit || detectedBlock?.unit || 4 }
    : { useTabs: detectedBlock?.useTabs ?? false, unit: detectedBlock?.unit || 4 };
  const style: IndentStyle = {
    useTabs: detectedBlock?.useTabs ?? docStyle.useTabs,
    unit: detectedBlock?.unit || docStyle.unit,
  };
  return { style, unitKnown: Boolean(detectedBlock?.unit), docStyle };
}

/** Indent levels of the region's lines the block replaces (not those an elision keeps). */
export function outermostLevels(alignment: Alignment, doc: readonly string[], docStyle: IndentStyle): number[] {
  const absorbed = new Set(alignment.absorbed.flat());
  const levels: number[] = [];
  for (let d = alignment.start; d <= alignment.end; d++) {
    if (!absorbed.has(d) && !isBlank(doc[d] ?? '')) levels.push(measureIndent(doc[d] ?? '', docStyle).levels);
  }
  return levels;
}

/**
 * How to read the block's indentation. A block that kept the exact indentation of every line it
 * pairs with is in the document's style, whatever unit its own steps suggest; a block too short to
 * show its unit gets it from the lines it shares with the document.
 */
export function resolveBlockStyle(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  block: PreparedBlock,
): IndentStyle {
  if (keptIndentation(alignment, doc, lines)) return block.docStyle;
  if (block.unitKnown || block.style.useTabs) return block.style;
  const regionMin = Math.min(...outermostLevels(alignment, doc, block.docStyle));
  return { useTabs: false, unit: unitFromPairs(alignment, doc, lines, block, regionMin) ?? block.style.unit };
}

/**
 * The space unit of a block too short to show it by its own steps, from the lines it shares with the
 * document: a line one level deeper than the region's outermost line sits `unit` spaces deeper in
 * the block too.
 */
function unitFromPairs(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  block: PreparedBlock,
  regionMin: number,
): number | undefined {
  const widths = lines
    .filter((line, index) => !block.elision[index] && !isBlank(line))
    .map((line) => leadingWhitespace(line).length);
  const blockMin = Math.min(...widths);
  const votes: number[] = [];
  lines.forEach((line, index) => {
    const paired = alignment.pairs[index];
    if (paired === undefined || isBlank(line)) return;
    const docDepth = measureIndent(doc[paired] ?? '', block.docStyle).levels - regionMin;
    const blockDepth = leadingWhitespace(line).length - blockMin;
    if (docDepth > 0 && blockDepth > 0 && blockDepth % docDepth === 0) votes.push(blockDepth / docDepth);
  });
  return mostVoted(votes);
}

function keptIndentation(alignment: Alignment, doc: readonly string[], lines: readonly string[]): boolean {
  let kept = 0;
  for (let j = 0; j < lines.length; j++) {
    const paired = alignment.pairs[j];
    const line = lines[j] ?? '';
    if (paired === undefined || isBlank(line)) continue;
    const indent = leadingWhitespace(line);
    if (leadingWhitespace(doc[paired] ?? '') !== indent) return false;
    // Unindented lines say nothing about the unit.
    if (indent !== '') kept++;
  }
  return kept > 0;
}

export function sameIndent(a: { levels: number; extra: number }, b: { levels: number; extra: number }): boolean {
  return a.levels === b.levels && a.extra === b.extra;
}

/**
 * A block that copies a selection made from the first non-blank character has an unindented first
 * line above fully indented ones; give that line the indentation it has in the document.
 */
export function normalizeFirstLine(
  model: TextModel,
  startLine: number,
  selection: Range0,
  block: PreparedBlock,
): string[] {
  const lines = [...block.lines];
  const first = lines[0] ?? '';
  const docIndent = measureIndent(model.line(startLine), block.docStyle).levels;
  if (selection.start.character === 0 || docIndent === 0 || leadingWhitespace(first) !== '' || block.elision[0])
    return lines;
  const others = lines.slice(1).filter((line, index) => !block.elision[index + 1] && !isBlank(line));
  if (others.length === 0) return lines;
  const minOthers = Math.min(...others.map((line) => measureIndent(line, block.style).levels));
  if (minOthers < docIndent) return lines;
  lines[0] = renderIndent({ levels: docIndent, extra: 0 }, block.style) + first;
  return lines;
}

/** The indentation shift most exactly-paired, meaningful lines agree on. */
export function modalDelta(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  docStyle: IndentStyle,
  style: IndentStyle,
): number | undefined {
  const votes: number[] = [];
  lines.forEach((line, index) => {
    const paired = alignment.pairs[index];
    if (paired === undefined || alignment.kinds[index] !== 'exact' || isBlank(line) || isTrivialLine(line)) return;
    votes.push(measureIndent(doc[paired] ?? '', docStyle).levels - measureIndent(line, style).levels);
  });
  return mostVoted(votes);
}

/** The value most votes went to (on a tie, the one voted for first); undefined with no votes. */
export function mostVoted<T>(votes: Iterable<T>): T | undefined {
  const counts = new Map<T, number>();
  for (const vote of votes) counts.set(vote, (counts.get(vote) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}
