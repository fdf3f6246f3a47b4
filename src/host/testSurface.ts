import * as vscode from 'vscode';

/**
 * Whether test-only surface is on: the test API returned from activate(), scripted command
 * arguments that skip the UI, and test environment variables. The extension-host tests run in
 * ExtensionMode.Test; an installed extension (Production) or F5 (Development) never reaches them.
 * The one place that decides it: every test-only path asks this.
 */
export function testSurfaceEnabled(context: Pick<vscode.ExtensionContext, 'extensionMode'>): boolean {
  return context.extensionMode === vscode.ExtensionMode.Test;
}
