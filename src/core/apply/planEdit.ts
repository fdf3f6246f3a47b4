/**
 * The edit planner: (document text, selection, the model's full output) → one replacement of the
 * original document, or a refusal that says why. Pure: no vscode, no I/O; the host turns the
 * result into one WorkspaceEdit and the CLI prints it.
 *
 * It never loses code: the fix is placed by content (a changed document is re-anchored or
 * refused), elisions are expanded from the original lines or refused, truncated answers are
 * refused, and the reasoning is never read for code (editChecks.ts). Where the block goes is
 * placeBlock.ts; how its indentation is read, indentInference.ts.
 */

import { answerBlocks, refuse, type Refusal } from './editChecks';
import { chooseFixBlock } from './chooseBlock';
import { isElisionLine, type FencedBlock } from './extractCode';
import { inferIndentStyles, type PreparedBlock } from './indentInference';
import { placeBlock } from './placeBlock';
import { lineKey, wordTokens } from './similarity';
import { TextModel, isBlank, splitLines, type Range0 } from './textModel';

export type { Range0, Position0 } from './textModel';
export { unfinishedAnswerReason, type AnswerEnding } from './editChecks';

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

export function planEdit(input: PlanEditInput): PlanEditResult {
  const answer = answerBlocks(input.answer, input.finishReason);
  if (answer.kind === 'refused') return answer;
  const blocks = answer.blocks;

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
  const styles = inferIndentStyles(
    model.lines,
    lines.filter((_, index) => !elision[index]),
  );
  return { kind: 'ok', lines, elision, ...styles };
}
