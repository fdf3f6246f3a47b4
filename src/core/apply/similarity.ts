/** Line comparisons shared by block choice and alignment. */

/** A line's content for comparisons: trimmed, runs of whitespace collapsed. */
export function lineKey(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** Identifiers, keywords and numbers: what a line is about (punctuation says little). */
export function wordTokens(text: string): string[] {
  return text.match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?/g) ?? [];
}

/**
 * Lines that occur everywhere (`}`, `end`, `return;`, `} else {`): they may pair with a document
 * line, but never prove on their own where a block belongs.
 */
export function isTrivialLine(line: string): boolean {
  const key = lineKey(line);
  return key !== '' && wordTokens(key).length <= 1 && key.length <= 12;
}

/** Dice coefficient of two lines' word tokens (multisets), 0..1. */
export function lineSimilarity(a: string, b: string): number {
  return diceOfTokens(wordTokens(a), wordTokens(b));
}

export function diceOfTokens(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const token of a) counts.set(token, (counts.get(token) ?? 0) + 1);
  let shared = 0;
  for (const token of b) {
    const count = counts.get(token) ?? 0;
    if (count > 0) {
      shared++;
      counts.set(token, count - 1);
    }
  }
  return (2 * shared) / (a.length + b.length);
}

/** Fraction of `of`'s distinct tokens that also occur in `within`. */
export function coverage(of: Iterable<string>, within: ReadonlySet<string>): number {
  const distinct = new Set(of);
  if (distinct.size === 0) return 0;
  let found = 0;
  for (const token of distinct) if (within.has(token)) found++;
  return found / distinct.size;
}

const DECLARATION_KEYWORD =
  /^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:function\*?|def|fn|func(?:\s*\([^)]*\))?|class|interface|struct|enum|trait|type|sub|proc)\s+([A-Za-z_$][\w$]*)/;
const METHOD_SHAPE =
  /^\s*(?:(?:public|private|protected|internal|static|readonly|override|abstract|async|final|virtual|get|set)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\([^)]*\)\s*(?::\s*[^={]+)?\{\s*$/;
const NOT_A_NAME = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'function', 'else']);

/**
 * The name a line declares (`function load(`, `def load(`, `async load(id: string): Promise<X> {`,
 * `class Store`), or undefined for any other line.
 */
export function declaredName(line: string): string | undefined {
  const name = DECLARATION_KEYWORD.exec(line)?.[1] ?? METHOD_SHAPE.exec(line)?.[1];
  return name === undefined || NOT_A_NAME.has(name) ? undefined : name;
}
