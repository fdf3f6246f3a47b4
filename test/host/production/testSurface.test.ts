/**
 * Test-only surface ships disabled: R1 Coder installed from its VSIX (ExtensionMode.Production)
 * returns no test API from activate() and ignores scripted command arguments. The same checks
 * against the extension under development (ExtensionMode.Test) fail: there activate() returns the
 * test API and r1Coder.setApiKey stores a scripted key (test/host/apiKey.test.ts relies on both).
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../../src/host/commandIds';
import { startDeepSeekServer, type DeepSeekServer } from '../../support/deepseekServer';
import { getExtension, setBaseUrl, waitUntil } from '../extension';

suite('Installed from the VSIX (ExtensionMode.Production): no test-only surface', () => {
  let server: DeepSeekServer;

  suiteSetup(async () => {
    server = await startDeepSeekServer();
    await setBaseUrl(server.baseUrl);
  });

  suiteTeardown(async () => {
    await setBaseUrl(undefined);
    await server.close();
  });

  test('R1 Coder is the installed extension, active after start-up, and activate() returns nothing', async () => {
    const extension = getExtension();
    // Installed into the extensions folder, not loaded from the working tree as in the other host runs.
    assert.match(extension.extensionPath, /[/\\]extensions[/\\]r1-coder\.r1-coder-[^/\\]+$/, extension.extensionPath);
    await waitUntil('R1 Coder to activate on its own (onStartupFinished)', () => extension.isActive, 60_000);
    assert.equal(extension.exports, undefined, 'the activation result is not exposed');
    assert.equal(await extension.activate(), undefined, 'activate() resolves to nothing');
    assert.ok(
      (await vscode.commands.getCommands(true)).includes(COMMAND_IDS.setApiKey),
      'the commands are registered (the extension really is running)',
    );
  }).timeout(90_000);

  test('R1: Set API Key ignores a scripted key: it asks, and nothing is stored or sent', async () => {
    const scripted = `sk-scripted-${randomUUID()}`;
    let settled = false;
    const setKey = Promise.resolve(vscode.commands.executeCommand(COMMAND_IDS.setApiKey, scripted)).finally(
      () => (settled = true),
    );
    // In production the command shows its input box instead of taking the argument: dismiss it as
    // a user pressing Escape would (repeatedly, since it appears asynchronously).
    await waitUntil(
      'R1: Set API Key to finish once its input box is dismissed',
      async () => {
        if (settled) return true;
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        return false;
      },
      20_000,
    );
    await setKey;

    // A request to the configured server shows which key R1 Coder holds for it: none.
    const document = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: 'export const answer = 42;\n',
    });
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    editor.selection = new vscode.Selection(0, 0, 0, document.lineAt(0).text.length);
    const before = server.requests.length;
    await vscode.commands.executeCommand(COMMAND_IDS.explainSelection);
    await waitUntil('the explain request to reach the loopback server', () => server.requests.length > before, 30_000);
    const request = server.requests.at(-1);
    assert.ok(request);
    assert.equal(request.headers.authorization, undefined, 'no key was stored from the scripted argument');
    assert.ok(!JSON.stringify(request.headers).includes(scripted), 'the scripted key was not sent');
  }).timeout(90_000);
});
