/**
 * The Get Started walkthrough's steps complete on the real events, in the real extension host:
 * a key stored through R1: Set API Key, a first answer from the loopback DeepSeek server, a fix of
 * the sample bug accepted, a local model (synthesized GGUF) reporting ready. Each test starts from
 * no recorded progress and checks that only its own event is recorded. (That the workbench checks
 * the steps off on those context keys is the E2E walkthrough scenario's part.)
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import { openWalkthroughOnce } from '../../src/host/walkthrough';
import { WALKTHROUGH_OPENED_STATE_KEY, type WalkthroughEvent } from '../../src/host/walkthroughSteps';
import { writeScriptModel } from '../gguf/scriptModel';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, EXTENSION_ID, setBaseUrl, waitUntil } from './extension';

const KEY = 'sk-host-walkthrough-0123456789';
const FIXED_FUNCTION = [
  'function average(numbers) {',
  '  let total = 0;',
  '  for (let i = 0; i < numbers.length; i++) {',
  '    total += numbers[i];',
  '  }',
  '  return total / numbers.length;',
  '}',
].join('\n');
const FIX_ANSWER = `The loop starts at 1 and reads one past the end. Start at 0 and stop before the length:\n\n\`\`\`js\n${FIXED_FUNCTION}\n\`\`\`\n`;
const LOCAL_TIMEOUT_MS = 180_000;

/** Waits until the recorded progress is exactly `expected` (events land through a command, asynchronously). */
async function expectProgress(api: R1CoderTestApi, expected: readonly WalkthroughEvent[]): Promise<void> {
  await waitUntil(`walkthrough progress ${JSON.stringify(expected)}`, () =>
    JSON.stringify(api.walkthroughProgress()) === JSON.stringify(expected) ? true : undefined,
  ).catch(() => undefined);
  assert.deepEqual(api.walkthroughProgress(), expected);
}

/** A Memento of its own, for the open-once rule (the extension's globalState is not reachable from here). */
class MapMemento implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, defaultValue?: T): T | undefined {
    return this.values.has(key) ? (this.values.get(key) as T) : defaultValue;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

function walkthroughTabs(): vscode.Tab[] {
  // The walkthrough editor is a workbench editor: no text/webview input the API knows, only its label.
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input === undefined && /Welcome|Walkthrough|Get Started/i.test(tab.label));
}

suite('Walkthrough: steps complete on the real events', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await startDeepSeekServer();
    await setBaseUrl(server.baseUrl);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('r1Coder.clearApiKey');
    await setBaseUrl(undefined);
    await vscode.workspace.getConfiguration('r1Coder').update('mode', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  setup(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
    await api.resetWalkthroughProgress();
    assert.deepEqual(api.walkthroughProgress(), [], 'each test starts with nothing recorded');
  });

  test('choosing local from the walkthrough writes the mode and checks "Choose cloud or local" off', async () => {
    await vscode.commands.executeCommand('r1Coder.chooseModelSource', 'local');
    assert.equal(vscode.workspace.getConfiguration('r1Coder').get('mode'), 'local');
    await expectProgress(api, ['sourceChosen']);
    await vscode.commands.executeCommand('r1Coder.chooseModelSource', 'cloud');
    assert.equal(vscode.workspace.getConfiguration('r1Coder').get('mode'), 'cloud');
  });

  test('R1: Set API Key checks "Set your API key" off once the key is stored', async () => {
    await vscode.commands.executeCommand('r1Coder.setApiKey', KEY);
    await expectProgress(api, ['apiKeyStored']);
    // The key really is stored: the next request carries it.
    const turn = await api.ask('Which key?');
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
    assert.equal(turn.status, 'done', turn.error?.message);
  });

  test('a turn that fails records nothing; the first answer that ends done checks "Ask a first question" off', async () => {
    await vscode.commands.executeCommand('r1Coder.setApiKey', KEY);
    await expectProgress(api, ['apiKeyStored']);
    server.enqueue({ status: 401 });
    const failed = await api.ask('Will this fail?');
    assert.equal(failed.status, 'error');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(api.walkthroughProgress(), ['apiKeyStored'], 'a failed turn is no first answer');
    server.enqueue({ reasoning: 'A greeting.', answer: 'Hello!' });
    const turn = await api.ask('Hello?');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.answer, 'Hello!');
    await expectProgress(api, ['apiKeyStored', 'firstAnswer']);
  });

  test('the sample bug opens selected; rejecting a fix records nothing, accepting one checks "Fix a bug" off', async function () {
    // Two fix turns, two diffs and a save: slow on a busy 2-core machine.
    this.timeout(120_000);
    await vscode.commands.executeCommand('r1Coder.setApiKey', KEY);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('r1Coder.openFixSample');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString());
    const document = editor.document;
    const buggy = document.getText();
    assert.equal(editor.document.uri.scheme, 'file', 'a real file: the quick fix and Accept work as anywhere');
    assert.equal(
      document.getText(editor.selection),
      buggy.slice(buggy.indexOf('function average'), buggy.indexOf('\n}') + 2),
    );
    assert.ok(document.getText(editor.selection).includes('i <= numbers.length'), 'the selection holds the bug');

    server.enqueue({ reasoning: 'Off by one.', answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await vscode.commands.executeCommand('r1Coder.rejectEdit');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(api.walkthroughProgress(), ['apiKeyStored', 'firstAnswer'], 'a rejected fix is not accepted');
    assert.equal(document.getText(), buggy);

    await vscode.commands.executeCommand('r1Coder.openFixSample');
    server.enqueue({ reasoning: 'Off by one.', answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await vscode.commands.executeCommand('r1Coder.acceptEdit');
    await waitUntil('the fix applied', () => document.getText().includes('i < numbers.length'));
    assert.equal(document.getText(), buggy.replace(/function average[\s\S]*?\n}/, FIXED_FUNCTION));
    await expectProgress(api, ['apiKeyStored', 'firstAnswer', 'fixAccepted']);

    // Opening the sample again puts the bug back (the fixed file is reset, through the editor).
    const again = await vscode.commands.executeCommand<vscode.TextEditor>('r1Coder.openFixSample');
    assert.equal(again.document.getText(), buggy);
    assert.equal(again.document.isDirty, false);
  });

  test('a local model that reports ready checks "Pick or download a model" off', async function () {
    this.timeout(LOCAL_TIMEOUT_MS);
    const dir = mkdtempSync(join(tmpdir(), 'r1-host-walkthrough-'));
    const config = vscode.workspace.getConfiguration('r1Coder');
    const settings = { 'local.modelPath': join(dir, 'r1-script-model.gguf'), 'local.threads': 1, 'local.gpuLayers': 0 };
    writeScriptModel(settings['local.modelPath']);
    try {
      for (const [name, value] of Object.entries(settings))
        await config.update(name, value, vscode.ConfigurationTarget.Global);
      const turn = await api.ask('Why is the sum wrong?', 'local');
      assert.equal(turn.status, 'done', turn.error?.message);
      await expectProgress(api, ['modelLoaded', 'firstAnswer']);
    } finally {
      for (const name of Object.keys(settings)) await config.update(name, undefined, vscode.ConfigurationTarget.Global);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the walkthrough opens on the first activation only, unless openOnInstall is off', async () => {
    const fullId = EXTENSION_ID;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const first = new MapMemento();
    assert.equal(await openWalkthroughOnce(first, fullId), true);
    await waitUntil('the walkthrough editor', () => walkthroughTabs().length > 0);
    assert.equal(first.get(WALKTHROUGH_OPENED_STATE_KEY), true, 'remembered');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await openWalkthroughOnce(first, fullId), false, 'never again');

    const settings = vscode.workspace.getConfiguration('workbench.welcomePage');
    await settings.update('walkthroughs.openOnInstall', false, vscode.ConfigurationTarget.Global);
    try {
      const declined = new MapMemento();
      assert.equal(await openWalkthroughOnce(declined, fullId), false);
      assert.equal(declined.get(WALKTHROUGH_OPENED_STATE_KEY), true, 'and not later either');
    } finally {
      await settings.update('walkthroughs.openOnInstall', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.deepEqual(walkthroughTabs(), [], 'nothing opened after the first');
  });
});
