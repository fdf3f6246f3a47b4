/**
 * What a user meets in a fresh window: the R1 panel never opened and no conversation saved yet.
 * Runs right after activation.test (test/host/index.ts), before any other file opens the panel.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { buildAskAboutSelection } from '../../src/core/prompts';
import type { R1CoderTestApi } from '../../src/host/extension';
import { historyPicker } from '../../src/host/historyPicker';
import { activateExtension, waitUntil } from './extension';

const FIXTURE_DIR = 'r1-fresh-window';

const SOURCE = [
  'export function clamp(value: number, low: number, high: number): number {',
  '  if (value < low) return low;',
  '  if (value > high) return high;',
  '  return value;',
  '}',
  '',
].join('\n');

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, FIXTURE_DIR, name);
}

/** The prompt Ask R1 about Selection puts in the input box for `range` of the fixture. */
function askPrompt(document: vscode.TextDocument, range: vscode.Range): string {
  return buildAskAboutSelection({
    filePath: vscode.workspace.asRelativePath(document.uri, false),
    languageId: document.languageId,
    documentText: document.getText(),
    selection: {
      start: { line: range.start.line, character: range.start.character },
      end: { line: range.end.line, character: range.end.character },
    },
    diagnostics: [],
  });
}

/** Polls the panel (it loads asynchronously) until its input box holds `expected`; returns what it last held. */
async function panelInputBecomes(api: R1CoderTestApi, expected: string): Promise<string | undefined> {
  let last: string | undefined;
  await waitUntil(
    'the panel input to hold the prompt',
    async () => {
      last = await api.panelInput();
      return last === expected;
    },
    15_000,
  ).catch(() => undefined);
  return last;
}

suite('A fresh window (the panel never opened, nothing saved yet)', () => {
  let api: R1CoderTestApi;

  suiteSetup(async () => {
    api = await activateExtension();
    await vscode.workspace.fs.createDirectory(fixtureUri(''));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(fixtureUri(''), { recursive: true, useTrash: false });
  });

  test('Ask R1 about Selection on a never-opened panel opens it with the selection in the input', async () => {
    assert.equal(await api.panelInput(), undefined, 'no panel was loaded before this test');
    const uri = fixtureUri('clamp.ts');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(SOURCE, 'utf8'));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const range = new vscode.Range(1, 0, 2, document.lineAt(2).text.length);
    editor.selection = new vscode.Selection(range.start, range.end);

    await vscode.commands.executeCommand('r1Coder.askAboutSelection');

    const expected = askPrompt(document, range);
    assert.match(expected, /if \(value < low\) return low;/, 'the prompt quotes the selection');
    assert.equal(await panelInputBecomes(api, expected), expected, 'the panel input holds the prompt');
  });

  test('with the panel open, Ask R1 about Selection replaces the input with the new selection', async () => {
    const document = await vscode.workspace.openTextDocument(fixtureUri('clamp.ts'));
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const range = new vscode.Range(3, 0, 3, document.lineAt(3).text.length);
    editor.selection = new vscode.Selection(range.start, range.end);

    await vscode.commands.executeCommand('r1Coder.askAboutSelection');

    const expected = askPrompt(document, range);
    assert.equal(await panelInputBecomes(api, expected), expected);
  });

  test('an empty History says so in its picker, where the user looks, not in the notification centre', async () => {
    assert.deepEqual(api.savedConversations(), [], 'nothing saved yet');
    const picker = historyPicker(api.savedConversations());
    assert.equal(picker.placeHolder, 'No saved conversations yet — ask a question to start one');
    assert.deepEqual(
      picker.items.map((item) => [item.label, item.description]),
      [['$(comment-discussion) Ask a question', 'Opens R1 Chat']],
    );

    let settled = false;
    const shown = Promise.resolve(vscode.commands.executeCommand('r1Coder.showHistory')).finally(() => {
      settled = true;
    });
    // A notification returns at once; the picker keeps the command waiting until the user answers it.
    await new Promise((resolve) => setTimeout(resolve, 750));
    assert.equal(settled, false, 'the History command waits on a picker');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await waitUntil('the picker to be answered', () => settled, 5_000);
    await shown;
  });
});
