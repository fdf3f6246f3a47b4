/**
 * The context sources (#11) in a real extension host: #problems from the built-in TypeScript
 * features, #changes from the built-in Git extension on a real repository, Add File to Chat's
 * refusal of a secret, the `#` picker's file list (files.exclude, .gitignore, the watcher) and a
 * pick with the picker's own accept command, and Fix sending the definition of a function the
 * selection calls from another file (the loopback server records the request).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { openContextPicker, type PickerItem } from '../../src/host/context/contextPicker';
import { addFilesToChat } from '../../src/host/context/contextCommands';
import { gatherChanges } from '../../src/host/context/changes';
import { WorkspaceFileIndex } from '../../src/host/context/fileIndex';
import { gatherFolder } from '../../src/host/context/folder';
import type { AttachmentSink, GatheredContext } from '../../src/host/context/gathered';
import { gatherProblems } from '../../src/host/context/problems';
import { contextExcludeMatcher } from '../../src/host/context/readFile';
import { gatherSelection } from '../../src/host/context/selection';
import { TerminalHistory } from '../../src/host/context/terminal';
import type { EditProposalView } from '../../src/shared/protocol';
import type { DeepSeekServer } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
  waitUntil,
} from './extension';
import { BROKEN, typeScriptErrors } from './typeScriptErrors';

const KEY = 'sk-host-context-0123456789';
const DIR = 'r1-context-tests';

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return folder.uri;
}

function fixtureUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), DIR, ...parts);
}

async function write(uri: vscode.Uri, text: string): Promise<vscode.Uri> {
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** Records what the sources hand to the panel's attachments. */
class RecordingSink implements AttachmentSink {
  readonly added: GatheredContext[] = [];
  add(gathered: GatheredContext): void {
    this.added.push(gathered);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=R1 Test', '-c', 'user.email=r1@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

interface GitApiForTest {
  openRepository(root: vscode.Uri): Promise<unknown>;
}

suite('Context sources (#problems, #changes, Add File to Chat, # picker, LSP context for Fix)', () => {
  let server: DeepSeekServer;

  suiteSetup(async () => {
    await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fixtureUri());
    await vscode.commands.executeCommand('r1Coder.focusChat');
  });

  teardown(() => rejectProposalsAndCloseEditors());

  suiteTeardown(async () => {
    await disconnectLoopbackServer(server);
    await vscode.workspace.fs.delete(fixtureUri(), { recursive: true, useTrash: false });
  });

  test('#problems carries a real TypeScript error with the line it points at', async () => {
    const uri = await write(fixtureUri('broken.ts'), BROKEN);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await typeScriptErrors(uri);

    const gathered = await gatherProblems('picker');
    const [item] = gathered.items;
    assert.ok(item, gathered.note);
    assert.equal(item.kind, 'problems');
    assert.match(
      item.text,
      new RegExp(
        `^${DIR}/broken\\.ts:2:\\d+ error \\(ts 2322\\): Type 'string' is not assignable to type 'number'\\.`,
        'm',
      ),
    );
    assert.match(item.text, /^ {4}2\| {3}let sum: number = 'zero';$/m, 'the source line is quoted');
    // And through the panel's attachments into the request the model receives.
    const sent = await askCarrying(gathered);
    assert.match(sent, /Type 'string' is not assignable to type 'number'\./);
    assert.match(sent, /let sum: number = 'zero';/);
    await vscode.workspace.fs.delete(uri);
  });

  test('#changes carries a real git diff of uncommitted changes; a changed .env is left out', async () => {
    const repo = fixtureUri('repo');
    await vscode.workspace.fs.createDirectory(repo);
    const file = await write(
      vscode.Uri.joinPath(repo, 'app.ts'),
      'export const answer = 41;\nexport const name = "r1";\n',
    );
    const secret = await write(vscode.Uri.joinPath(repo, '.env'), 'API_KEY=sk-before\n');
    git(repo.fsPath, 'init', '-q');
    git(repo.fsPath, 'add', '.');
    git(repo.fsPath, 'commit', '-q', '-m', 'initial');
    await write(file, 'export const answer = 42;\nexport const name = "r1";\n');
    await write(secret, 'API_KEY=sk-after-never-sent\n');
    await write(vscode.Uri.joinPath(repo, 'new.ts'), 'export {};\n');
    const gitExtension = vscode.extensions.getExtension<{
      readonly enabled: boolean;
      getAPI(version: 1): GitApiForTest;
    }>('vscode.git');
    assert.ok(gitExtension, 'the built-in Git extension is installed');
    const exports = gitExtension.isActive ? gitExtension.exports : await gitExtension.activate();
    // The harness's profile switches Git off (git.enabled: false): #changes says so, then Git is switched on.
    const gitConfig = vscode.workspace.getConfiguration('git');
    const wasEnabled = gitConfig.get<boolean>('enabled');
    if (!exports.enabled) {
      const off = await gatherChanges('picker');
      assert.deepEqual(off.items, []);
      assert.match(off.note ?? '', /Git is disabled \(git\.enabled is off\)/);
      await gitConfig.update('enabled', true, vscode.ConfigurationTarget.Global);
      await waitUntil('Git to start', () => exports.enabled, 30_000);
    }
    try {
      // The Git extension finds repositories at start-up; one created during the test is opened explicitly.
      await waitUntil(
        'the Git API',
        async () => {
          try {
            await exports.getAPI(1).openRepository(repo);
            return true;
          } catch {
            return undefined; // "Git model not found" until Git has started
          }
        },
        30_000,
      );
      await checkChanges();
    } finally {
      if (wasEnabled === false) await gitConfig.update('enabled', false, vscode.ConfigurationTarget.Global);
    }
  });

  async function checkChanges(): Promise<void> {
    const gathered = await waitUntil('the diff of app.ts', async () => {
      const result = await gatherChanges('picker');
      return result.items[0]?.text.includes('+export const answer = 42;') ? result : undefined;
    });
    const [item] = gathered.items;
    assert.ok(item);
    assert.equal(item.kind, 'changes');
    assert.match(item.text, /^diff --git a\/app\.ts b\/app\.ts$/m);
    assert.match(item.text, /^-export const answer = 41;$/m);
    assert.match(item.text, /Untracked files \(new, not in the diff\):\n {2}r1-context-tests\/repo\/new\.ts/);
    assert.doesNotMatch(item.text, /sk-after|sk-before/, 'nothing of the .env is sent');
    assert.deepEqual(
      gathered.refused.map((refusal) => refusal.path),
      [`${DIR}/repo/.env`],
    );
    assert.match(gathered.refused[0]?.reason ?? '', /r1Coder\.context\.exclude/);
    const sent = await askCarrying(gathered);
    assert.match(sent, /^-export const answer = 41;$/m);
    assert.match(sent, /^\+export const answer = 42;$/m);
    const leak = /sk-after|sk-before/.exec(sent);
    assert.equal(
      leak,
      null,
      `the .env leaked: …${sent.slice(Math.max(0, (leak?.index ?? 0) - 300), (leak?.index ?? 0) + 100)}…`,
    );
  }

  /** Attaches `gathered` to the panel's next question, asks, and returns the user message the server received. */
  async function askCarrying(gathered: GatheredContext): Promise<string> {
    const api = await activateExtension();
    api.attachContext(gathered);
    server.enqueue({ reasoning: 'Reading what was attached.', answer: 'Here is what I see.' });
    const turn = await api.askWithContext('What do you make of this?');
    assert.equal(turn.status, 'done', turn.error?.message);
    const messages = server.requests.at(-1)?.body?.messages as { role: string; content: string }[] | undefined;
    const last = messages?.at(-1);
    assert.equal(last?.role, 'user');
    return last.content;
  }

  test('Add File to Chat refuses a .env with the reason and attaches an ordinary file', async () => {
    const secret = await write(fixtureUri('.env'), 'API_KEY=sk-secret-value\n');
    const plain = await write(fixtureUri('plain.ts'), 'export const x = 1;\n');
    const sink = new RecordingSink();
    const added = await addFilesToChat(sink, new WorkspaceFileIndex(), [secret, plain]);
    assert.equal(added, true);
    const [gathered] = sink.added;
    assert.ok(gathered);
    assert.deepEqual(
      gathered.items.map((item) => [item.kind, item.path, item.text, item.origin]),
      [['file', `${DIR}/plain.ts`, 'export const x = 1;\n', 'menu']],
    );
    assert.equal(gathered.refused.length, 1);
    assert.equal(gathered.refused[0]?.path, `${DIR}/.env`);
    assert.match(gathered.refused[0]?.reason ?? '', /matches "\*\*\/\.env\*" in r1Coder\.context\.exclude/);
    assert.doesNotMatch(JSON.stringify(sink.added), /sk-secret-value/);
  });

  test('#selection attaches the selected lines with where they start; nothing selected says so', async () => {
    const uri = await write(fixtureUri('selected.ts'), 'const a = 1;\nconst b = 2;\nconst c = 3;\n');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    editor.selection = new vscode.Selection(1, 6, 2, 3);
    const gathered = gatherSelection('picker');
    assert.deepEqual(
      gathered.items.map((item) => [item.kind, item.path, item.text, item.firstLine, item.languageId]),
      [['selection', `${DIR}/selected.ts`, 'const b = 2;\nconst c = 3;', 1, 'typescript']],
    );
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const none = gatherSelection('picker');
    assert.deepEqual(none.items, []);
    assert.match(none.note ?? '', /Nothing is selected in r1-context-tests\/selected\.ts/);
  });

  test('the # picker lists files (not those of files.exclude or .gitignore), follows new files, and a pick attaches one', async () => {
    const picker = fixtureUri('picker');
    await write(vscode.Uri.joinPath(picker, 'visible.ts'), 'export const visible = true;\n');
    await write(vscode.Uri.joinPath(picker, 'excluded.tmp'), 'by files.exclude\n');
    await write(vscode.Uri.joinPath(picker, 'build', 'out.js'), 'by .gitignore\n');
    await write(vscode.Uri.joinPath(picker, 'gen', 'code.ts'), 'by the nested .gitignore\n');
    await write(vscode.Uri.joinPath(picker, 'gen', '.gitignore'), '*.ts\n');
    await write(vscode.Uri.joinPath(picker, '.env.local'), 'TOKEN=x\n');
    const rootIgnore = vscode.Uri.joinPath(workspaceRoot(), '.gitignore');
    await write(rootIgnore, `${DIR}/picker/build/\n`);
    const filesConfig = vscode.workspace.getConfiguration('files');
    await filesConfig.update('exclude', { '**/*.tmp': true }, vscode.ConfigurationTarget.Workspace);
    const index = new WorkspaceFileIndex();
    const sink = new RecordingSink();
    try {
      const opened = openContextPicker({ sink, index, terminals: new TerminalHistory() });
      await opened.filled;
      const files = (opened.quickPick.items as PickerItem[])
        .filter((item): item is PickerItem & { file: { path: string } } => 'file' in item)
        .map((item) => item.file.path);
      const sources = (opened.quickPick.items as PickerItem[])
        .filter((item) => 'source' in item)
        .map((item) => item.label);
      assert.deepEqual(sources, [
        '$(selection) #selection',
        '$(warning) #problems',
        '$(git-compare) #changes',
        '$(terminal) #terminal',
        '$(folder) #folder',
      ]);
      assert.ok(files.includes(`${DIR}/picker/visible.ts`), files.join('\n'));
      for (const hidden of ['excluded.tmp', 'build/out.js', 'gen/code.ts'])
        assert.ok(!files.includes(`${DIR}/picker/${hidden}`), `${hidden} is not listed`);
      const secret = (opened.quickPick.items as PickerItem[]).find((item) => item.label === '.env.local');
      assert.match(secret?.description ?? '', /never sent/);

      // Keyboard: type the name, accept the active item.
      opened.quickPick.value = 'visible';
      await waitUntil('visible.ts active', () =>
        opened.quickPick.activeItems.some((item) => item.label === 'visible.ts') ? true : undefined,
      );
      opened.quickPick.activeItems = opened.quickPick.activeItems.filter((item) => item.label === 'visible.ts');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.equal(await opened.result, true, 'the picker reports a pick');
      assert.deepEqual(
        sink.added.flatMap((gathered) => gathered.items.map((item) => [item.path, item.text, item.origin])),
        [[`${DIR}/picker/visible.ts`, 'export const visible = true;\n', 'picker']],
      );

      // #folder lists the same files (a secret's name is left out too).
      const folder = gatherFolder(`${DIR}/picker`, await index.list(), contextExcludeMatcher(), 'picker');
      assert.equal(folder.items[0]?.kind, 'folder');
      // gen/'s .gitignore is a file like any other; gen/code.ts, build/, excluded.tmp and .env.local are not listed.
      assert.equal(folder.items[0]?.text, `${DIR}/picker/\n  gen/\n    .gitignore\n  visible.ts`);

      // The index is cached and follows the watcher.
      const later = await write(vscode.Uri.joinPath(picker, 'later.ts'), 'export {};\n');
      await waitUntil('later.ts in the index', async () =>
        (await index.list()).some((file) => file.uri.toString() === later.toString()) ? true : undefined,
      );
      await vscode.workspace.fs.delete(later);
      await waitUntil('later.ts gone from the index', async () =>
        (await index.list()).some((file) => file.uri.toString() === later.toString()) ? undefined : true,
      );

      // Dismissed: nothing picked.
      const dismissed = openContextPicker({ sink, index, terminals: new TerminalHistory() });
      dismissed.quickPick.hide();
      assert.equal(await dismissed.result, false);
    } finally {
      index.dispose();
      await filesConfig.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(rootIgnore);
    }
  });

  test('Fix on a selection that calls a function of another file sends that function as context', async () => {
    const math = await write(
      fixtureUri('lsp', 'math.ts'),
      [
        '// Helpers.',
        '',
        '/** Keeps a score between lo and hi. */',
        'export function clampScore(value: number, lo: number, hi: number): number {',
        '  return Math.min(hi, Math.max(lo, value));',
        '}',
        '',
      ].join('\n'),
    );
    const scoreText = [
      "import { clampScore } from './math';",
      '',
      'export function score(values: number[]): number {',
      '  let total = 0;',
      '  for (const value of values) total += value;',
      '  const limit = 100;',
      '  return clampScore(total, 0, limit) + 1;',
      '}',
      '',
    ].join('\n');
    const score = await write(fixtureUri('lsp', 'score.ts'), scoreText);
    const document = await vscode.workspace.openTextDocument(score);
    await vscode.window.showTextDocument(document);
    const call = new vscode.Position(6, scoreText.split('\n')[6]?.indexOf('clampScore') ?? 0);
    // The TypeScript server starts on first use: wait until it answers for this file.
    await waitUntil(
      'TypeScript to resolve clampScore',
      async () => {
        const found =
          (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
            'vscode.executeDefinitionProvider',
            score,
            call,
          )) ?? [];
        return found.some((each) => ('targetUri' in each ? each.targetUri : each.uri).toString() === math.toString())
          ? true
          : undefined;
      },
      90_000,
    );

    server.enqueue({
      reasoning: 'The +1 is wrong.',
      answer: '```typescript\n  return clampScore(total, 0, limit);\n```\n',
    });
    const before = server.requests.length;
    const proposal = await vscode.commands.executeCommand<EditProposalView>('r1Coder.fixSelection', {
      uri: score,
      range: new vscode.Range(6, 0, 6, scoreText.split('\n')[6]?.length ?? 0),
    });
    assert.ok(proposal, 'Fix resolved with a proposal');
    assert.equal(server.requests.length, before + 1);
    const messages = server.requests.at(-1)?.body?.messages ?? [];
    const user = messages.filter((message) => message.role === 'user').at(-1)?.content;
    assert.ok(typeof user === 'string');
    assert.match(
      user,
      /Definitions of what the selection uses, found by the language server \(context only; do not change them\):\n\nfunction clampScore — r1-context-tests\/lsp\/math\.ts, lines 4–6:\n```typescript\nexport function clampScore\(value: number, lo: number, hi: number\): number \{\n {2}return Math\.min\(hi, Math\.max\(lo, value\)\);\n\}\n```/,
    );
    // The enclosing function is the context, not five fixed lines; its own locals are not "definitions".
    assert.match(user, /Context before the selection \(lines 3–6, in function score; do not change it\)/);
    assert.doesNotMatch(user, /— r1-context-tests\/lsp\/score\.ts/);
  });
});
