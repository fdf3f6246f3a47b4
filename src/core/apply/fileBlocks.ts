/**
 * Which file each code block of a multi-file answer is for. R1 and its distills do not call tools
 * reliably, so an Edit answer is plain markdown: one fenced block per changed file, labelled with
 * its workspace-relative path. The prompt asks for one format (FILE_LABEL_INSTRUCTION); the common
 * variants models write anyway are accepted too:
 *   - the path alone on the line before the fence: `File: src/a.ts`, `### src/a.ts`, `**src/a.ts**`,
 *     `` `src/a.ts`: ``, `Path: src/a.ts`;
 *   - the path in the info string: ```` ```ts src/a.ts ````, ```` ```ts:src/a.ts ````,
 *     ```` ```ts title="src/a.ts" ````, `path=` / `file=` / `filename=`;
 *   - the block's first line: `// file: src/a.ts`, `# File: src/a.ts`, `<!-- file: a.html -->`,
 *     `/* file: a.css *\/` (that line is not part of the code).
 * Pure: paths are resolved by resolveBlockPath against a list the caller provides.
 */

import { languageFamily, listFencedBlocks, splitAnswer, type FencedBlock } from './extractCode';
import { languageIdForPath } from '../languageIds';

/** The instruction the Edit prompt gives, in one place so prompt and parser cannot drift apart. */
export const FILE_LABEL_INSTRUCTION =
  'For each file you change or create, write its workspace-relative path alone on a line as `File: path/to/file.ext`, then ONE fenced code block with its new content.';

export interface LabelledBlock {
  readonly block: FencedBlock;
  /** The path as the answer wrote it (normalized: forward slashes, no leading ./), or undefined. */
  readonly label: string | undefined;
  /** The block's code without a `// file: …` label line. */
  readonly code: string;
}

export interface AnswerBlocks {
  readonly blocks: readonly LabelledBlock[];
  /** Paths the answer's prose asks to delete (`Delete: path` / `Delete file `path``), outside blocks. */
  readonly deletions: readonly string[];
  /** Renames the prose asks for (never applied: a rename is refused with a reason). */
  readonly renames: readonly { readonly from: string; readonly to: string }[];
  /** An explicit `<think>` that never closed. */
  readonly reasoningUnclosed: boolean;
}

// A path: no spaces, at least one letter, and a directory part or a dot-extension (README, Makefile too).
const PATH = String.raw`(?:\.{1,2}/)?\.?[\w@+-][\w@.+/-]*`;
const PATH_RE = new RegExp(`^${PATH}$`);
const KNOWN_EXTENSIONLESS = /^(?:.*\/)?(?:Makefile|Dockerfile|Gemfile|Rakefile|Procfile|Justfile|LICENSE|README)$/;

/** Whether `text` looks like a file path rather than a word, a sentence or a language tag. */
export function looksLikePath(text: string): boolean {
  if (!PATH_RE.test(text) || text.endsWith('/') || text.endsWith('.')) return false;
  return text.includes('/') || /\.[A-Za-z0-9]{1,10}$/.test(text) || KNOWN_EXTENSIONLESS.test(text);
}

/** Forward slashes, no leading `./` or `/`. */
export function normalizeLabel(path: string): string {
  return path
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)+/, '')
    .replace(/^\/+/, '');
}

const LABEL_PREFIX = /^(?:file(?:name)?|path|new file|create|updated?|modified|changes? (?:to|in))\s*[:=-]?\s*/i;

/** The path in a prose line before a fence: `File: a.ts`, `### a.ts`, `**a.ts**`, `` `a.ts`: ``. */
function pathFromProse(line: string): string | undefined {
  let text = line.trim();
  text = text.replace(/^#{1,6}\s+/, '').replace(/^[-*+]\s+/, '');
  // Emphasis and code marks around the label or the path, in any order.
  for (let round = 0; round < 3; round++) {
    text = text
      .replace(/^(\*\*|__|\*|_)(.*)\1:?$/, '$2')
      .trim()
      .replace(LABEL_PREFIX, '')
      .replace(/:$/, '')
      .replace(/^`([^`]+)`$/, '$1')
      .replace(/\s*\((?:new|new file|created?|updated?|modified|changed|unchanged)\)$/i, '')
      .trim();
  }
  text = text.replace(/\\/g, '/');
  return looksLikePath(text) ? text : undefined;
}

/** The path in an info string: `ts src/a.ts`, `ts:src/a.ts`, `src/a.ts`, `ts title="src/a.ts"`. */
function pathFromInfo(info: string): string | undefined {
  const keyed = /\b(?:title|path|file|filename)=["']?([^"'\s]+)["']?/.exec(info)?.[1];
  if (keyed && looksLikePath(keyed)) return keyed;
  const words = info.split(/\s+/).filter(Boolean);
  const colon = /^[\w+-]+:(.+)$/.exec(words[0] ?? '')?.[1];
  if (colon && looksLikePath(colon)) return colon;
  const candidate = words.find(
    (word, index) => (index > 0 || word.includes('/') || word.includes('.')) && looksLikePath(word),
  );
  return candidate;
}

const FIRST_LINE_LABEL = /^\s*(?:\/\/+|#+|--|;+|\/\*+|<!--)\s*(?:file(?:name)?|path)\s*:\s*(\S+?)\s*(?:\*\/|-->)?\s*$/i;

/** `// file: src/a.ts` as the block's first line; returns the path and the code without that line. */
function pathFromFirstLine(code: string): { path: string; code: string } | undefined {
  const newline = code.indexOf('\n');
  const first = newline < 0 ? code : code.slice(0, newline);
  const path = FIRST_LINE_LABEL.exec(first)?.[1];
  if (!path || !looksLikePath(path)) return undefined;
  return { path, code: newline < 0 ? '' : code.slice(newline + 1) };
}

const DELETE_LINE = new RegExp(
  String.raw`^\s*(?:[-*]\s+)?(?:\*\*)?delete(?:\s+file)?(?:\*\*)?\s*:?\s*\x60?(${PATH})\x60?\s*\.?$`,
  'i',
);
const RENAME_LINE = new RegExp(
  String.raw`\brename\b[^\x60\n]*\x60(${PATH})\x60[^\x60\n]*?\bto\b[^\x60\n]*\x60(${PATH})\x60`,
  'i',
);

/** The answer's code blocks with the file each is labelled for, and the deletions/renames it asks for. */
export function listAnswerBlocks(output: string): AnswerBlocks {
  const parts = splitAnswer(output);
  const lines = parts.answer.split(/\r?\n/);
  const fenced = listFencedBlocks(parts.answer);
  const inBlock = new Set<number>();
  for (const block of fenced) for (let line = block.lines[0]; line < block.lines[1]; line++) inBlock.add(line);
  const blocks = fenced.map((block, index): LabelledBlock => {
    const fromFirstLine = pathFromFirstLine(block.code);
    if (fromFirstLine) return { block, label: normalizeLabel(fromFirstLine.path), code: fromFirstLine.code };
    const fromInfo = pathFromInfo(block.info);
    if (fromInfo) return { block, label: normalizeLabel(fromInfo), code: block.code };
    // The nearest non-blank prose line before the fence, not past the previous block.
    const floor = index > 0 ? (fenced[index - 1]?.lines[1] ?? 0) : 0;
    for (let line = block.lines[0] - 1; line >= floor; line--) {
      const text = lines[line] ?? '';
      if (text.trim() === '') continue;
      const path = pathFromProse(text);
      return { block, label: path === undefined ? undefined : normalizeLabel(path), code: block.code };
    }
    return { block, label: undefined, code: block.code };
  });
  const deletions: string[] = [];
  const renames: { from: string; to: string }[] = [];
  lines.forEach((line, index) => {
    if (inBlock.has(index)) return;
    const deletion = DELETE_LINE.exec(line)?.[1];
    if (deletion) deletions.push(normalizeLabel(deletion));
    const rename = RENAME_LINE.exec(line);
    if (rename?.[1] && rename[2]) renames.push({ from: normalizeLabel(rename[1]), to: normalizeLabel(rename[2]) });
  });
  return { blocks, deletions, renames, reasoningUnclosed: parts.reasoningUnclosed };
}

export type PathResolution =
  | { readonly kind: 'existing'; readonly path: string }
  | { readonly kind: 'new'; readonly path: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Maps a label to a workspace file: the exact path; otherwise the one workspace file whose path ends
 * with it (a bare `app.ts`, or a path given relative to a subfolder); several such files are
 * ambiguous and refused; none makes it a new file (the planner creates it only from a whole-file
 * block, never from a region with elisions).
 */
export function resolveBlockPath(label: string, workspaceFiles: readonly string[]): PathResolution {
  const path = normalizeLabel(label);
  if (path.split('/').includes('..')) return { kind: 'refused', reason: 'paths outside the workspace are not edited' };
  if (workspaceFiles.includes(path)) return { kind: 'existing', path };
  const matches = workspaceFiles.filter((file) => file === path || file.endsWith(`/${path}`));
  if (matches.length === 1 && matches[0] !== undefined) return { kind: 'existing', path: matches[0] };
  if (matches.length > 1) {
    const shown = matches.slice(0, 4).join(', ') + (matches.length > 4 ? ', …' : '');
    return { kind: 'refused', reason: `ambiguous: ${matches.length} workspace files end with ${path} (${shown})` };
  }
  return { kind: 'new', path };
}

const COMMAND_TAGS = /^(sh|bash|shell|zsh|console|terminal|powershell|ps1|cmd|bat|output|log)$/i;

/** A shell command or its output next to a file's name ("in `app.py`, run:"), not that file's content. */
export function isCommand(language: string, label: string): boolean {
  return COMMAND_TAGS.test(language) && languageFamily(languageIdForPath(label)) !== 'shell';
}
