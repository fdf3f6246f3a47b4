/**
 * A workspace file as an attachment, refused by the same rules and words as the command line
 * (src/core/context/screen.ts): the exclusion globs are checked BEFORE anything is read, then the
 * size, then binary content. An open editor's text (unsaved edits included) is what is sent.
 */

import * as vscode from 'vscode';
import { languageIdForPath } from '../../core/languageIds';
import { MAX_ATTACHMENT_BYTES } from '../../core/context/defaults';
import { compileGlobs, type GlobMatcher } from '../../core/context/glob';
import { decodeText, excludedReason, sizeReason } from '../../core/context/screen';
import type { ContextItem, ContextOrigin } from '../../core/context/types';
import type { GatheredContext } from './gathered';
import { readContextExclude } from '../settings';

export function contextExcludeMatcher(): GlobMatcher {
  return compileGlobs(readContextExclude());
}

/** Workspace-relative with `/` (absolute for a file outside every workspace folder). */
export function workspacePath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
}

/** One file as an attachment, or its refusal. */
export async function readWorkspaceFile(
  uri: vscode.Uri,
  origin: ContextOrigin,
  exclude: GlobMatcher = contextExcludeMatcher(),
): Promise<GatheredContext> {
  const path = workspacePath(uri);
  const refuse = (reason: string): GatheredContext => ({ items: [], refused: [{ path, reason }] });
  // A secret is refused before it is even read (or stat'ed).
  const excluded = excludedReason(path, exclude);
  if (excluded) return refuse(excluded);
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) {
    const text = open.getText();
    const tooLarge = sizeReason(Buffer.byteLength(text, 'utf8'));
    if (tooLarge) return refuse(tooLarge);
    return { items: [fileItem(path, text, origin, open.languageId)], refused: [] };
  }
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (error) {
    return refuse(`could not be read: ${(error as Error).message}`);
  }
  if (stat.type & vscode.FileType.Directory) return refuse('is a folder; attach it with #folder');
  const tooLarge = sizeReason(stat.size, MAX_ATTACHMENT_BYTES);
  if (tooLarge) return refuse(tooLarge);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    return refuse(`could not be read: ${(error as Error).message}`);
  }
  const decoded = decodeText(bytes);
  if (!decoded.ok) return refuse(decoded.reason);
  return { items: [fileItem(path, decoded.text, origin, languageIdForPath(path))], refused: [] };
}

/** Several files (the explorer's multi-selection), their items and refusals together. */
export async function readWorkspaceFiles(uris: readonly vscode.Uri[], origin: ContextOrigin): Promise<GatheredContext> {
  const exclude = contextExcludeMatcher();
  const each = await Promise.all(uris.map((uri) => readWorkspaceFile(uri, origin, exclude)));
  return { items: each.flatMap((one) => one.items), refused: each.flatMap((one) => one.refused) };
}

function fileItem(path: string, text: string, origin: ContextOrigin, languageId: string | undefined): ContextItem {
  return { kind: 'file', path, text, origin, ...(languageId ? { languageId } : {}) };
}
