/**
 * A region block of a multi-file answer (a part of a file, often with `// ... existing code ...`
 * elisions) planned against the whole file: located by content like Apply to selection with
 * nothing selected, then planned like a fix of that region, then checked that it loses no code.
 * Pure.
 *
 * Two additions to Apply to selection's placement, both for blocks that name a file rather than
 * a selection:
 * - A block that ends inside a body with no closing line (Python, YAML: the changed method's last
 *   line) is taken to restate that body to its end: the region grows over the rest of the body,
 *   unless the block's last line is an elision deeper than the body's opener.
 * - The result may remove only lines the block replaces (a similar new line) or drops between
 *   lines it restates; a plan that would remove any other line is refused, whatever the placement
 *   decided, because that code is in neither the block nor an elision.
 */

import { isElisionLine } from './extractCode';
import { languageIdForPath } from '../languageIds';
import { matchLines } from './lineDiff';
import { locateBlock } from './locateBlock';
import { planEdit } from './planEdit';
import { declaredName, isTrivialLine, lineKey, lineSimilarity, wordTokens } from './similarity';
import { FUZZY_THRESHOLD } from './align';
import { isBlank, leadingWhitespace, TextModel, type Range0 } from './textModel';

export type RegionResult =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'refused'; readonly reason: string };

export function planRegion(path: string, text: string, lines: readonly string[], language: string): RegionResult {
  const model = new TextModel(text);
  const documentKeys = new Set(model.lines.map(lineKey));
  const elision = (line: string) => isElisionLine(line, documentKeys);
  // An elision at either end says "the code before (after) stays", which placing a region does anyway.
  const edge = (line: string) => isBlank(line) || elision(line);
  let first = 0;
  let last = lines.length;
  while (first < last && edge(lines[first] ?? '')) first++;
  while (last > first && edge(lines[last - 1] ?? '')) last--;
  if (first === last)
    return { kind: 'refused', reason: `The block for ${path} holds only elisions, no code. Nothing was changed.` };
  const block = lines.slice(first, last);
  const trailingElision = lines.slice(last).find(elision);

  const code = block.join('\n');
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const answer = `${fence}${language}\n${code}\n${fence}\n`;
  const languageId = languageIdForPath(path);
  const located = locateBlock({ documentText: text, answer, ...(languageId ? { languageId } : {}) });
  // Locating looks a few dozen lines around each anchor; an elision standing for more is placed
  // between the block's first and last lines that occur once in the file.
  // A block that shares no line with the file (a method whose signature and body both changed) is
  // placed over the file's one declaration of the name it declares, signature to closing line.
  const spanned =
    located.kind === 'refused'
      ? ((block.some(elision) ? anchorSpan(model.lines, block, elision) : undefined) ??
        declarationSpan(model, block, elision))
      : undefined;
  if (located.kind === 'refused' && spanned === undefined) {
    if (/identical to the current code/.test(located.reason)) return { kind: 'unchanged' };
    return { kind: 'refused', reason: regionReason(path, located.reason) };
  }
  const found = located.kind === 'region' ? located.range : (spanned as Range0);
  const region = extendOverBody(
    model,
    coverDeclarations(model, found, block, elision),
    block,
    trailingElision,
    elision,
  );
  const plan = planEdit({
    documentText: text,
    selection: region,
    answer,
    finishReason: 'stop',
    ...(languageId ? { languageId } : {}),
  });
  if (plan.kind === 'refused') {
    if (/identical to the current code/.test(plan.reason)) return { kind: 'unchanged' };
    return { kind: 'refused', reason: regionReason(path, plan.reason) };
  }
  const lost = lostLines(model.lines, new TextModel(plan.newDocumentText).lines, block, elision);
  if (lost.length > 0) {
    return {
      kind: 'refused',
      reason: `Placing the block for ${path} would remove ${lost.length} line${lost.length === 1 ? '' : 's'} it neither restates nor replaces (such as "${(lost[0] ?? '').trim()}"), so its place in the file is uncertain. Nothing was changed.`,
    };
  }
  return { kind: 'ok', text: plan.newDocumentText };
}

/** Apply to selection's reasons, told about a region of a named file rather than an empty selection. */
function regionReason(path: string, reason: string): string {
  const told = reason
    .replace(/^Nothing is selected, and /, `The block for ${path} is not the whole file, and `)
    .replace(/ Select the code it should replace(, or use Insert at cursor)?\./, '')
    .replace(/the selection|the selected (lines|code)/g, 'the region');
  return told.startsWith('The block for') ? told : `The block for ${path} could not be placed: ${told}`;
}

/**
 * Whole lines from the block's first to its last line that occur exactly once in the file, when
 * those lines occur in the block's order; undefined otherwise.
 */
function anchorSpan(
  doc: readonly string[],
  block: readonly string[],
  isElision: (line: string) => boolean,
): Range0 | undefined {
  const counts = new Map<string, number>();
  const at = new Map<string, number>();
  doc.forEach((line, index) => {
    const key = lineKey(line);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    at.set(key, index);
  });
  const anchors = block
    .filter((line) => !isBlank(line) && !isElision(line) && !isTrivialLine(line))
    .map(lineKey)
    .filter((key) => counts.get(key) === 1)
    .map((key) => at.get(key) ?? -1);
  if (anchors.length < 2 || anchors.some((line, index) => index > 0 && line <= (anchors[index - 1] ?? -1)))
    return undefined;
  const first = anchors[0] ?? 0;
  const last = anchors[anchors.length - 1] ?? 0;
  return { start: { line: first, character: 0 }, end: { line: last, character: (doc[last] ?? '').length } };
}

/**
 * The lines of the file's one declaration of the name the block declares first: its signature, the
 * deeper lines after it and the closing line at its own depth. Undefined when the block declares
 * nothing the file declares exactly once.
 */
function declarationSpan(
  model: TextModel,
  block: readonly string[],
  isElision: (line: string) => boolean,
): Range0 | undefined {
  for (const line of block) {
    const name = isElision(line) ? undefined : declaredName(line);
    if (name === undefined) continue;
    const declared = model.lines.flatMap((docLine, index) => (declaredName(docLine) === name ? [index] : []));
    const start = declared.length === 1 ? declared[0] : undefined;
    if (start === undefined) continue;
    const doc = model.lines;
    const depth = width(doc[start] ?? '');
    let end = start;
    while (end + 1 < doc.length && (isBlank(doc[end + 1] ?? '') || width(doc[end + 1] ?? '') > depth)) end++;
    while (end > start && isBlank(doc[end] ?? '')) end--;
    if (end + 1 < doc.length && width(doc[end + 1] ?? '') === depth && CLOSER.test(doc[end + 1] ?? '')) end++;
    return { start: { line: start, character: 0 }, end: { line: end, character: (doc[end] ?? '').length } };
  }
  return undefined;
}

/**
 * The region grown over the file's declaration of each name the block declares (`stop(reason) {`
 * restates the file's one `stop() {`): placed from its body alone, a block whose signature changed
 * would keep the old signature next to the new one.
 */
function coverDeclarations(
  model: TextModel,
  range: Range0,
  block: readonly string[],
  isElision: (line: string) => boolean,
): Range0 {
  let start = range.start.line;
  let end = range.end.line;
  for (const line of block) {
    const name = isElision(line) ? undefined : declaredName(line);
    if (name === undefined) continue;
    const declared = model.lines.flatMap((docLine, index) => (declaredName(docLine) === name ? [index] : []));
    const only = declared.length === 1 ? declared[0] : undefined;
    if (only === undefined) continue;
    start = Math.min(start, only);
    end = Math.max(end, only);
  }
  if (start === range.start.line && end === range.end.line) return range;
  return {
    start: start === range.start.line ? range.start : { line: start, character: 0 },
    end: end === range.end.line ? range.end : { line: end, character: (model.lines[end] ?? '').length },
  };
}

const CLOSER = /^\s*(?:[}\])]|end\b|fi\b|done\b|esac\b|<\/)/;

/** Indentation width, a tab counting as 4 columns. */
function width(line: string): number {
  return leadingWhitespace(line).replace(/\t/g, '    ').length;
}

/**
 * The region grown over the rest of the body the block ends in, when the block's last line sits
 * deeper than an earlier line of it (the opener) and is no closing line: the file's lines after
 * the region that are deeper than the opener belong to that body.
 */
function extendOverBody(
  model: TextModel,
  range: Range0,
  block: readonly string[],
  trailingElision: string | undefined,
  isElision: (line: string) => boolean,
): Range0 {
  const code = block.filter((line) => !isBlank(line) && !isElision(line));
  const lastLine = code[code.length - 1];
  if (lastLine === undefined || CLOSER.test(lastLine)) return range;
  const lastWidth = width(lastLine);
  const opener = [...code].reverse().find((line) => width(line) < lastWidth);
  if (opener === undefined) return range;
  if (trailingElision !== undefined && width(trailingElision) > width(opener)) return range;
  const doc = model.lines;
  let openerLine = -1;
  for (let d = range.end.line; d >= range.start.line; d--) {
    if (lineKey(doc[d] ?? '') === lineKey(opener)) {
      openerLine = d;
      break;
    }
  }
  if (openerLine < 0) return range;
  const openerWidth = width(doc[openerLine] ?? '');
  let end = range.end.line;
  while (end + 1 < doc.length && (isBlank(doc[end + 1] ?? '') || width(doc[end + 1] ?? '') > openerWidth)) end++;
  while (end > range.end.line && isBlank(doc[end] ?? '')) end--;
  if (end === range.end.line) return range;
  return { start: range.start, end: { line: end, character: (doc[end] ?? '').length } };
}

const BRACKETS_ONLY = /^[\s{}()[\];,]*$/;

/**
 * Lines of the file that the planned text no longer has, and that the block neither replaces (no
 * similar new line in it) nor drops on purpose (between two lines it restates). A declaration
 * (function, method, class) whose name neither the planned text nor the block has any more is lost
 * whatever replaced it: the block never names it, so it cannot mean to remove it.
 */
export function lostLines(
  before: readonly string[],
  after: readonly string[],
  block: readonly string[],
  isElision: (line: string) => boolean,
): string[] {
  const kept = new Set(matchLines(before, after).map(([index]) => index));
  const blockCode = block.filter((line) => !isBlank(line) && !isElision(line));
  const beforeKeys = new Set(before.map(lineKey));
  // New lines of the block: what a removed line may have been replaced by.
  const replacements = blockCode.filter((line) => !beforeKeys.has(lineKey(line)));
  // Consecutive lines of the block (blank lines aside; an elision between breaks the pair).
  const written = block.filter((line) => !isBlank(line)).map((line) => (isElision(line) ? undefined : lineKey(line)));
  const adjacent = new Set(
    written.slice(1).flatMap((key, index) => {
      const previous = written[index];
      return key === undefined || previous === undefined ? [] : [`${previous}\u0000${key}`];
    }),
  );
  const anchor = (from: number, step: number): string | undefined => {
    for (let d = from; d >= 0 && d < before.length; d += step) {
      const line = before[d] ?? '';
      if (kept.has(d) && !isBlank(line)) return line;
    }
    return undefined;
  };
  // Names still in the file or written by the block: a declaration whose name is in neither is gone.
  const names = new Set([...after, ...blockCode].flatMap((line) => wordTokens(line)));
  const lost: string[] = [];
  before.forEach((line, index) => {
    if (kept.has(index) || isBlank(line) || isTrivialLine(line)) return;
    // A similar line declaring another name is new code next to this one, not its replacement
    // (a new method modelled on its neighbour must not take the neighbour's place).
    const declared = declaredName(line);
    if (declared !== undefined && !names.has(declared)) {
      lost.push(line);
      return;
    }
    if (replacements.some((candidate) => lineSimilarity(candidate, line) >= FUZZY_THRESHOLD)) return;
    const previous = anchor(index - 1, -1);
    const next = anchor(index + 1, 1);
    // Dropped between two lines the block writes one after the other (not two lone brackets).
    if (
      previous !== undefined &&
      next !== undefined &&
      adjacent.has(`${lineKey(previous)}\u0000${lineKey(next)}`) &&
      !(BRACKETS_ONLY.test(previous) && BRACKETS_ONLY.test(next))
    )
      return;
    lost.push(line);
  });
  return lost;
}
