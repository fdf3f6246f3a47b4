import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, packageJson } from './extension';

suite('Contributions', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  test('every command in package.json is registered', async () => {
    const declared = packageJson().contributes.commands.map((entry) => entry.command);
    // The list itself must be the real one, or "all registered" would pass vacuously.
    for (const id of [
      'r1Coder.setApiKey',
      'r1Coder.clearApiKey',
      'r1Coder.newChat',
      'r1Coder.stop',
      'r1Coder.focusChat',
    ]) {
      assert.ok(declared.includes(id), `package.json declares ${id}`);
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  test("the Explain/Fix/Ask chords are bound to nothing else in this workbench's default key bindings", async () => {
    // The workbench's own list (built-in and extension defaults for this platform), as "Open Default Keyboard Shortcuts (JSON)" shows it.
    const document = await vscode.workspace.openTextDocument(
      vscode.Uri.parse('vscode://defaultsettings/keybindings.json'),
    );
    const defaults = JSON.parse(document.getText().replace(/^\s*\/\/.*$/gm, '')) as Array<{
      key: string;
      command: string;
      when?: string;
    }>;
    assert.ok(
      defaults.some((binding) => binding.command === 'editor.action.replaceAll'),
      'the list holds the built-in bindings',
    );
    const ours = defaults.filter((binding) => binding.command.startsWith('r1Coder.'));
    assert.deepEqual(
      ours.map((binding) => binding.key).sort(),
      ['ctrl+alt+enter', 'ctrl+k ctrl+alt+a', 'ctrl+k ctrl+alt+e', 'ctrl+k ctrl+alt+f'],
      'the list holds the contributed bindings too',
    );
    for (const command of ['r1Coder.explainSelection', 'r1Coder.fixSelection', 'r1Coder.askAboutSelection']) {
      const binding = ours.find((each) => each.command === command);
      assert.ok(binding, command);
      // Two strokes: the second alone (Ctrl+Alt+letter, AltGr on many layouts) never triggers it.
      assert.match(binding.key, /^ctrl\+k \S+$/, command);
      const clashes = defaults.filter((other) => !other.command.startsWith('r1Coder.') && other.key === binding.key);
      assert.deepEqual(clashes, [], `${command} (${binding.key})`);
    }
  });

  test('the R1 view container and its Chat webview view are contributed', async () => {
    const { viewsContainers, views } = packageJson().contributes;
    assert.deepEqual(
      viewsContainers.activitybar.filter((container) => container.id === 'r1Coder').map((container) => container.title),
      ['R1'],
    );
    assert.deepEqual(
      views.r1Coder?.map((view) => [view.id, view.name, view.type]),
      [['r1Coder.chat', 'Chat', 'webview']],
    );
    // The workbench turns contributions into commands; their presence shows it accepted them.
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(registered.has('workbench.view.extension.r1Coder'), 'the view container has its open command');
    assert.ok(registered.has('r1Coder.chat.focus'), 'the chat view has its focus command');
  });

  test('the side bar title names R1 once ("R1: Chat", not "R1: R1 Chat")', () => {
    const { viewsContainers, views } = packageJson().contributes;
    const container = viewsContainers.activitybar.find((candidate) => candidate.id === 'r1Coder');
    const only = views.r1Coder?.length === 1 ? views.r1Coder[0] : undefined;
    assert.ok(container && only, 'one view in the R1 container');
    // How the workbench titles a container with a single view (ViewPaneContainer.getTitle):
    // the view's name alone when both are equal, else "container: view".
    const title = container.title === only.name ? only.name : `${container.title}: ${only.name}`;
    assert.equal(title, 'R1: Chat');
    assert.equal(title.match(/R1/g)?.length, 1, title);
  });
});
