/**
 * A chat answer's code block applied to a file (the panel's Apply to selection / Insert at cursor
 * buttons, through the same host function): planned and previewed as a diff, never written blind.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { Turn } from '../../src/core/turn';
import { PROPOSED_SCHEME } from '../../src/host/commandIds';
import type { EditProposalView } from '../../src/shared/protocol';
import type { DeepSeekServer } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
  waitUntil,
} from './extension';

const KEY = 'sk-host-apply-0123456789';
const FIXTURE_DIR = 'r1-apply-tests';

const ORIGINAL = [
  'export function sum(values: number[]): number {',
  '  let total = 0;',
  '  for (let i = 0; i <= values.length; i++) {',
  '    total += values[i];',
  '  }',
  '  return total;',
  '}',
  '',
  'export function mean(values: number[]): number {',
  '  return values.length === 0 ? 0 : sum(values) / values.length;',
  '}',
  '',
].join('\n');
const FIXED = ORIGINAL.replace('i <= values.length', 'i < values.length');
/** A chat answer that rewrites the whole of sum(), as R1 does when asked about it in the chat. */
const SUM_ANSWER = [
  'The loop reads one element past the end. Here is the corrected function:',
  '',
  '```typescript',
  'export function sum(values: number[]): number {',
  '  let total = 0;',
  '  for (let i = 0; i < values.length; i++) {',
  '    total += values[i];',
  '  }',
  '  return total;',
  '}',
  '```',
  '',
].join('\n');
/** A block that has nothing to do with the file. */
const UNRELATED_ANSWER = [
  'A parser for the config:',
  '',
  '```typescript',
  'export function parseConfig(text: string): Record<string, string> {',
  '  return Object.fromEntries(text.split("\\n").map((line) => line.split("=", 2)));',
  '}',
  '```',
  '',
].join('\n');

type DiffTab = vscode.Tab & { readonly input: vscode.TabInputTextDiff };

function proposalDiffTabs(): DiffTab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter(
      (tab): tab is DiffTab =>
        tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME,
    );
}

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, FIXTURE_DIR, name);
}

/** Writes the file and opens it with an empty selection (the cursor) at `cursor`. */
async function openWithCursor(name: string, text: string, cursor: vscode.Position): Promise<vscode.TextEditor> {
  const uri = fixtureUri(name);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), {
    preview: false,
  });
  editor.selection = new vscode.Selection(cursor, cursor);
  assert.ok(editor.selection.isEmpty);
  return editor;
}

suite('Apply a chat code block (loopback DeepSeek server, real files)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  async function answered(answer: string): Promise<Turn> {
    server.enqueue({ reasoning: 'Looking at the code.', answer });
    const turn = await api.ask('How do I fix sum()?');
    assert.equal(turn.status, 'done', turn.error?.message);
    return turn;
  }

  suiteSetup(async () => {
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fixtureUri(''));
  });

  setup(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  teardown(() => rejectProposalsAndCloseEditors());

  suiteTeardown(async () => {
    await disconnectLoopbackServer(server);
    await vscode.workspace.fs.delete(fixtureUri(''), { recursive: true, useTrash: false });
  });

  test('Apply with nothing selected (cursor mid-line elsewhere): the planner places the block, the diff shows it, Accept applies it', async () => {
    const turn = await answered(SUM_ANSWER);
    // Mid-line in mean(), far from sum(): inserting here is what left four errors in the file.
    const editor = await openWithCursor('mean.ts', ORIGINAL, new vscode.Position(9, 20));

    const proposal = await api.applyCode(turn.id, 0, 'replaceSelection');

    assert.equal(proposal?.state, 'pending', proposal?.message);
    assert.equal(proposal.target, 'r1-apply-tests/mean.ts:1–7', 'the region the planner found: all of sum()');
    const tab = await waitUntil('the proposal diff', () => proposalDiffTabs()[0]);
    assert.equal(tab.input.original.toString(), editor.document.uri.toString());
    assert.equal((await vscode.workspace.openTextDocument(tab.input.modified)).getText(), FIXED);
    assert.equal(tab.label, "r1-apply-tests/mean.ts:1–7 ↔ R1's proposed edit", 'the diff says what it is');
    assert.equal(editor.document.getText(), ORIGINAL, 'nothing changes before Accept');
    assert.equal(editor.document.isDirty, false);

    const view = await vscode.commands.executeCommand<EditProposalView>('r1Coder.acceptEdit');
    assert.equal(view?.state, 'applied', view?.message);
    await waitUntil('the edit to land', () => editor.document.getText() === FIXED, 5_000).catch(() => undefined);
    assert.equal(editor.document.getText(), FIXED);
  });

  test('Apply with nothing selected and a block that matches nothing: refused with the reason, file unchanged', async () => {
    const turn = await answered(UNRELATED_ANSWER);
    const editor = await openWithCursor('unrelated.ts', ORIGINAL, new vscode.Position(2, 10));

    const proposal = await api.applyCode(turn.id, 0, 'replaceSelection');

    assert.equal(proposal?.state, 'refused');
    assert.match(proposal.message ?? '', /no line of this code occurs in the file/);
    assert.match(proposal.message ?? '', /Insert at cursor/, 'it names the explicit alternative');
    assert.equal(proposalDiffTabs().length, 0, 'no diff opened');
    assert.equal(editor.document.getText(), ORIGINAL);
    assert.equal(editor.document.isDirty, false);
  });

  test('Insert at cursor stays the explicit choice: the code goes in at the cursor at once', async () => {
    const turn = await answered(UNRELATED_ANSWER);
    const editor = await openWithCursor('insert.ts', ORIGINAL, new vscode.Position(11, 0));

    const proposal = await api.applyCode(turn.id, 0, 'insertAtCursor');

    assert.equal(proposal, undefined, 'no proposal: inserting is immediate');
    const code = UNRELATED_ANSWER.split('```typescript\n')[1]?.split('```')[0] ?? '';
    assert.ok(code.startsWith('export function parseConfig'));
    assert.equal(editor.document.getText(), ORIGINAL + code);
  });

  test('a Fix Selection diff is titled as a fix', async () => {
    const editor = await openWithCursor('fix.ts', ORIGINAL, new vscode.Position(0, 0));
    editor.selection = new vscode.Selection(2, 0, 4, 3);
    server.enqueue({ reasoning: 'Off by one.', answer: SUM_ANSWER });

    const proposal = await vscode.commands.executeCommand<EditProposalView>('r1Coder.fixSelection');

    assert.equal(proposal?.state, 'pending', proposal?.message);
    const tab = await waitUntil('the proposal diff', () => proposalDiffTabs()[0]);
    assert.equal(tab.label, "r1-apply-tests/fix.ts:3–5 ↔ R1's fix");
  });
});
