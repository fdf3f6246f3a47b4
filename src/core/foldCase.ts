/**
 * Case folding for search that keeps every offset: lower case, except that a character whose lower
 * case is longer ("İ") stays as it is. Text and query folded alike still match, and an offset found
 * in the folded text points at the same character in the original (for snippets and highlights).
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  return text.replace(/[^\0-\x7f]/g, (char) => {
    const folded = char.toLowerCase();
    return folded.length === 1 ? folded : char;
  });
}
