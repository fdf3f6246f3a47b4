/** `#selection` and R1: Add Selection to Chat: the active editor's selection as an attachment. */

import * as vscode from 'vscode';
import { excludedReason } from '../../core/context/screen';
import type { ContextOrigin } from '../../core/context/types';
import type { GatheredContext } from './gathered';
import { contextExcludeMatcher, workspacePath } from './readFile';

export function gatherSelection(
  origin: ContextOrigin,
  editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor,
): GatheredContext {
  if (!editor) return { items: [], refused: [], note: 'No editor is active: open a file and select some code first.' };
  const path = workspacePath(editor.document.uri);
  const excluded = excludedReason(path, contextExcludeMatcher());
  if (excluded) return { items: [], refused: [{ path, reason: excluded }] };
  const selections = editor.selections.filter((selection) => !selection.isEmpty);
  if (selections.length === 0) return { items: [], refused: [], note: `Nothing is selected in ${path}.` };
  return {
    items: selections.map((selection) => {
      // Whole lines from the selection's first line, so line numbers and indentation stay right.
      const lastLine =
        selection.end.character === 0 && selection.end.line > selection.start.line
          ? selection.end.line - 1
          : selection.end.line;
      const range = new vscode.Range(selection.start.line, 0, lastLine, editor.document.lineAt(lastLine).text.length);
      return {
        kind: 'selection' as const,
        path,
        languageId: editor.document.languageId,
        text: editor.document.getText(range),
        firstLine: selection.start.line,
        origin,
      };
    }),
    refused: [],
  };
}
