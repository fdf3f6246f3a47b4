import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../src/host/commandIds';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { EditProposalView } from '../../src/shared/protocol';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, getExtension, setBaseUrl } from './extension';
import { nodeLlamaCppFilesLoaded, openAiLoaded } from './loadedModules';
import { BROKEN, fixWithR1Actions, typeScriptErrors } from './typeScriptErrors';

// After freshWindow.test: these ask questions, which opens the panel and saves conversations.
suite('Module probes (so the activation checks can fail)', () => {
  test('the probes see openai and node-llama-cpp once they load (so the checks above can fail)', async () => {
    const extension = getExtension();
    const api = await activateExtension();
    const server = await startDeepSeekServer();
    try {
      await setBaseUrl(server.baseUrl);
      await vscode.commands.executeCommand(COMMAND_IDS.newChat);
      const turn = await api.ask('Which SDK answers?', 'cloud');
      assert.equal(turn.status, 'done', turn.error?.message);
      assert.equal(openAiLoaded(), true, 'a cloud request loads the openai SDK, and the probe sees it');
    } finally {
      await setBaseUrl(undefined);
      await vscode.commands.executeCommand(COMMAND_IDS.newChat);
      await server.close();
    }
    await import('node-llama-cpp');
    assert.notDeepEqual(nodeLlamaCppFilesLoaded(extension.extensionPath), [], 'the probe sees node-llama-cpp');
  }).timeout(60_000);
});

suite('Fix with R1 on an untitled document', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await startDeepSeekServer();
    await setBaseUrl(server.baseUrl);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand(COMMAND_IDS.newChat);
    await setBaseUrl(undefined);
    await server.close();
  });

  test('an unsaved TypeScript editor gets the quick fix, and it proposes a fix for that editor', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: BROKEN });
    assert.equal(document.uri.scheme, 'untitled');
    await vscode.window.showTextDocument(document, { preview: false });
    const [error] = await typeScriptErrors(document.uri);
    assert.ok(error);
    const [action] = await fixWithR1Actions(document.uri, error.range);
    assert.ok(action?.command);

    server.enqueue({
      reasoning: 'The variable is declared as a number but initialised with a string. Start the sum at 0.',
      answer: 'Initialise it with a number:\n\n```typescript\n  let sum: number = 0;\n```\n',
    });
    const proposal = await vscode.commands.executeCommand<EditProposalView | undefined>(
      action.command.command,
      ...(action.command.arguments ?? []),
    );
    const prompt = JSON.stringify(server.requests.at(-1)?.body?.messages ?? []);
    assert.ok(prompt.includes(error.message.slice(0, 40)), `the prompt carries the TypeScript error: ${prompt}`);
    assert.equal(proposal?.state, 'pending', JSON.stringify(proposal));
    assert.equal(api.conversation().turns.at(-1)?.status, 'done');
    await vscode.commands.executeCommand(COMMAND_IDS.rejectEdit);
    assert.equal(document.getText(), BROKEN, 'rejected: the editor is unchanged');
  }).timeout(120_000);
});
