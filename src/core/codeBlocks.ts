/**
 * Fenced code blocks of an answer, in document order. Uses markdown-it, the same parser the panel
 * renders with, so "block N" means the same block on both sides of the protocol.
 */

import MarkdownIt from 'markdown-it';

export interface CodeBlock {
  readonly index: number;
  /** The info string's first word, e.g. "ts"; empty when untagged. */
  readonly language: string;
  /** The whole info string, e.g. "ts title=src/app.ts". */
  readonly info: string;
  readonly code: string;
  /** 0-based line range of the fence in the markdown source (end exclusive). */
  readonly lines: readonly [number, number];
}

let parser: ReturnType<typeof MarkdownIt> | undefined;

export function listCodeBlocks(markdown: string): CodeBlock[] {
  parser ??= new MarkdownIt({ html: false });
  const blocks: CodeBlock[] = [];
  for (const token of parser.parse(markdown, {})) {
    if (token.type !== 'fence' || !token.map) continue;
    blocks.push({
      index: blocks.length,
      language: token.info.trim().split(/\s+/)[0] ?? '',
      info: token.info.trim(),
      code: token.content,
      lines: [token.map[0], token.map[1]],
    });
  }
  return blocks;
}
