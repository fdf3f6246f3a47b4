/**
 * Token estimate for cloud models, whose tokenizer is not at hand.
 *
 * DeepSeek documents its tokenizer as "1 English character ≈ 0.3 token, 1 Chinese character ≈ 0.6
 * token" (api-docs.deepseek.com, Token & Token Usage). Code packs fewer characters into a token
 * than prose (symbols, short identifiers, indentation), and going over the budget is worse than
 * sending a little less, so the estimate errs high: 1 token per 3 ASCII characters (0.33 — 10% above
 * DeepSeek's figure for English) and 1 token per non-ASCII character (Chinese 0.6, most accented
 * letters less; emoji can take 2–3, but they are rare in code). The local model counts with its
 * own tokenizer instead.
 */
export const ASCII_CHARS_PER_TOKEN = 3;

export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) ascii++;
    // A surrogate pair is one character: count it at its high half only.
    else if (code < 0xdc00 || code > 0xdfff) other++;
  }
  return Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + other;
}

/**
 * A content fingerprint for "unchanged since an earlier turn": two independent 53-bit hashes
 * (cyrb53 with different seeds) and the length, so an accidental collision is out of reach. Not a
 * cryptographic hash (nothing here is adversarial) and pure, so it runs anywhere core runs.
 */
export function contentHash(text: string): string {
  // cyrb53 twice (seeds 0x9e3779b9 and 0x85ebca6b), in one pass over the text.
  let a1 = 0xdeadbeef ^ 0x9e3779b9;
  let a2 = 0x41c6ce57 ^ 0x9e3779b9;
  let b1 = 0xdeadbeef ^ 0x85ebca6b;
  let b2 = 0x41c6ce57 ^ 0x85ebca6b;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    a1 = Math.imul(a1 ^ code, 2654435761);
    a2 = Math.imul(a2 ^ code, 1597334677);
    b1 = Math.imul(b1 ^ code, 2654435761);
    b2 = Math.imul(b2 ^ code, 1597334677);
  }
  return `${finish(a1, a2).toString(16)}-${finish(b1, b2).toString(16)}-${text.length.toString(16)}`;
}

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
