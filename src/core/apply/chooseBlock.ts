/**
 * Picks the one block of an answer that is the fix: related to the selection by content, not
 * presented as the old code, not a usage example or a shell command. Refuses rather than guesses
 * when two different blocks remain.
 */

import { isSourceLanguage, languageFamily, type FencedBlock } from './extractCode';
import { coverage, lineKey, wordTokens } from './similarity';

export interface BlockContext {
  /** The selected lines (whole lines) and the text actually selected. */
  readonly selectedLines: readonly string[];
  readonly selectedText: string;
  /** Every document token, to tell code about this file from unrelated snippets. */
  readonly documentTokens: ReadonlySet<string>;
  readonly languageId?: string;
}

export type BlockChoice =
  { readonly kind: 'chosen'; readonly block: FencedBlock } | { readonly kind: 'refused'; readonly reason: string };

export function chooseFixBlock(blocks: readonly FencedBlock[], context: BlockContext): BlockChoice {
  const nonEmpty = blocks.filter((block) => block.code.trim() !== '');
  const source = nonEmpty.filter((block) => isSourceLanguage(block.language, context.languageId));
  if (source.length === 0) {
    const kinds = [...new Set(nonEmpty.map((block) => block.language || 'untagged'))].join(', ');
    return {
      kind: 'refused',
      reason: nonEmpty.length
        ? `The answer has no code block with code to apply (only ${kinds} blocks).`
        : 'The answer has no code block to apply.',
    };
  }
  if (source.length === 1 && source[0]) return { kind: 'chosen', block: source[0] };

  let candidates: readonly FencedBlock[] = source;
  // A block tagged with another language (a shell command, a JSON payload) is not the fix.
  const documentFamily = languageFamily(context.languageId);
  if (documentFamily) {
    const sameLanguage = candidates.filter((block) => {
      const family = languageFamily(block.language);
      return family === undefined || family === documentFamily;
    });
    if (sameLanguage.length) candidates = sameLanguage;
  }

  const selectedTokens = new Set(wordTokens(context.selectedLines.join('\n')));
  const related = candidates.filter((block) => isRelated(block, selectedTokens, context.documentTokens));
  if (related.length) candidates = related;

  const selectionKeys = keysOf(context.selectedLines.join('\n'));
  const selectedTextKeys = keysOf(context.selectedText);
  const unchanged = (block: FencedBlock) => {
    const keys = keysOf(block.code);
    return sameKeys(keys, selectionKeys) || sameKeys(keys, selectedTextKeys);
  };
  candidates = preferNonEmpty(candidates, (block) => block.role !== 'before' && !unchanged(block));
  candidates = preferNonEmpty(candidates, (block) => block.role !== 'alternative');
  candidates = preferNonEmpty(candidates, (block) => block.role === 'after');
  candidates = distinctByContent(candidates);
  if (candidates.length === 1 && candidates[0]) return { kind: 'chosen', block: candidates[0] };

  // One block containing every line of the others (the changed line, then the whole function).
  const superset = candidates.find((block) => {
    const keys = new Set(keysOf(block.code));
    return candidates.every((other) => other === block || keysOf(other.code).every((key) => keys.has(key)));
  });
  if (superset) return { kind: 'chosen', block: superset };
  return {
    kind: 'refused',
    reason: `The answer has ${candidates.length} different code blocks that could each be the fix (blocks ${candidates
      .map((block) => block.index + 1)
      .join(', ')}); it is ambiguous which one to apply.`,
  };
}

/** Whether a block is about the selected code: shares most of its words, or is built from this file's. */
function isRelated(
  block: FencedBlock,
  selectedTokens: ReadonlySet<string>,
  documentTokens: ReadonlySet<string>,
): boolean {
  const tokens = wordTokens(block.code);
  if (tokens.length === 0) return false;
  const ofSelection = selectedTokens.size ? coverage(selectedTokens, new Set(tokens)) : 0;
  const grounded = coverage(tokens, documentTokens);
  return ofSelection >= 0.5 || (ofSelection >= 0.25 && grounded >= 0.5);
}

function keysOf(code: string): string[] {
  return code
    .split(/\r?\n/)
    .map(lineKey)
    .filter((key) => key !== '');
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length > 0 && a.length === b.length && a.every((key, index) => key === b[index]);
}

function preferNonEmpty<T>(items: readonly T[], keep: (item: T) => boolean): readonly T[] {
  const kept = items.filter(keep);
  return kept.length ? kept : items;
}

function distinctByContent(blocks: readonly FencedBlock[]): FencedBlock[] {
  const seen = new Set<string>();
  const distinct: FencedBlock[] = [];
  for (const block of blocks) {
    const key = keysOf(block.code).join('\n');
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(block);
  }
  return distinct;
}
