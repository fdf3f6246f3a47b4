/**
 * The edit planner: (document text, selection, the model's full output) → one replacement of the
 * original document, or a refusal that says why. Pure: no vscode, no I/O; the host turns the
 * result into one WorkspaceEdit and the CLI prints it.
 *
 * It never loses code: the fix is placed by content (a changed document is re-anchored or
 * refused), elisions are expanded from the original lines or refused, truncated answers are
 * refused, and the reasoning is never read for code.
 */

import { assertNever } from '../chunks';
import { alignBlock, FUZZY_THRESHOLD, type Alignment } from './align';
import { chooseFixBlock } from './chooseBlock';
import { isElisionLine, listFencedBlocks, splitAnswer, type FencedBlock } from './extractCode';
import { isTrivialLine, lineKey, lineSimilarity, wordTokens } from './similarity';
import {
  TextModel,
  detectIndentStyle,
  isBlank,
  leadingWhitespace,
  measureIndent,
  renderIndent,
  splitLines,
  type IndentStyle,
  type Range0,
} from './textModel';

export type { Range0, Position0 } from './textModel';

export interface PlanEditInput {
  readonly documentText: string;
  /** What was selected when the fix was requested (0-based, end exclusive). */
  readonly selection: Range0;
  /** The model's full output; reasoning (`<think>…</think>`, or a missing opening tag) is skipped. */
  readonly answer: string;
  /** The stream's finish reason; 'length' (or 'aborted') means the answer is incomplete. */
  readonly finishReason?: string;
  /** The selected text at request time; when the range no longer holds it, it is searched for. */
  readonly originalSelectionText?: string;
  /** The document's VS Code language id, to tell its code from shell commands and the like. */
  readonly languageId?: string;
}

export type PlanEditResult =
  | { readonly kind: 'edit'; readonly range: Range0; readonly newText: string; readonly newDocumentText: string }
  | { readonly kind: 'refused'; readonly reason: string };

type Refusal = { readonly kind: 'refused'; readonly reason: string };

function refuse(reason: string): Refusal {
  return { kind: 'refused', reason };
}

const TRUNCATED_BY_LENGTH =
  'The answer was truncated (finish_reason: length): the model hit its token limit, so its code may be incomplete. Nothing was changed.';
const STOPPED = 'The answer was stopped before it finished, so its code may be truncated. Nothing was changed.';

/** How the answer's turn ended, as the chat session reports it. */
export interface AnswerEnding {
  readonly status: 'streaming' | 'done' | 'stopped' | 'error' | 'incomplete';
  readonly finishReason?: string;
  readonly error?: { readonly message: string };
}

/**
 * Why an answer must not be planned at all, or undefined when its turn ended normally. Only a
 * turn that is done, without an error, with the model's own finish signal counts: a cut or stalled
 * stream can end right after a closed code block, so the text alone cannot show it is complete.
 */
export function unfinishedAnswerReason(ending: AnswerEnding): string | undefined {
  if (ending.finishReason === 'length') return TRUNCATED_BY_LENGTH;
  const cause = ending.error ? ` (${ending.error.message.replace(/[.\s]+$/, '')})` : '';
  switch (ending.status) {
    case 'done':
      if (ending.error)
        return `The answer ended with an error${cause}, so its code may be incomplete. Nothing was changed.`;
      if (ending.finishReason === undefined) {
        return 'The answer ended without the model signalling that it had finished, so its code may be incomplete. Nothing was changed.';
      }
      return ending.finishReason === 'aborted' ? STOPPED : undefined;
    case 'incomplete':
      return `The answer was cut off before it finished${cause}, so its code may be incomplete. Nothing was changed. Retry to ask again.`;
    case 'stopped':
      return STOPPED;
    case 'error':
      return `The request failed${cause}, so there is no fix to apply. Nothing was changed.`;
    case 'streaming':
      return 'The answer is still streaming. Nothing was changed.';
    default:
      return assertNever(ending.status, 'turn status');
  }
}

export function planEdit(input: PlanEditInput): PlanEditResult {
  if (input.finishReason === 'length') return refuse(TRUNCATED_BY_LENGTH);
  if (input.finishReason === 'aborted') return refuse(STOPPED);
  const parts = splitAnswer(input.answer);
  if (parts.reasoningUnclosed) {
    return refuse(
      'The output ended inside the reasoning (no </think>): it looks truncated and has no answer to apply.',
    );
  }
  const blocks = listFencedBlocks(parts.answer);
  const lastBlock = blocks[blocks.length - 1];
  if (lastBlock && !lastBlock.closed && lastBlock.atEnd) {
    return refuse('The answer ends inside an unclosed code block: it looks truncated, so its code may be incomplete.');
  }
  if (blocks.length === 0) {
    const inReasoning = listFencedBlocks(parts.reasoning).length > 0;
    return refuse(
      `The answer has no code block to apply${inReasoning ? ' (code in the reasoning is never applied)' : ''}.`,
    );
  }

  const model = new TextModel(input.documentText);
  const anchored = anchorSelection(model, input.selection, input.originalSelectionText);
  if (anchored.kind === 'refused') return anchored;
  const selection = anchored.range;

  const startLine = selection.start.line;
  // A selection ending at column 0 of a later line does not include that line.
  const endLine =
    selection.end.character === 0 && selection.end.line > startLine ? selection.end.line - 1 : selection.end.line;
  const selectedLines = model.lines.slice(startLine, endLine + 1);
  const choice = chooseFixBlock(blocks, {
    selectedLines,
    selectedText: model.getText(selection),
    documentTokens: new Set(wordTokens(input.documentText)),
    languageId: input.languageId,
  });
  if (choice.kind === 'refused') return choice;

  const prepared = prepareBlock(choice.block, model);
  if (prepared.kind === 'refused') return prepared;

  const planned = placeBlock(model, selection, startLine, endLine, prepared);
  if (planned.kind === 'refused') return planned;
  const newDocumentText = model.replace(planned.range, planned.newText);
  if (newDocumentText === input.documentText) {
    return refuse("The answer's code is identical to the current code: there is nothing to change.");
  }
  return { kind: 'edit', range: planned.range, newText: planned.newText, newDocumentText };
}

/** Makes sure the range still holds what was selected; otherwise finds it, uniquely, or refuses. */
function anchorSelection(
  model: TextModel,
  selection: Range0,
  original: string | undefined,
): { kind: 'ok'; range: Range0 } | Refusal {
  const ordered =
    model.contains(selection.start) &&
    model.contains(selection.end) &&
    model.offsetAt(selection.start) <= model.offsetAt(selection.end);
  if (original === undefined) {
    return ordered
      ? { kind: 'ok', range: selection }
      : refuse('The selection is outside the document: it changed since the fix was requested.');
  }
  if (ordered && model.getText(selection) === original) return { kind: 'ok', range: selection };
  // The selected text as the document spells line endings now.
  const needle = original.replace(/\r?\n/g, model.eol);
  if (needle.trim() === '') {
    return refuse(
      'The document changed since the fix was requested, and an empty selection cannot be found again. Nothing was changed.',
    );
  }
  const found: number[] = [];
  for (let at = model.text.indexOf(needle); at >= 0 && found.length < 2; at = model.text.indexOf(needle, at + 1))
    found.push(at);
  if (found.length === 1 && found[0] !== undefined) {
    return {
      kind: 'ok',
      range: { start: model.positionAt(found[0]), end: model.positionAt(found[0] + needle.length) },
    };
  }
  return refuse(
    found.length === 0
      ? 'The document changed since the fix was requested and the selected code is no longer in it. Nothing was changed.'
      : 'The document changed since the fix was requested and the selected code now occurs more than once, so it is unclear where the fix goes. Nothing was changed.',
  );
}

interface PreparedBlock {
  readonly kind: 'ok';
  readonly lines: string[];
  readonly elision: boolean[];
  readonly style: IndentStyle;
  /** False when the block's own indentation steps did not show its unit (it was borrowed). */
  readonly unitKnown: boolean;
  readonly docStyle: IndentStyle;
}

/** The block's lines without surrounding blank lines, its elisions, and both indentation styles. */
function prepareBlock(block: FencedBlock, model: TextModel): PreparedBlock | Refusal {
  let lines = splitLines(block.code.replace(/\r?\n$/, ''));
  while (lines.length && isBlank(lines[0] ?? '')) lines.shift();
  while (lines.length && isBlank(lines[lines.length - 1] ?? '')) lines.pop();
  if (lines.length === 0) return refuse('The chosen code block is empty.');
  const documentKeys = new Set(model.lines.map(lineKey));
  // Consecutive elision lines are one elision.
  const kept: string[] = [];
  const elision: boolean[] = [];
  for (const line of lines) {
    const isElision = isElisionLine(line, documentKeys);
    if (isElision && elision[elision.length - 1]) continue;
    kept.push(line);
    elision.push(isElision);
  }
  lines = kept;
  if (elision.every(Boolean) || lines.every((line, index) => elision[index] || isBlank(line))) {
    return refuse('The code block holds only an elision ("... existing code ..."), no code.');
  }
  const detectedDoc = detectIndentStyle(model.lines);
  const detectedBlock = detectIndentStyle(lines.filter((_, index) => !elision[index]));
  // A document with no indentation at all keeps the block's style; tabs stay tabs.
  const docStyle: IndentStyle = detectedDoc
    ? { useTabs: detectedDoc.useTabs, unit: detectedDoc.unit || detectedBlock?.unit || 4 }
    : { useTabs: detectedBlock?.useTabs ?? false, unit: detectedBlock?.unit || 4 };
  const style: IndentStyle = {
    useTabs: detectedBlock?.useTabs ?? docStyle.useTabs,
    unit: detectedBlock?.unit || docStyle.unit,
  };
  return { kind: 'ok', lines, elision, style, unitKnown: Boolean(detectedBlock?.unit), docStyle };
}

interface Placement {
  readonly kind: 'ok';
  readonly range: Range0;
  readonly newText: string;
}

/** Decides between replacing whole lines (found by content) and replacing just the selected span. */
function placeBlock(
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

/** Indent levels of the region's lines the block replaces (not those an elision keeps). */
function outermostLevels(alignment: Alignment, doc: readonly string[], docStyle: IndentStyle): number[] {
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
function resolveBlockStyle(
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
  const votes = new Map<number, number>();
  lines.forEach((line, index) => {
    const paired = alignment.pairs[index];
    if (paired === undefined || isBlank(line)) return;
    const docDepth = measureIndent(doc[paired] ?? '', block.docStyle).levels - regionMin;
    const blockDepth = leadingWhitespace(line).length - blockMin;
    if (docDepth > 0 && blockDepth > 0 && blockDepth % docDepth === 0) {
      const unit = blockDepth / docDepth;
      votes.set(unit, (votes.get(unit) ?? 0) + 1);
    }
  });
  let best: number | undefined;
  let bestVotes = 0;
  for (const [unit, count] of votes) {
    if (count > bestVotes) {
      best = unit;
      bestVotes = count;
    }
  }
  return best;
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

function sameIndent(a: { levels: number; extra: number }, b: { levels: number; extra: number }): boolean {
  return a.levels === b.levels && a.extra === b.extra;
}

/**
 * A block that copies a selection made from the first non-blank character has an unindented first
 * line above fully indented ones; give that line the indentation it has in the document.
 */
function normalizeFirstLine(model: TextModel, startLine: number, selection: Range0, block: PreparedBlock): string[] {
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
function modalDelta(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  docStyle: IndentStyle,
  style: IndentStyle,
): number | undefined {
  const counts = new Map<number, number>();
  lines.forEach((line, index) => {
    const paired = alignment.pairs[index];
    if (paired === undefined || alignment.kinds[index] !== 'exact' || isBlank(line) || isTrivialLine(line)) return;
    const delta = measureIndent(doc[paired] ?? '', docStyle).levels - measureIndent(line, style).levels;
    counts.set(delta, (counts.get(delta) ?? 0) + 1);
  });
  let best: number | undefined;
  let bestCount = 0;
  for (const [delta, count] of counts) {
    if (count > bestCount) {
      best = delta;
      bestCount = count;
    }
  }
  return best;
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

/** Why an elision cannot be expanded with certainty; undefined when every one maps to original lines. */
function checkElisions(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  block: PreparedBlock,
  delta: number | undefined,
): string | undefined {
  const meaningful = (j: number) => !block.elision[j] && !isBlank(lines[j] ?? '');
  const couldPair = (d: number, j: number): boolean => {
    const line = lines[j] ?? '';
    if (lineKey(doc[d] ?? '') === lineKey(line)) {
      if (!isTrivialLine(line) || delta === undefined) return true;
      return measureIndent(doc[d] ?? '', block.docStyle).levels - measureIndent(line, block.style).levels === delta;
    }
    const paired = alignment.pairs[j];
    if (alignment.kinds[j] !== 'fuzzy' || paired === undefined) return false;
    return lineSimilarity(doc[d] ?? '', line) >= Math.max(FUZZY_THRESHOLD, lineSimilarity(doc[paired] ?? '', line));
  };
  for (let j = 0; j < lines.length; j++) {
    if (!block.elision[j]) continue;
    let before = j - 1;
    while (before >= 0 && !meaningful(before)) before--;
    let after = j + 1;
    while (after < lines.length && !meaningful(after)) after++;
    const hasBefore = before >= 0;
    const hasAfter = after < lines.length;
    const absorbed = alignment.absorbed[j] ?? [];
    const label = `the elision "${(lines[j] ?? '').trim()}"`;
    if ((hasBefore && alignment.pairs[before] === undefined) || (hasAfter && alignment.pairs[after] === undefined)) {
      return `The answer's code elides part of the original (${label}), and the code around the elision does not match the document, so the elided lines cannot be restored with certainty.`;
    }
    if (hasBefore && hasAfter && absorbed.length === 0) {
      return `The answer's code elides part of the original (${label}), but no original lines fit there, so it is unclear what the elision stands for.`;
    }
    if (hasAfter && absorbed.some((d) => couldPair(d, after))) {
      return `The answer's code elides part of the original (${label}), and the line after it ("${(lines[after] ?? '').trim()}") occurs more than once there, so the elided lines are ambiguous.`;
    }
    if (
      hasBefore &&
      !anchoredEarlier(alignment, lines, block.elision, before) &&
      absorbed.some((d) => couldPair(d, before))
    ) {
      return `The answer's code elides part of the original (${label}), and the line before it ("${(lines[before] ?? '').trim()}") occurs more than once there, so the elided lines are ambiguous.`;
    }
  }
  return undefined;
}

/** Whether the segment that ends at `index` has another meaningful paired line fixing its place. */
function anchoredEarlier(
  alignment: Alignment,
  lines: readonly string[],
  elision: readonly boolean[],
  index: number,
): boolean {
  for (let j = index - 1; j >= 0 && !elision[j]; j--) {
    const line = lines[j] ?? '';
    if (alignment.pairs[j] !== undefined && !isBlank(line) && !isTrivialLine(line)) return true;
  }
  return false;
}

const PARTIAL_LINES = 3;

/**
 * A block that starts (or ends) with an unchanged line from deep inside the selection is a snippet
 * of it: applying it would delete the selected lines before (or after) that line.
 */
function checkPartial(
  alignment: Alignment,
  doc: readonly string[],
  lines: readonly string[],
  elision: readonly boolean[],
): string | undefined {
  const meaningful = lines.map((line, index) => !elision[index] && !isBlank(line));
  const first = meaningful.indexOf(true);
  const last = meaningful.lastIndexOf(true);
  const dropped = (from: number, to: number) => {
    let count = 0;
    const kept = new Set([
      ...alignment.pairs.filter((pair): pair is number => pair !== undefined),
      ...alignment.absorbed.flat(),
    ]);
    for (let d = from; d < to; d++) if (!kept.has(d) && !isBlank(doc[d] ?? '')) count++;
    return count;
  };
  const firstPair = alignment.pairs[first];
  if (!elision.slice(0, first).some(Boolean) && firstPair !== undefined && alignment.kinds[first] === 'exact') {
    const lost = dropped(alignment.start, firstPair);
    if (lost >= PARTIAL_LINES) return partialReason(lost);
  }
  const lastPair = alignment.pairs[last];
  if (!elision.slice(last + 1).some(Boolean) && lastPair !== undefined && alignment.kinds[last] === 'exact') {
    const lost = dropped(lastPair + 1, alignment.end + 1);
    if (lost >= PARTIAL_LINES) return partialReason(lost);
  }
  return undefined;
}

function partialReason(lost: number): string {
  return `The answer's code covers only part of the selection (a partial snippet): applying it would delete ${lost} selected lines it does not mention. Nothing was changed.`;
}
