/** `#problems`: the workspace's diagnostics (errors first, with the lines they point at), bounded. */

import * as vscode from 'vscode';
import {
  formatProblems,
  orderProblems,
  PROBLEM_LIMITS,
  type ProblemEntry,
  type ProblemSeverity,
} from '../../core/context/problemsText';
import { splitLines } from '../../core/context/render';
import { decodeText, excludedReason, sizeReason } from '../../core/context/screen';
import type { ContextOrigin } from '../../core/context/types';
import type { GatheredContext } from './gathered';
import { contextExcludeMatcher, workspacePath } from './readFile';

export async function gatherProblems(origin: ContextOrigin): Promise<GatheredContext> {
  const exclude = contextExcludeMatcher();
  const entries: ProblemEntry[] = [];
  const uris = new Map<string, vscode.Uri>();
  let hiddenSecret = 0;
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (uri.scheme !== 'file' && uri.scheme !== 'untitled' && uri.scheme !== 'vscode-remote') continue;
    const path = workspacePath(uri);
    const shown = diagnostics.filter((diagnostic) => diagnostic.severity !== vscode.DiagnosticSeverity.Hint);
    if (shown.length === 0) continue;
    // Problems in a file that may hold secrets could quote it: not sent at all.
    if (excludedReason(path, exclude)) {
      hiddenSecret += shown.length;
      continue;
    }
    uris.set(path, uri);
    for (const diagnostic of shown) {
      entries.push({
        path,
        severity: severityName(diagnostic.severity),
        line: diagnostic.range.start.line,
        character: diagnostic.range.start.character,
        endLine: diagnostic.range.end.line,
        message: diagnostic.message,
        ...(diagnostic.source ? { source: diagnostic.source } : {}),
        ...(diagnostic.code !== undefined
          ? { code: String(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code) }
          : {}),
      });
    }
  }
  const secretNote =
    hiddenSecret > 0
      ? `${hiddenSecret} problem${hiddenSecret === 1 ? '' : 's'} in files matching r1Coder.context.exclude not sent.`
      : undefined;
  if (entries.length === 0)
    return {
      items: [],
      refused: [],
      note: ['No problems reported in the workspace.', secretNote].filter(Boolean).join(' '),
    };
  // The source lines of the files the listed problems point at (open editors first: unsaved text).
  const lines = new Map<string, readonly string[] | undefined>();
  const listed = orderProblems(entries).slice(0, PROBLEM_LIMITS.maxProblems);
  for (const path of new Set(listed.map((entry) => entry.path))) {
    const uri = uris.get(path);
    if (uri) lines.set(path, await fileLines(uri));
  }
  const formatted = formatProblems(entries, (path) => lines.get(path));
  return {
    items: [{ kind: 'problems', text: formatted.text, origin, label: formatted.summary }],
    refused: [],
    ...(secretNote ? { note: secretNote } : {}),
  };
}

async function fileLines(uri: vscode.Uri): Promise<readonly string[] | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) return splitLines(open.getText());
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (sizeReason(stat.size)) return undefined;
    const decoded = decodeText(await vscode.workspace.fs.readFile(uri));
    return decoded.ok ? splitLines(decoded.text) : undefined;
  } catch {
    return undefined;
  }
}

/** A diagnostic's severity as the prompts name it (#problems and Fix's diagnostics). */
export function severityName(severity: vscode.DiagnosticSeverity): ProblemSeverity {
  switch (severity) {
    case vscode.DiagnosticSeverity.Error:
      return 'error';
    case vscode.DiagnosticSeverity.Warning:
      return 'warning';
    case vscode.DiagnosticSeverity.Information:
      return 'info';
    case vscode.DiagnosticSeverity.Hint:
      return 'hint';
  }
}
