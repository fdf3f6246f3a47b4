/**
 * The Edit prompt: a change described by the user, applied across the attached files (the working
 * set). Like every prompt here it follows DeepSeek-R1's guidance: zero-shot, no system prompt, one
 * user message. The files go in as the context builder's sections; the instructions and the request
 * come last, as the question. The answer format is the one the multi-file planner reads
 * (FILE_LABEL_INSTRUCTION: `File: path` alone on a line, then one fenced block).
 *
 * Whole files or regions: a file of up to WHOLE_FILE_MAX_LINES lines is asked for whole (the planner
 * then replaces it, and nothing has to be found); a longer one (or one the budget trimmed, which the
 * model has not seen whole) is asked for as the changed regions with `... existing code ...`
 * elisions, each with unchanged lines around it so the planner can find where it goes. Writing out
 * a long file costs tokens and time and invites the model to drop or alter code it was not asked
 * to touch.
 */

import { FILE_LABEL_INSTRUCTION } from './apply/fileBlocks';
import { buildContextMessage } from './context/buildContext';
import { DEFAULT_CLOUD_CONTEXT_TOKENS } from './context/defaults';
import { estimateTokens } from './context/tokens';
import type { ContextBuildResult, TokenCounter } from './context/types';

/** Files up to this many lines are asked for whole; longer ones as regions with elisions. */
export const WHOLE_FILE_MAX_LINES = 150;

export interface EditPromptFile {
  /** Workspace-relative path with `/` separators. */
  readonly path: string;
  readonly text: string;
  readonly languageId?: string;
}

export interface EditPromptInput {
  /** What the user wants changed. */
  readonly request: string;
  /** The attached files the change is about. */
  readonly workingSet: readonly EditPromptFile[];
  /** Whether the user allows deleting files (Edit's "allow deletes"). */
  readonly allowDeletes: boolean;
  /** Most tokens the message may take; DEFAULT_CLOUD_CONTEXT_TOKENS when absent. */
  readonly budgetTokens?: number;
  /** The model's token counter; estimateTokens when absent. */
  readonly countTokens?: TokenCounter;
  /** Exclusion globs for attachments (the context builder's default when absent). */
  readonly exclude?: readonly string[];
}

/** The one user message (`message`) and the context builder's report on each file. */
export function buildEditPrompt(input: EditPromptInput): ContextBuildResult {
  const countTokens = input.countTokens ?? estimateTokens;
  const budgetTokens = input.budgetTokens ?? DEFAULT_CLOUD_CONTEXT_TOKENS;
  const items = input.workingSet.map((file) => ({
    kind: 'file' as const,
    path: file.path,
    text: file.text,
    origin: 'picker' as const,
    ...(file.languageId ? { languageId: file.languageId } : {}),
  }));
  const build = (question: string) =>
    buildContextMessage({
      question,
      items,
      budgetTokens,
      countTokens,
      ...(input.exclude ? { exclude: input.exclude } : {}),
    });
  // The builder reports which files it had to trim; those are asked for as regions too.
  const first = build(editQuestion(input, new Set()));
  const trimmed = new Set(first.items.filter((item) => item.trimmed && item.path).map((item) => item.path as string));
  return trimmed.size === 0 ? first : build(editQuestion(input, trimmed));
}

function editQuestion(input: EditPromptInput, trimmed: ReadonlySet<string>): string {
  const long = input.workingSet
    .filter((file) => trimmed.has(file.path) || lineCount(file.text) > WHOLE_FILE_MAX_LINES)
    .map((file) => `\`${file.path}\``);
  const rules = [
    'Change the code as requested below, across the attached files as needed.',
    FILE_LABEL_INSTRUCTION,
    'Write one block per file, and each file only once. Do not copy the line numbers shown at the left of the attached files.',
    long.length === 0
      ? 'Write each changed file whole, with nothing left out.'
      : `Write a changed file of up to ${WHOLE_FILE_MAX_LINES} lines whole, with nothing left out. For the longer ${long.length === 1 ? 'file' : 'files'} (${long.join(', ')}), write only the changed parts: each with a few unchanged lines before and after it, and a line \`// ... existing code ...\` (in the file's comment syntax) for each stretch of unchanged code left out.`,
    'To create a file, write it whole under its new path.',
    input.allowDeletes
      ? 'To delete a file, write `Delete: path/to/file.ext` alone on a line, outside any code block. Do not rename files.'
      : 'Do not delete or rename files.',
    "Keep each file's indentation style. Put explanations outside the code blocks, and give no other code blocks than the files.",
  ];
  return `${rules.join('\n')}\n\nRequest: ${input.request.trim()}`;
}

function lineCount(text: string): number {
  const lines = text.split(/\r?\n/);
  return lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
}

/**
 * Whether a request asks for files to be deleted ("delete the old file", "remove utils.ts"): only
 * then does the Edit prompt allow deletions, and each one is still confirmed before it is applied.
 */
export function requestAllowsDeletes(request: string): boolean {
  return /\b(?:delete|remove|drop)\b[^.\n]*(?:\bfiles?\b|\.[A-Za-z0-9]{1,8}\b)/i.test(request);
}
