/**
 * The planner's safety checks: an answer that may be incomplete is never applied (cut by the token
 * limit, stopped, ended inside the reasoning or inside a code block), and a block is refused when
 * its elisions cannot be restored with certainty or when it is only a snippet of the selection.
 */

import { assertNever } from '../chunks';
import { FUZZY_THRESHOLD, type Alignment } from './align';
import { listFencedBlocks, splitAnswer, type FencedBlock } from './extractCode';
import type { PreparedBlock } from './indentInference';
import { isTrivialLine, lineKey, lineSimilarity } from './similarity';
import { isBlank, measureIndent } from './textModel';

export type Refusal = { readonly kind: 'refused'; readonly reason: string };

export function refuse(reason: string): Refusal {
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

/**
 * The answer's code blocks, or why the answer must not be applied at all: truncated or stopped,
 * ended inside the reasoning or inside a code block, or without code. The reasoning is never read
 * for code.
 */
export function answerBlocks(
  answer: string,
  finishReason: string | undefined,
): { readonly kind: 'ok'; readonly blocks: FencedBlock[] } | Refusal {
  if (finishReason === 'length') return refuse(TRUNCATED_BY_LENGTH);
  if (finishReason === 'aborted') return refuse(STOPPED);
  const parts = splitAnswer(answer);
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
  return { kind: 'ok', blocks };
}

/** Why an elision cannot be expanded with certainty; undefined when every one maps to original lines. */
export function checkElisions(
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
export function checkPartial(
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
