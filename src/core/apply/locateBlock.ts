/**
 * Where a code block belongs in a file when nothing is selected (Apply to selection with an empty
 * selection): the region of the file whose code the block restates, found by content, never the
 * cursor position. The planner does the locating: it is run from each line the block shares with
 * the file (a line that occurs there exactly once), and the region most of them agree on wins.
 * Pure: no vscode, no I/O.
 */

import { isElisionLine, listFencedBlocks, splitAnswer } from './extractCode';
import { planEdit } from './planEdit';
import { isTrivialLine, lineKey } from './similarity';
import { splitLines, type Range0 } from './textModel';

export interface LocateBlockInput {
  readonly documentText: string;
  /** The answer to apply (a fenced block), as planEdit takes it. */
  readonly answer: string;
  readonly languageId?: string;
  /** The cursor's line: only breaks a tie between two equally good regions. */
  readonly cursorLine?: number;
}

export type LocateBlockResult =
  { readonly kind: 'region'; readonly range: Range0 } | { readonly kind: 'refused'; readonly reason: string };

/** Planner runs at most: enough anchors to outvote a stray line, bounded for a very long block. */
const MAX_ANCHORS = 24;
/** Of the block's meaningful lines, at least this share must occur in the region it replaces. */
const MIN_SHARED = 1 / 3;

const SELECT_INSTEAD = 'Select the code it should replace, or use Insert at cursor. Nothing was changed.';

export function locateBlock(input: LocateBlockInput): LocateBlockResult {
  const doc = splitLines(input.documentText);
  const docKeys = doc.map(lineKey);
  const counts = new Map<string, number>();
  for (const key of docKeys) if (key !== '') counts.set(key, (counts.get(key) ?? 0) + 1);
  const documentKeys = new Set(counts.keys());
  const codeLines = listFencedBlocks(splitAnswer(input.answer).answer).flatMap((block) => splitLines(block.code));
  // What proves where a block belongs: lines with content, not `}` or an elision comment.
  const meaningful = [
    ...new Set(
      codeLines
        .filter((line) => lineKey(line) !== '' && !isTrivialLine(line) && !isElisionLine(line, documentKeys))
        .map(lineKey),
    ),
  ];
  if (meaningful.length === 0)
    return refuse(`Nothing is selected, and this code has no line to place it by. ${SELECT_INSTEAD}`);
  const shared = new Set(meaningful.filter((key) => counts.has(key)));
  if (shared.size === 0) {
    return refuse(
      `Nothing is selected, and no line of this code occurs in the file, so it is unclear what it would replace. ${SELECT_INSTEAD}`,
    );
  }
  const anchors = docKeys.flatMap((key, line) => (shared.has(key) && counts.get(key) === 1 ? [line] : []));
  if (anchors.length === 0) {
    return refuse(
      `Nothing is selected, and the lines this code shares with the file occur there more than once, so it is unclear which place it replaces. ${SELECT_INSTEAD}`,
    );
  }

  const votes = new Map<string, { range: Range0; count: number }>();
  const refusals = new Map<string, number>();
  for (const line of spread(anchors, MAX_ANCHORS)) {
    const plan = planEdit({
      documentText: input.documentText,
      selection: { start: { line, character: 0 }, end: { line, character: 0 } },
      answer: input.answer,
      languageId: input.languageId,
    });
    if (plan.kind === 'refused') {
      refusals.set(plan.reason, (refusals.get(plan.reason) ?? 0) + 1);
      continue;
    }
    const region: Range0 = {
      start: { line: plan.range.start.line, character: 0 },
      end: { line: plan.range.end.line, character: doc[plan.range.end.line]?.length ?? 0 },
    };
    const key = `${region.start.line}-${region.end.line}`;
    const vote = votes.get(key) ?? { range: region, count: 0 };
    vote.count++;
    votes.set(key, vote);
  }
  if (votes.size === 0) return refuse(mostCommon(refusals) ?? `The code could not be placed. ${SELECT_INSTEAD}`);

  const ranked = [...votes.values()].sort((a, b) => b.count - a.count);
  const top = ranked.filter((vote) => vote.count === ranked[0]?.count);
  const cursor = input.cursorLine;
  const chosen =
    top.length === 1
      ? top[0]
      : top.find((vote) => cursor !== undefined && cursor >= vote.range.start.line && cursor <= vote.range.end.line);
  if (!chosen) {
    const places = top.map((vote) => describeLines(vote.range)).join(' and ');
    return refuse(
      `Nothing is selected, and this code fits more than one place in the file (${places}), so it is unclear which it replaces. Select the code it should replace. Nothing was changed.`,
    );
  }
  // A block that shares a line or two with the file but is mostly new code is not a replacement.
  const regionKeys = new Set(docKeys.slice(chosen.range.start.line, chosen.range.end.line + 1));
  const found = meaningful.filter((key) => regionKeys.has(key)).length;
  if (found < meaningful.length * MIN_SHARED) {
    return refuse(
      `Nothing is selected, and only ${found} of this code's ${meaningful.length} lines occur in the file (${describeLines(chosen.range)}): it looks like new code rather than a change. ${SELECT_INSTEAD}`,
    );
  }
  return { kind: 'region', range: chosen.range };
}

function refuse(reason: string): LocateBlockResult {
  return { kind: 'refused', reason };
}

/** At most `limit` items, evenly spread over the list (all of them when it is short). */
function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, index) => items[Math.floor((index * items.length) / limit)] as T);
}

function mostCommon(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

function describeLines(range: Range0): string {
  const start = range.start.line + 1;
  const end = range.end.line + 1;
  return start === end ? `line ${start}` : `lines ${start}–${end}`;
}
