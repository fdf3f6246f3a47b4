/**
 * `r1-coder ask --file PATH …`: reads the attached files relative to the current directory (the
 * stand-in for the workspace root), refuses what the extension refuses (exclusion globs, size,
 * binary — the same core rules and words), builds the same user message, and says on stderr what
 * was refused or trimmed. `--json` callers also get one `context` line describing it.
 */

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { buildContextMessage } from '../core/context/buildContext';
import { languageIdForPath } from '../core/languageIds';
import { DEFAULT_CONTEXT_EXCLUDE } from '../core/context/defaults';
import { compileGlobs } from '../core/context/glob';
import { decodeText, excludedReason, sizeReason } from '../core/context/screen';
import { estimateTokens } from '../core/context/tokens';
import type { ContextBuildResult, ContextItem, ContextRefusal, TokenCounter } from '../core/context/types';

export interface FileContextRequest {
  readonly paths: readonly string[];
  readonly question: string;
  readonly cwd: string;
  readonly budgetTokens: number;
  readonly exclude?: readonly string[];
  /** Default: the cloud estimate (the command line has no tokenizer of the local model at hand). */
  readonly countTokens?: TokenCounter;
}

export type FileContext =
  | {
      readonly ok: true;
      /** The user message to send. */
      readonly message: string;
      readonly result: ContextBuildResult;
      /** Lines for stderr: each refusal and each trim. */
      readonly notices: readonly string[];
      /** The `--json` first line (an object; the caller serializes it). */
      readonly jsonLine: ContextJsonLine;
    }
  | { readonly ok: false; readonly error: string };

export interface ContextJsonLine {
  readonly type: 'context';
  readonly files: readonly { path: string; tokens: number; trimmed: boolean; leftOut?: string }[];
  readonly refused: readonly ContextRefusal[];
}

export function prepareFileContext(request: FileContextRequest): FileContext {
  const exclude = compileGlobs(request.exclude ?? DEFAULT_CONTEXT_EXCLUDE);
  const items: ContextItem[] = [];
  const refused: ContextRefusal[] = [];
  for (const given of request.paths) {
    const absolute = resolve(request.cwd, given);
    const path = displayPath(request.cwd, absolute);
    // A secret is refused before it is even read.
    const excluded = excludedReason(path, exclude);
    if (excluded) {
      refused.push({ path, reason: excluded });
      continue;
    }
    let size: number;
    try {
      const stats = statSync(absolute);
      if (stats.isDirectory())
        return { ok: false, error: `--file ${given} is a folder; attach the files in it one by one` };
      size = stats.size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        error:
          code === 'ENOENT'
            ? `--file ${given}: no such file (paths are relative to ${request.cwd})`
            : `--file ${given}: ${(error as Error).message}`,
      };
    }
    const tooLarge = sizeReason(size);
    if (tooLarge) {
      refused.push({ path, reason: tooLarge });
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(absolute);
    } catch (error) {
      return { ok: false, error: `--file ${given}: ${(error as Error).message}` };
    }
    const decoded = decodeText(bytes);
    if (!decoded.ok) {
      refused.push({ path, reason: decoded.reason });
      continue;
    }
    const languageId = languageIdForPath(path);
    items.push({
      kind: 'file',
      path,
      text: decoded.text,
      origin: 'commandLine',
      ...(languageId ? { languageId } : {}),
    });
  }
  const result = buildContextMessage({
    question: request.question,
    items,
    budgetTokens: request.budgetTokens,
    countTokens: request.countTokens ?? estimateTokens,
    exclude: request.exclude ?? DEFAULT_CONTEXT_EXCLUDE,
    refused,
  });
  const notices = [
    ...result.refused.map((refusal) => `not sent: ${refusal.path} ${refusal.reason}`),
    ...result.items
      .filter((item) => item.trimmed)
      .map(
        (item) =>
          `trimmed ${item.path ?? item.kind} to fit ${request.budgetTokens.toLocaleString('en-US')} tokens (--context-tokens): ${item.leftOut ?? ''}`,
      ),
    ...result.items
      .filter((item) => item.repeated === 'thisTurn')
      .map((item) => `${item.path ?? item.kind} was given twice; sent once`),
    ...(result.overBudget
      ? [`the question alone is longer than ${request.budgetTokens.toLocaleString('en-US')} tokens; sent anyway`]
      : []),
  ];
  const jsonLine: ContextJsonLine = {
    type: 'context',
    files: result.items.map((item) => ({
      path: item.path ?? item.kind,
      tokens: item.tokens,
      trimmed: item.trimmed,
      ...(item.leftOut ? { leftOut: item.leftOut } : {}),
    })),
    refused: result.refused,
  };
  return { ok: true, message: result.message, result, notices, jsonLine };
}

/** Relative to the working directory with `/`, or the absolute path for a file outside it. */
function displayPath(cwd: string, absolute: string): string {
  const relativePath = relative(cwd, absolute);
  const outside = relativePath.startsWith('..') || isAbsolute(relativePath);
  return (outside ? absolute : relativePath).split(sep).join('/');
}
