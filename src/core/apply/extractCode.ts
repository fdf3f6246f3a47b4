/**
 * Finds the code an answer proposes: the answer part of the model's output (reasoning is never
 * used), its fenced blocks with how they are introduced ("Before:", "Fixed:"), and whether the
 * last one was cut off.
 */

import { listCodeBlocks, type CodeBlock } from '../codeBlocks';
import { ThinkSplitter, foldSplit } from '../thinkSplitter';
import { lineKey } from './similarity';

export interface AnswerParts {
  readonly reasoning: string;
  readonly answer: string;
  /** An explicit `<think>` that never closed: the output stopped while the model was thinking. */
  readonly reasoningUnclosed: boolean;
}

export function splitAnswer(output: string): AnswerParts {
  const splitter = new ThinkSplitter('auto');
  const { reasoning, answer } = foldSplit([...splitter.push(output), ...splitter.end()]);
  const reasoningUnclosed = output.trimStart().startsWith('<think>') && !output.includes('</think>');
  return { reasoning, answer, reasoningUnclosed };
}

/** How the prose right before a block (or its first comment) presents it. */
export type BlockRole = 'before' | 'after' | 'alternative' | 'unknown';

export interface FencedBlock extends CodeBlock {
  readonly role: BlockRole;
  /** False when the opening fence has no closing fence. */
  readonly closed: boolean;
  /** True when nothing but blank lines follows the block in the answer. */
  readonly atEnd: boolean;
}

const FENCE = /^(`{3,}|~{3,})/;

export function listFencedBlocks(answer: string): FencedBlock[] {
  const sourceLines = answer.split(/\r?\n/);
  const blocks = listCodeBlocks(answer);
  return blocks.map((block, index) => {
    const [open, next] = block.lines;
    const opener = FENCE.exec((sourceLines[open] ?? '').trimStart())?.[1] ?? '```';
    const last = (sourceLines[next - 1] ?? '').trim();
    const closed = next - 1 > open && last.length >= opener.length && [...last].every((char) => char === opener[0]);
    const atEnd = sourceLines.slice(next).every((line) => line.trim() === '');
    const previousEnd = index > 0 ? (blocks[index - 1]?.lines[1] ?? 0) : 0;
    const lead = sourceLines.slice(previousEnd, open);
    return { ...block, role: classifyRole(lead, block.code), closed, atEnd };
  });
}

const BEFORE_START =
  /^(before|original|old|wrong|incorrect|buggy|broken|current|existing|problematic|bad|don'?t|avoid)\b/;
const AFTER_START =
  /^(after|fixed|corrected|correct|updated|revised|new|solution|final|modified|improved|good|do\b|use\b|change it to|replace (it|this|that)? ?with)/;
const ALTERNATIVE =
  /\b(alternative(ly)?|another (way|option|approach)|or you could|you could also|optionally|for example|example usage|usage|to test|test it|testing|run it|install)\b/;
const AFTER_ANYWHERE =
  /\b(fixed|corrected|correct(ed)? (version|code|implementation)|updated|revised|the fix|fix(ed)? (version|code)|solution|should be|change (it|this|that|the line)? ?to|replace (it|this|that|the line|them)? ?with|becomes|final (code|version|answer))\b/;
const BEFORE_ANYWHERE =
  /\b(original|buggy|incorrect|wrong|broken|the (bug|problem|issue|error) is|problematic|currently|instead of|current code|old code)\b/;

/** Decides from the last lines of prose before a block (and a leading comment in it) what it is. */
function classifyRole(lead: readonly string[], code: string): BlockRole {
  // The nearest prose line first.
  const prose = lead
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-2)
    .reverse()
    .map(normalizeProse);
  const firstLine = code.split('\n').find((line) => line.trim() !== '') ?? '';
  const leadingComment = /^\s*(\/\/+|#+|--|\/\*+|<!--)\s*/.exec(firstLine);
  const candidates = leadingComment ? [normalizeProse(firstLine.slice(leadingComment[0].length)), ...prose] : prose;
  for (const text of candidates) {
    // A label at the start of the line is the strongest signal ("Before:", "**Fixed code:**").
    if (BEFORE_START.test(text)) return 'before';
    if (AFTER_START.test(text)) return 'after';
  }
  const nearest = prose[0] ?? '';
  if (ALTERNATIVE.test(nearest)) return 'alternative';
  if (AFTER_ANYWHERE.test(nearest)) return 'after';
  if (BEFORE_ANYWHERE.test(nearest)) return 'before';
  return 'unknown';
}

function normalizeProse(text: string): string {
  return text
    .toLowerCase()
    .replace(/^(#+|>|[-*+]|\d+[.)])\s+/, '')
    .replace(/[*_`]/g, '')
    .replace(/^(here('s| is)( the)?|the|this is( the)?)\s+/, '')
    .trim();
}

/** Block languages that are never the source of a fix unless the document is one of them. */
const NON_SOURCE = new Set([
  'sh',
  'bash',
  'shell',
  'zsh',
  'console',
  'powershell',
  'ps1',
  'cmd',
  'bat',
  'text',
  'txt',
  'plaintext',
  'output',
  'log',
  'diff',
  'patch',
]);

const LANGUAGE_FAMILIES: Record<string, string> = {
  ts: 'js',
  tsx: 'js',
  typescript: 'js',
  typescriptreact: 'js',
  js: 'js',
  jsx: 'js',
  javascript: 'js',
  javascriptreact: 'js',
  mjs: 'js',
  cjs: 'js',
  py: 'python',
  python: 'python',
  python3: 'python',
  go: 'go',
  golang: 'go',
  rs: 'rust',
  rust: 'rust',
  java: 'java',
  c: 'c',
  h: 'c',
  cpp: 'c',
  'c++': 'c',
  cc: 'c',
  cxx: 'c',
  hpp: 'c',
  cs: 'csharp',
  csharp: 'csharp',
  rb: 'ruby',
  ruby: 'ruby',
  php: 'php',
  kt: 'kotlin',
  kotlin: 'kotlin',
  swift: 'swift',
  sql: 'sql',
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  shellscript: 'shell',
  zsh: 'shell',
  json: 'json',
  jsonc: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  html: 'html',
  css: 'css',
  scss: 'css',
  lua: 'lua',
  dart: 'dart',
  scala: 'scala',
};

/** Language family of a block tag or a VS Code language id; undefined when unknown. */
export function languageFamily(tagOrId: string | undefined): string | undefined {
  if (!tagOrId) return undefined;
  return LANGUAGE_FAMILIES[tagOrId.toLowerCase()];
}

/** Whether a block with this tag can hold source for a document of `languageId` (unknown id: any). */
export function isSourceLanguage(tag: string, languageId: string | undefined): boolean {
  const lower = tag.toLowerCase();
  if (lower === 'diff' || lower === 'patch') return false;
  if (!NON_SOURCE.has(lower)) return true;
  const documentFamily = languageFamily(languageId);
  return documentFamily !== undefined && documentFamily === languageFamily(lower);
}

const ELISION_MARKER =
  /(\.\.\.|…|\b(unchanged|omitted|same as (before|above)|remains? the same)\b|\b(existing|previous|other|original|remaining) (code|logic|implementation|methods?|fields?|imports?|functions?|cases?|lines?|content|statements?)\b|\brest of (the )?(code|function|method|class|file|implementation|body|loop)\b)/i;
const COMMENTED = /^(\/\/+|#+|--|;+|%+|\/\*+|<!--|\{\/\*)\s*(.*?)\s*(\*+\/|-->|\*\/\})?$/;

/**
 * Whether a block line stands for "the original code here" (`// ... existing code ...`,
 * `# ...`, `/* ... *\/`, a bare `...`). A line that literally exists in the document is code, not
 * an elision.
 */
export function isElisionLine(line: string, documentKeys: ReadonlySet<string>): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || documentKeys.has(lineKey(line))) return false;
  if (trimmed === '...' || trimmed === '…') return true;
  const comment = COMMENTED.exec(trimmed);
  if (!comment) return false;
  const inner = comment[2] ?? '';
  // A comment of mostly prose with "..." in it is still an elision in R1's answers only when short.
  return ELISION_MARKER.test(inner) && inner.length <= 80;
}
