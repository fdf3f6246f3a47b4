/** A real TypeScript error and how the host tests wait for the built-in TypeScript features to report it. */
import * as vscode from 'vscode';
import { waitUntil } from './extension';

/** A real TypeScript error (TS2322 on line 2) for the built-in TypeScript features to report. */
export const BROKEN = [
  'export function total(values: number[]): number {',
  "  let sum: number = 'zero';",
  '  for (const value of values) sum += value;',
  '  return sum;',
  '}',
  '',
].join('\n');

/** TypeScript's own diagnostics for the document; the server starts on first use, so allow it time. */
export async function typeScriptErrors(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  return waitUntil(
    `TypeScript diagnostics for ${uri.toString()}`,
    () => {
      const errors = vscode.languages
        .getDiagnostics(uri)
        .filter((diagnostic) => diagnostic.source === 'ts' && diagnostic.severity === vscode.DiagnosticSeverity.Error);
      return errors.length ? errors : undefined;
    },
    90_000,
  );
}

/** The Fix with R1 quick fixes offered at `range`, as the light bulb asks for them. */
export async function fixWithR1Actions(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return waitUntil(
    'the Fix with R1 quick fix',
    async () => {
      const actions =
        (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>(
          'vscode.executeCodeActionProvider',
          uri,
          range,
        )) ?? [];
      const ours = actions.filter(
        (action): action is vscode.CodeAction => action.title === 'Fix with R1' && typeof action.command !== 'string',
      );
      return ours.length ? ours : undefined;
    },
    10_000,
  );
}
