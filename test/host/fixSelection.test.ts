import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { Turn } from '../../src/core/turn';
import { PROPOSED_SCHEME } from '../../src/host/commandIds';
import type { EditProposalView } from '../../src/shared/protocol';
import type { DeepSeekServer, RecordedRequest } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
  waitUntil,
} from './extension';

const KEY = 'sk-host-fix-0123456789';
/** Fixture files go in the opened workspace folder, so paths in prompts are workspace-relative. */
const FIXTURE_DIR = 'r1-fix-tests';

/** A real off-by-one: the loop reads values[values.length], so sum() returns NaN. */
const BUGGY = [
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
const FIXED = BUGGY.replace('i <= values.length', 'i < values.length');
/** Lines 3–5 (the loop), from column 0 to the end of `  }`. */
const LOOP = new vscode.Range(2, 0, 4, 3);

/** What R1 streams: a thought that itself quotes (wrong) code, then a short answer with one fenced block. */
const FIX_REASONING = [
  'The selected loop runs while `i <= values.length`. Arrays are indexed from 0 to length - 1, so the last',
  'iteration reads values[values.length], which is undefined, and total becomes NaN.',
  'Could I write it as',
  '```typescript',
  'for (let i = 1; i <= values.length; i++) total += values[i - 1];',
  '```',
  '? That works but changes more than needed. The minimal fix is the strict comparison; the body and the',
  "closing brace stay as they are, with the file's two-space indentation.",
].join('\n');
const FIX_ANSWER = [
  'The loop condition `i <= values.length` lets `i` reach `values.length`, so the last iteration reads past the end of the array and adds `undefined`, which makes the total `NaN`. Use a strict comparison:',
  '',
  '```typescript',
  '  for (let i = 0; i < values.length; i++) {',
  '    total += values[i];',
  '  }',
  '```',
  '',
].join('\n');

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, FIXTURE_DIR, name);
}

async function writeFixture(name: string, text: string): Promise<vscode.Uri> {
  const uri = fixtureUri(name);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

async function readBytes(uri: vscode.Uri): Promise<string> {
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
}

/** Opens the file in an editor with `range` selected, as a user would before running a command. */
async function openWithSelection(uri: vscode.Uri, range: vscode.Range): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  editor.selection = new vscode.Selection(range.start, range.end);
  assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
  return editor;
}

function proposalDiffTabs(): Array<vscode.Tab & { readonly input: vscode.TabInputTextDiff }> {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter(
      (tab): tab is vscode.Tab & { readonly input: vscode.TabInputTextDiff } =>
        tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME,
    );
}

/** Waits (bounded) for the document to read `expected`, then asserts it, so a mismatch shows both texts. */
async function assertTextBecomes(document: vscode.TextDocument, expected: string, message: string): Promise<void> {
  await waitUntil(message, () => (document.getText() === expected ? true : undefined), 5_000).catch(() => undefined);
  assert.equal(document.getText(), expected, message);
}

/** The single diff editor an R1 proposal opened, with the original file on the left. */
async function waitForProposalDiff(
  original: vscode.Uri,
): Promise<vscode.Tab & { readonly input: vscode.TabInputTextDiff }> {
  const tab = await waitUntil('the r1-proposed diff editor', () => {
    const tabs = proposalDiffTabs();
    return tabs.length ? tabs : undefined;
  });
  assert.equal(tab.length, 1, 'exactly one proposal diff is open');
  const [only] = tab;
  assert.ok(only);
  assert.equal(only.input.original.toString(), original.toString(), 'the left side is the file itself');
  return only;
}

async function proposedText(tab: vscode.Tab & { readonly input: vscode.TabInputTextDiff }): Promise<string> {
  return (await vscode.workspace.openTextDocument(tab.input.modified)).getText();
}

async function waitForNoProposalDiff(): Promise<void> {
  await waitUntil('the proposal diff to close', () => (proposalDiffTabs().length === 0 ? true : undefined), 5_000);
}

function lastUserMessage(request: RecordedRequest | undefined): string {
  assert.ok(request, 'the loopback server received a request');
  const user = [...(request.body?.messages ?? [])].reverse().find((message) => message.role === 'user');
  assert.ok(user && typeof user.content === 'string', 'the request has a user message');
  return user.content;
}

async function accept(): Promise<EditProposalView | undefined> {
  return vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.acceptEdit');
}

async function reject(): Promise<EditProposalView | undefined> {
  return vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.rejectEdit');
}

suite('Fix / Explain Selection (loopback DeepSeek server, real files)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  /**
   * Retries a failed Fix turn and checks the whole path: the same prompt sent once more as a new turn,
   * Retry resolving with a pending proposal, the exact fixed file in the diff, and Accept applying it.
   */
  async function retryFixAndAccept(failed: Turn, uri: vscode.Uri, document: vscode.TextDocument): Promise<Turn> {
    const requestsBefore = server.requests.length;
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
    const retried = (await api.retry(failed.id)) as EditProposalView | Turn | undefined;

    assert.equal(server.requests.length, requestsBefore + 1, 'one more request');
    assert.equal(
      lastUserMessage(server.requests.at(-1)),
      lastUserMessage(server.requests.at(-2)),
      'the same Fix prompt was sent again',
    );
    const turn = api.conversation().turns.at(-1);
    assert.ok(turn && turn.id !== failed.id, 'the retry is a new turn');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.title, failed.title);
    // A plain chat turn here would mean Retry asked the question again without the fix path.
    assert.ok(retried && 'state' in retried, 'Retry resolved with a proposal, not a chat turn');
    assert.equal(retried.state, 'pending', retried.message);
    const tab = await waitForProposalDiff(uri);
    assert.equal(await proposedText(tab), FIXED);
    assert.equal(document.getText(), BUGGY, 'proposing changes nothing');

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    await assertTextBecomes(document, FIXED, 'the document holds exactly the proposed file');
    return turn;
  }

  suiteSetup(async () => {
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fixtureUri(''));
    // The panel's first reveal loads its webview; pay that here, not inside the first test's time limit.
    await vscode.commands.executeCommand('r1Coder.focusChat');
  });

  setup(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  teardown(() => rejectProposalsAndCloseEditors());

  suiteTeardown(async () => {
    await disconnectLoopbackServer(server);
    await vscode.workspace.fs.delete(fixtureUri(''), { recursive: true, useTrash: false });
  });

  test('with two fixes pending, Accept acts on the diff in front of the user, even with its original side focused', async () => {
    const first = await writeFixture('first.ts', BUGGY);
    const second = await writeFixture('second.ts', BUGGY);
    const diffs: vscode.TabInputTextDiff[] = [];
    for (const uri of [first, second]) {
      await openWithSelection(uri, LOOP);
      server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
      const proposal = await vscode.commands.executeCommand<EditProposalView>('r1Coder.fixSelection');
      assert.equal(proposal?.state, 'pending', proposal?.message);
      const tab = await waitUntil(`the diff for ${uri.path}`, () =>
        proposalDiffTabs().find((each) => each.input.original.toString() === uri.toString()),
      );
      diffs.push(tab.input);
    }
    const [firstDiff, secondDiff] = diffs as [vscode.TabInputTextDiff, vscode.TabInputTextDiff];
    // Back to the first fix's diff (the second, newer one is also pending), the left side focused.
    await vscode.commands.executeCommand('vscode.diff', firstDiff.original, firstDiff.modified, 'first.ts ↔ R1');
    await vscode.commands.executeCommand('workbench.action.compareEditor.focusSecondarySide');
    await waitUntil('the original side focused', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === first.toString() ? true : undefined,
    );

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    const [firstDocument, secondDocument] = await Promise.all(
      [first, second].map((uri) => vscode.workspace.openTextDocument(uri)),
    );
    await assertTextBecomes(firstDocument!, FIXED, 'the fix whose diff was in front was applied');
    assert.equal(secondDocument!.getText(), BUGGY, 'the other pending fix was not touched');

    // The title bar passes the diff's own URI: that proposal is the one rejected.
    const rejected = await vscode.commands.executeCommand<EditProposalView>('r1Coder.rejectEdit', secondDiff.modified);
    assert.equal(rejected?.state, 'rejected');
    assert.equal(secondDocument!.getText(), BUGGY);
  });

  test('Fix Selection: the diff shows the exact fixed file; Accept applies it; one undo restores the original', async () => {
    const uri = await writeFixture('sum.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });

    await vscode.commands.executeCommand('r1Coder.fixSelection');

    const turn = api.conversation().turns.at(-1);
    assert.ok(turn);
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.title, `Fix ${FIXTURE_DIR}/sum.ts:3–5`);
    assert.equal(turn.reasoning, FIX_REASONING);
    assert.equal(turn.answer, FIX_ANSWER);
    const prompt = lastUserMessage(server.requests.at(-1));
    assert.ok(
      prompt.includes(
        `>>> SELECTED CODE (lines 3–5) <<<\n\`\`\`typescript\n${BUGGY.split('\n').slice(2, 5).join('\n')}\n\`\`\``,
      ),
      prompt,
    );

    const tab = await waitForProposalDiff(uri);
    assert.equal(
      await proposedText(tab),
      FIXED,
      'the right side is the whole file with the fix (not the code from the reasoning)',
    );
    assert.equal(document.getText(), BUGGY, 'proposing changes nothing');
    assert.equal(document.isDirty, false);

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    await assertTextBecomes(document, FIXED, 'the document holds exactly the proposed file');
    await waitForNoProposalDiff();

    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    await assertTextBecomes(document, BUGGY, 'one undo restores the file byte for byte');
    // Back at the saved version: the accept was one undo step. The dirty flag reaches the host after the text.
    await waitUntil('the document to be clean again', () => (document.isDirty ? undefined : true), 5_000).catch(
      () => undefined,
    );
    assert.equal(document.isDirty, false, 'after one undo the document is at its saved state');
  });

  test('Reject leaves the file untouched and closes the diff', async () => {
    const uri = await writeFixture('reject.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const version = editor.document.version;
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });

    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await waitForProposalDiff(uri);

    const view = await reject();
    assert.equal(view?.state, 'rejected', view?.message);
    await waitForNoProposalDiff();
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), BUGGY);
    assert.equal(document.version, version, 'no edit was made, not even one that was undone');
    assert.equal(document.isDirty, false);
    assert.equal(await readBytes(uri), BUGGY);
    assert.equal(await accept(), undefined, 'a rejected proposal cannot be accepted afterwards');
    assert.equal(document.getText(), BUGGY);
  });

  test('the file changed above the selection before Accept: Accept re-plans and places the fix', async () => {
    const uri = await writeFixture('shifted.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await waitForProposalDiff(uri);

    // The user edits elsewhere while the diff is open; every line of the selection moves down by two.
    const header = '// Arithmetic helpers.\n// Inputs are finite numbers.\n';
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), header);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await assertTextBecomes(document, header + BUGGY, 'the unrelated edit is in');

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    await assertTextBecomes(document, header + FIXED, 'the fix lands on the moved loop and the header stays');
    await waitForNoProposalDiff();

    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    await assertTextBecomes(document, header + BUGGY, 'one undo takes back the fix and only the fix');
  });

  test('the selected code was removed before Accept: Accept refuses and changes nothing', async () => {
    const uri = await writeFixture('removed.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await waitForProposalDiff(uri);

    const rewritten = BUGGY.replace(
      BUGGY.split('\n').slice(2, 5).join('\n'),
      '  for (const value of values) total += value;',
    );
    assert.notEqual(rewritten, BUGGY);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, LOOP, '  for (const value of values) total += value;');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await assertTextBecomes(document, rewritten, 'the loop was rewritten by hand');
    const version = document.version;

    const view = await accept();
    assert.equal(view?.state, 'refused');
    assert.match(view.message ?? '', /changed since the fix was proposed/);
    await waitForNoProposalDiff();
    assert.equal(document.getText(), rewritten, 'the file is exactly as the user left it');
    assert.equal(document.version, version, 'no edit was applied');
  });

  test('Fix with R1 quick fix on a diagnostic sends the diagnostic and the file path', async () => {
    const source = [
      'export function last<T>(items: T[]): T | undefined {',
      '  return items[items.length];',
      '}',
      '',
    ].join('\n');
    const uri = await writeFixture('quickFix.ts', source);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: false });
    const diagnostics = vscode.languages.createDiagnosticCollection('r1-fix-test');
    try {
      const message = 'items[items.length] is always undefined: the last element is at items.length - 1';
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(1, 9, 1, 28),
        message,
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'off-by-one-lint';
      diagnostic.code = 'index-past-end';
      diagnostics.set(uri, [diagnostic]);

      const quickFixes = async (range: vscode.Range) =>
        (
          (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>(
            'vscode.executeCodeActionProvider',
            uri,
            range,
          )) ?? []
        ).filter(
          (action): action is vscode.CodeAction => action.title === 'Fix with R1' && typeof action.command !== 'string',
        );
      // Markers reach the code action context asynchronously.
      const actions = await waitUntil('the Fix with R1 code action', async () => {
        const found = await quickFixes(new vscode.Range(1, 12, 1, 12));
        return found.length ? found : undefined;
      });
      assert.equal(actions.length, 1, 'one Fix with R1 action on the diagnostic');
      const [action] = actions;
      assert.ok(action?.command);
      assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value);
      // executeCodeActionProvider does not convert CodeAction.diagnostics back; the command's arguments are the originals.
      const [args] = action.command.arguments ?? [];
      assert.deepEqual(
        (args as { diagnostics?: vscode.Diagnostic[] } | undefined)?.diagnostics?.map((each) => each.message),
        [message],
        'the command carries the diagnostic',
      );
      assert.deepEqual(
        await quickFixes(new vscode.Range(0, 0, 0, 6)),
        [],
        'no Fix with R1 where there is no diagnostic',
      );

      server.enqueue({
        reasoning:
          'items.length is one past the last index. The diagnostic says the same. Return items[items.length - 1]; for an empty array that is undefined, which matches the return type.',
        answer:
          'The index is one past the end. Use the last valid index:\n\n```typescript\n  return items[items.length - 1];\n```\n',
      });
      await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));

      const prompt = lastUserMessage(server.requests.at(-1));
      assert.ok(prompt.includes(`File: ${FIXTURE_DIR}/quickFix.ts`), prompt);
      assert.ok(prompt.includes(`- line 2 (warning, off-by-one-lint index-past-end): ${message}`), prompt);
      assert.ok(
        prompt.includes('>>> SELECTED CODE (line 2) <<<\n```typescript\n  return items[items.length];\n```'),
        prompt,
      );
      assert.equal(api.conversation().turns.at(-1)?.title, `Fix ${FIXTURE_DIR}/quickFix.ts:2`);

      const tab = await waitForProposalDiff(uri);
      assert.equal(await proposedText(tab), source.replace('items[items.length]', 'items[items.length - 1]'));
      assert.equal(document.getText(), source, 'the quick fix only proposes');
    } finally {
      diagnostics.dispose();
    }
  });

  test('a CRLF file stays CRLF after Accept, and one undo restores it', async () => {
    const original = BUGGY.replace(/\n/g, '\r\n');
    const fixed = FIXED.replace(/\n/g, '\r\n');
    const uri = await writeFixture('crlf.ts', original);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    assert.equal(document.eol, vscode.EndOfLine.CRLF);
    // The model answers with \n line ends, as models do.
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });

    await vscode.commands.executeCommand('r1Coder.fixSelection');
    const tab = await waitForProposalDiff(uri);
    assert.equal(await proposedText(tab), fixed);

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    await assertTextBecomes(document, fixed, 'the fixed file with CRLF throughout');
    assert.equal(document.eol, vscode.EndOfLine.CRLF);
    await waitForNoProposalDiff();

    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    await assertTextBecomes(document, original, 'one undo restores the CRLF original');
  });

  test('Explain Selection asks about the selected code, titles the turn "Explain …", and proposes nothing', async () => {
    const uri = await writeFixture('explain.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const version = editor.document.version;
    const answer = [
      'The loop adds every element of `values` to `total`.',
      '',
      'Bug: line 3 uses `i <= values.length`, so the last iteration reads `values[values.length]` (undefined) and the sum becomes `NaN`. It should be:',
      '',
      '```typescript',
      '  for (let i = 0; i < values.length; i++) {',
      '```',
      '',
    ].join('\n');
    server.enqueue({
      reasoning: 'The user wants an explanation of a summing loop. The bound looks off by one.',
      answer,
    });

    await vscode.commands.executeCommand('r1Coder.explainSelection');

    const turn = api.conversation().turns.at(-1);
    assert.ok(turn);
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.title, `Explain ${FIXTURE_DIR}/explain.ts:3–5`);
    assert.equal(turn.answer, answer);
    const prompt = lastUserMessage(server.requests.at(-1));
    assert.ok(prompt.startsWith('Task: explain the selected code.'), prompt);
    assert.ok(prompt.includes(`File: ${FIXTURE_DIR}/explain.ts`), prompt);
    assert.ok(
      prompt.includes(
        `>>> SELECTED CODE (lines 3–5) <<<\n\`\`\`typescript\n${BUGGY.split('\n').slice(2, 5).join('\n')}\n\`\`\``,
      ),
      prompt,
    );

    // Even though the answer has a code block, an explanation never becomes an edit.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(proposalDiffTabs().length, 0, 'no diff was opened');
    assert.equal(await accept(), undefined, 'there is no proposal to accept');
    assert.equal(editor.document.getText(), BUGGY);
    assert.equal(editor.document.version, version);
  });

  test('a Fix whose stream is cut after a complete code block proposes nothing, says why, and changes nothing', async () => {
    const uri = await writeFixture('cut.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    const version = document.version;
    // The code block closes, then the connection drops before the rest of the answer and finish_reason.
    server.enqueue({
      deltas: [
        { reasoning_content: FIX_REASONING },
        { content: FIX_ANSWER },
        { content: 'A `for…of` loop avoids the index entirely, but ' },
        { content: 'keep the change minimal here.' },
      ],
      dropAfter: 3,
    });

    const view = await vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.fixSelection');

    const turn = api.conversation().turns.at(-1);
    assert.ok(turn);
    assert.equal(turn.status, 'incomplete', turn.error?.message);
    assert.equal(
      turn.answer,
      FIX_ANSWER,
      'what arrived ends with a closed code block, so the text alone looks complete',
    );
    assert.equal(turn.finishReason, undefined);
    assert.equal(view?.state, 'refused', 'the panel is told the fix was refused');
    assert.match(
      view.message ?? '',
      /^The answer was cut off before it finished \(.+\), so its code may be incomplete\. Nothing was changed\./,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(proposalDiffTabs().length, 0, 'no diff was opened');
    assert.equal(await accept(), undefined, 'there is no proposal to accept');
    assert.equal(document.getText(), BUGGY);
    assert.equal(document.version, version, 'no edit was made');
  });

  test('Retry on a failed Fix goes through the fix path again: the diff appears and Accept gives the exact text', async () => {
    const uri = await writeFixture('retry.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    // 401 is not retried by the provider, so the Fix turn fails at once.
    server.enqueue({ status: 401 });
    const first = await vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.fixSelection');
    const failed = api.conversation().turns.at(-1);
    assert.ok(failed);
    assert.equal(failed.status, 'error');
    assert.equal(first?.state, 'refused');
    assert.match(first.message ?? '', /^The request failed \(.+\), so there is no fix to apply/);
    assert.equal(proposalDiffTabs().length, 0);

    // The panel's Retry (and the error's Retry action) on the failed turn.
    await retryFixAndAccept(failed, uri, document);
  });

  test('Retry on a failed Fix after a window reload still proposes the fix: how the turn was asked is saved with it', async () => {
    const uri = await writeFixture('retryReload.ts', BUGGY);
    const editor = await openWithSelection(uri, LOOP);
    const document = editor.document;
    server.enqueue({ status: 401 });
    const first = await vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.fixSelection');
    assert.equal(first?.state, 'refused', first?.message);
    const failed = api.conversation().turns.at(-1);
    assert.ok(failed);
    assert.equal(failed.status, 'error');

    // What a reload finds in workspace state: the failed turn with its fix target, nothing secret.
    const saved = api.savedConversations()[0]?.turns.find((turn) => turn.id === failed.id);
    assert.ok(saved, 'the failed turn was saved');
    assert.deepEqual(saved.request, {
      fix: {
        documentUri: uri.toString(),
        selection: { start: { line: 2, character: 0 }, end: { line: 4, character: 3 } },
        selectionText: BUGGY.split('\n').slice(2, 5).join('\n'),
        target: `${FIXTURE_DIR}/retryReload.ts:3–5`,
      },
    });
    assert.ok(!JSON.stringify(api.savedConversations()).includes(KEY), 'the API key is not in workspace state');

    // The window reloads: the conversation comes back from workspace state only.
    await api.reloadConversation();
    const restored = api.conversation().turns.at(-1);
    assert.equal(restored?.id, failed.id, 'the restored conversation ends with the failed Fix');

    const turn = await retryFixAndAccept(failed, uri, document);
    assert.deepEqual(turn.request, failed.request, 'the new turn is saved as a Fix of the same selection');
  });

  test('the file was closed before Accept: Accept applies to it and shows it; deleted meanwhile: Accept refuses', async () => {
    const uri = await writeFixture('closed.ts', BUGGY);
    await openWithSelection(uri, LOOP);
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await waitForProposalDiff(uri);
    // Closes the file and the diff; the proposal stays pending in the panel.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(proposalDiffTabs().length, 0);

    const view = await accept();
    assert.equal(view?.state, 'applied', view?.message);
    const document = await vscode.workspace.openTextDocument(uri);
    await assertTextBecomes(document, FIXED, 'the fix went into the closed file');
    const shown = await waitUntil('the fixed file to be shown', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? true : undefined,
    );
    assert.ok(shown, 'the changed file is shown, not left dirty out of sight');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const gone = await writeFixture('deleted.ts', BUGGY);
    await openWithSelection(gone, LOOP);
    server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
    await vscode.commands.executeCommand('r1Coder.fixSelection');
    await waitForProposalDiff(gone);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The closed document stays in memory a while; Accept must not write into it.
    await vscode.workspace.fs.delete(gone);

    const refused = await accept();
    assert.equal(refused?.state, 'refused', refused?.message);
    assert.match(refused.message ?? '', /could not be opened \(was it deleted or moved\?\)\. Nothing was changed\./);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(gone)), 'the file was not re-created');
  });

  test('a file on a read-only file system: Accept refuses, says why, and changes nothing', async () => {
    // An in-memory file system registered as read-only, the way virtual documents (git history, remote views) are.
    const stored = new Map<string, Uint8Array>([['/readonly.ts', Buffer.from(BUGGY, 'utf8')]]);
    const writes: string[] = [];
    const provider: vscode.FileSystemProvider = {
      onDidChangeFile: new vscode.EventEmitter<vscode.FileChangeEvent[]>().event,
      watch: () => new vscode.Disposable(() => undefined),
      stat: (uri) => ({
        type: vscode.FileType.File,
        ctime: 0,
        mtime: 0,
        size: stored.get(uri.path)?.byteLength ?? 0,
        permissions: vscode.FilePermission.Readonly,
      }),
      readDirectory: () => [],
      createDirectory: () => undefined,
      readFile: (uri) => {
        const content = stored.get(uri.path);
        if (!content) throw vscode.FileSystemError.FileNotFound(uri);
        return content;
      },
      writeFile: (uri) => void writes.push(uri.path),
      delete: (uri) => void writes.push(uri.path),
      rename: (uri) => void writes.push(uri.path),
    };
    const registration = vscode.workspace.registerFileSystemProvider('r1-readonly-test', provider, {
      isReadonly: true,
    });
    try {
      const uri = vscode.Uri.from({ scheme: 'r1-readonly-test', path: '/readonly.ts' });
      const editor = await openWithSelection(uri, LOOP);
      const document = editor.document;
      const version = document.version;
      server.enqueue({ reasoning: FIX_REASONING, answer: FIX_ANSWER });
      await vscode.commands.executeCommand('r1Coder.fixSelection');
      await waitForProposalDiff(uri);

      const view = await accept();
      assert.equal(view?.state, 'refused', view?.message);
      assert.match(view.message ?? '', /read-only/);
      await waitForNoProposalDiff();
      assert.equal(document.getText(), BUGGY, 'the open document is unchanged');
      assert.equal(document.version, version, 'no edit was applied, not even to the unsaveable model');
      assert.deepEqual(writes, []);
    } finally {
      registration.dispose();
    }
  });
});
