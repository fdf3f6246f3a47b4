/**
 * Every prompt R1 Coder sends about a selection, in one place. They follow DeepSeek-R1's usage
 * guidance: zero-shot (examples degrade R1), no system prompt, everything in one user message —
 * the file, the language, the selection with a little marked context (the enclosing symbol and the
 * definitions of what it uses, when a language server gave them; otherwise a few lines around it),
 * the diagnostics, and one precise instruction on the output format.
 */

import { MAX_ENCLOSING_LINES, type PromptLanguageContext } from './languageContext';

export interface PromptPosition {
  readonly line: number;
  readonly character: number;
}

/** 0-based, end exclusive, as in VS Code. */
export interface PromptRange {
  readonly start: PromptPosition;
  readonly end: PromptPosition;
}

export interface PromptDiagnostic {
  readonly message: string;
  readonly severity: string;
  /** 0-based line of the diagnostic's start. */
  readonly line: number;
  readonly source?: string;
  readonly code?: string;
}

export interface SelectionPromptInput {
  /** Workspace-relative path. */
  readonly filePath: string;
  readonly languageId: string;
  readonly documentText: string;
  readonly selection: PromptRange;
  readonly diagnostics: readonly PromptDiagnostic[];
  /** What the language server told about the selection; absent (or empty): CONTEXT_LINES around it. */
  readonly languageContext?: PromptLanguageContext;
}

/** Lines of context shown on each side of the selection when no language server gave an enclosing symbol. */
export const CONTEXT_LINES = 5;

export function buildFixPrompt(input: SelectionPromptInput): string {
  const view = selectionView(input);
  const tag = fenceTag(input.languageId);
  const what = view.partial ? `the selected text (${describePartial(view)})` : `the selected code (${view.where})`;
  const instruction = [
    `Fix ${what}.`,
    `Reply with one or two sentences on what was wrong, then the corrected version of exactly ${view.partial ? 'the selected text, not the whole line' : 'the selected lines'} as ONE fenced code block tagged \`${tag || 'text'}\`.`,
    'The block must contain the whole corrected region with nothing elided (no "..." or "existing code" placeholders), keep the original indentation, and include none of the context.',
    'If nothing needs fixing, say so and give no code block.',
  ].join(' ');
  return [header('Fix', input, view), ...body('Fix', input, view), instruction].join('\n\n');
}

export function buildExplainPrompt(input: SelectionPromptInput): string {
  const view = selectionView(input);
  const instruction = [
    `Explain concisely what the selected code (${view.partial ? describePartial(view) : view.where}) does.`,
    'Then list any bugs or risky behaviour you find in it, citing line numbers; say so if you find none.',
    'Do not rewrite the code.',
  ].join(' ');
  return [header('Explain', input, view), ...body('Explain', input, view), instruction].join('\n\n');
}

/** Text for the chat input: the selection as a fenced block with its path and language, ready for a question. */
export function buildAskAboutSelection(input: SelectionPromptInput): string {
  const view = selectionView(input);
  const tag = fenceTag(input.languageId);
  return `In \`${input.filePath}\` (${view.where}, ${languageName(input.languageId)}):\n\n${fenced(view.selected, tag)}\n\n`;
}

interface SelectionView {
  /** "line 12" or "lines 12–14" (1-based). */
  readonly where: string;
  /** The selection covers only part of a line (or starts/ends mid-line). */
  readonly partial: boolean;
  /** The selected lines, whole (or just the selected text when partial). */
  readonly selected: string;
  readonly lines: readonly string[];
  readonly firstLine: number;
  readonly lastLine: number;
}

function selectionView(input: SelectionPromptInput): SelectionView {
  const lines = input.documentText.split(/\r?\n/);
  const lastIndex = Math.max(0, lines.length - 1);
  const firstLine = clamp(input.selection.start.line, 0, lastIndex);
  let lastLine = clamp(input.selection.end.line, firstLine, lastIndex);
  // A selection that ends at column 0 of a line does not include that line.
  if (lastLine > firstLine && input.selection.end.character === 0) lastLine--;
  const first = lines[firstLine] ?? '';
  const last = lines[lastLine] ?? '';
  const endCharacter = lastLine < input.selection.end.line ? last.length : input.selection.end.character;
  const before = first.slice(0, input.selection.start.character);
  const after = last.slice(endCharacter);
  const empty = firstLine === lastLine && input.selection.start.character >= endCharacter;
  const partial = !empty && (before.trim() !== '' || after.trim() !== '');
  const whole = lines.slice(firstLine, lastLine + 1);
  let selected = whole.join('\n');
  if (partial) {
    const text = [...whole];
    text[text.length - 1] = (text[text.length - 1] ?? '').slice(0, endCharacter);
    text[0] = (text[0] ?? '').slice(input.selection.start.character);
    selected = text.join('\n');
  }
  const where = span(firstLine, lastLine);
  return { where, partial, selected, lines, firstLine, lastLine };
}

function describePartial(view: SelectionView): string {
  return `part of ${view.where}`;
}

type Verb = 'Fix' | 'Explain';

function header(verb: Verb, input: SelectionPromptInput, view: SelectionView): string {
  return [
    verb === 'Fix' ? 'Task: fix the bug in the selected code.' : 'Task: explain the selected code.',
    `File: ${input.filePath}`,
    `Language: ${languageName(input.languageId)} (${input.languageId})`,
    `Selection: ${view.partial ? describePartial(view) : view.where}`,
  ].join('\n');
}

function body(verb: Verb, input: SelectionPromptInput, view: SelectionView): string[] {
  const tag = fenceTag(input.languageId);
  const sections: string[] = [];
  const note = verb === 'Fix' ? '; do not change it' : '';
  // The enclosing function/class when the language server named one (up to MAX_ENCLOSING_LINES on
  // each side), otherwise CONTEXT_LINES around the selection.
  const enclosing = enclosingOf(input, view);
  const inSymbol = enclosing ? `, in ${enclosing.kind} ${enclosing.name}` : '';
  const firstContext = enclosing
    ? Math.max(enclosing.firstLine, view.firstLine - MAX_ENCLOSING_LINES)
    : view.firstLine - CONTEXT_LINES;
  const lastContext = enclosing
    ? Math.min(enclosing.lastLine, view.lastLine + MAX_ENCLOSING_LINES)
    : view.lastLine + CONTEXT_LINES;
  // Context never starts or ends with blank lines, so its line numbers say exactly what is shown.
  let contextStart = Math.max(0, firstContext);
  while (contextStart < view.firstLine && (view.lines[contextStart] ?? '').trim() === '') contextStart++;
  if (contextStart < view.firstLine) {
    const before = view.lines.slice(contextStart, view.firstLine).join('\n');
    sections.push(
      `Context before the selection (${span(contextStart, view.firstLine - 1)}${inSymbol}${note}):\n${fenced(before, tag)}`,
    );
  }
  if (view.partial) {
    const whole = view.lines.slice(view.firstLine, view.lastLine + 1).join('\n');
    const scope = verb === 'Fix' ? '; only the selected text is to be changed' : '';
    sections.push(
      `The line${view.firstLine === view.lastLine ? '' : 's'} holding the selection (${view.where}${scope}):\n${fenced(whole, tag)}`,
    );
    sections.push(`>>> SELECTED TEXT (${describePartial(view)}) <<<\n${fenced(view.selected, tag)}`);
  } else {
    sections.push(`>>> SELECTED CODE (${view.where}) <<<\n${fenced(view.selected, tag)}`);
  }
  let contextEnd = Math.min(view.lines.length - 1, lastContext);
  while (contextEnd > view.lastLine && (view.lines[contextEnd] ?? '').trim() === '') contextEnd--;
  if (contextEnd > view.lastLine) {
    const after = view.lines.slice(view.lastLine + 1, contextEnd + 1).join('\n');
    sections.push(
      `Context after the selection (${span(view.lastLine + 1, contextEnd)}${inSymbol}${note}):\n${fenced(after, tag)}`,
    );
  }
  const definitions = input.languageContext?.definitions ?? [];
  if (definitions.length) sections.push(definitionsSection(verb, definitions));
  sections.push(diagnosticsSection(input.diagnostics));
  return sections;
}

/** The language server's enclosing symbol, when it really encloses the selection. */
function enclosingOf(input: SelectionPromptInput, view: SelectionView): PromptLanguageContext['enclosing'] {
  const enclosing = input.languageContext?.enclosing;
  if (!enclosing || enclosing.firstLine > view.firstLine || enclosing.lastLine < view.lastLine) return undefined;
  return enclosing;
}

function definitionsSection(verb: Verb, definitions: PromptLanguageContext['definitions']): string {
  const note = verb === 'Fix' ? 'context only; do not change them' : 'context';
  const parts = definitions.map(
    (definition) =>
      `${definition.kind} ${definition.name} — ${definition.path}, ${span(definition.firstLine, definition.lastLine)}:\n${fenced(definition.text, fenceTag(definition.languageId))}`,
  );
  return [`Definitions of what the selection uses, found by the language server (${note}):`, ...parts].join('\n\n');
}

/** "line 3" or "lines 3–7" from 0-based inclusive bounds. */
function span(first: number, last: number): string {
  return first === last ? `line ${first + 1}` : `lines ${first + 1}–${last + 1}`;
}

function diagnosticsSection(diagnostics: readonly PromptDiagnostic[]): string {
  if (diagnostics.length === 0) return 'Diagnostics: none reported for the selection.';
  const sorted = [...diagnostics].sort((a, b) => a.line - b.line);
  const items = sorted.map((diagnostic) => {
    const origin = [diagnostic.source, diagnostic.code].filter((part) => part !== undefined && part !== '').join(' ');
    const message = diagnostic.message.trim().replace(/\r?\n/g, '\n  ');
    return `- line ${diagnostic.line + 1} (${diagnostic.severity}${origin ? `, ${origin}` : ''}): ${message}`;
  });
  return `Diagnostics reported for the selection:\n${items.join('\n')}`;
}

/** A fence longer than any backtick run inside, so code with ``` stays one block. */
export function fenced(code: string, tag: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${tag}\n${code}\n${fence}`;
}

const FENCE_TAGS: Record<string, string> = {
  typescriptreact: 'tsx',
  javascriptreact: 'jsx',
  shellscript: 'bash',
  plaintext: '',
  jsonc: 'json',
};

export function fenceTag(languageId: string): string {
  return FENCE_TAGS[languageId] ?? languageId;
}

const LANGUAGE_NAMES: Record<string, string> = {
  typescript: 'TypeScript',
  typescriptreact: 'TypeScript React',
  javascript: 'JavaScript',
  javascriptreact: 'JavaScript React',
  python: 'Python',
  go: 'Go',
  rust: 'Rust',
  java: 'Java',
  c: 'C',
  cpp: 'C++',
  csharp: 'C#',
  ruby: 'Ruby',
  php: 'PHP',
  kotlin: 'Kotlin',
  swift: 'Swift',
  shellscript: 'Shell',
  plaintext: 'Plain text',
};

export function languageName(languageId: string): string {
  return LANGUAGE_NAMES[languageId] ?? languageId;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
