/**
 * R1: Fix Selection ×N in the real extension host against the loopback DeepSeek server, which
 * answers each sample's request with the next queued scenario (so the samples disagree as scripted).
 */

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import { PROPOSED_SCHEME } from '../../src/host/commandIds';
import type { FixRunView } from '../../src/shared/protocol';
import type { DeepSeekServer, Scenario } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
  waitUntil,
} from './extension';

const KEY = 'sk-host-fixn-0123456789';
const FIXTURE_DIR = 'r1-fixn-tests';

const BUGGY = [
  'export function sum(values: number[]): number {',
  '  let total = 0;',
  '  for (let i = 0; i <= values.length; i++) {',
  '    total += values[i];',
  '  }',
  '  return total;',
  '}',
  '',
].join('\n');
const FIXED = BUGGY.replace('i <= values.length', 'i < values.length');
const LOOP = new vscode.Range(2, 0, 4, 3);

/** The agreed fix; trailing spaces must not split a group (agreement ignores them). */
function strictFix(trailing = ''): Scenario {
  return {
    reasoning: 'The loop reads one past the end.',
    answer: `Use a strict comparison:\n\n\`\`\`typescript\n  for (let i = 0; i < values.length; i++) {${trailing}\n    total += values[i];\n  }\n\`\`\`\n`,
  };
}
/** Another valid fix: a different edit. */
const FOR_OF: Scenario = {
  reasoning: 'A for-of loop cannot go out of bounds.',
  answer: 'Iterate the values:\n\n```typescript\n  for (const value of values) {\n    total += value;\n  }\n```\n',
};
/** No code at all: the planner refuses it. */
const NO_CODE: Scenario = { reasoning: 'Hmm.', answer: 'The loop looks fine to me.' };

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, FIXTURE_DIR, name);
}

async function fixture(name: string): Promise<{ uri: vscode.Uri; document: vscode.TextDocument }> {
  const uri = fixtureUri(name);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(BUGGY, 'utf8'));
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  editor.selection = new vscode.Selection(LOOP.start, LOOP.end);
  return { uri, document };
}

function fixTimesN(uri: vscode.Uri, samples: number): Thenable<FixRunView | undefined> {
  return vscode.commands.executeCommand<FixRunView | undefined>('r1Coder.fixSelectionTimesN', {
    uri,
    range: LOOP,
    samples,
  });
}

function proposalDiffs(): vscode.TabInputTextDiff[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .map((tab) => tab.input)
    .filter(
      (input): input is vscode.TabInputTextDiff =>
        input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSED_SCHEME,
    );
}

async function proposedText(): Promise<string> {
  const [diff] = await waitUntil('a proposal diff', () => {
    const diffs = proposalDiffs();
    return diffs.length ? diffs : undefined;
  });
  return (await vscode.workspace.openTextDocument(diff!.modified)).getText();
}

suite('Fix Selection ×N (loopback DeepSeek server, real files)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fixtureUri(''));
    await vscode.commands.executeCommand('r1Coder.focusChat');
  });

  teardown(() => rejectProposalsAndCloseEditors());

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('r1Coder.fix').update('samples', undefined, true);
    await disconnectLoopbackServer(server);
    await vscode.workspace.fs.delete(fixtureUri(''), { recursive: true, useTrash: false });
  });

  test('3 of 5 agree: the agreed edit is proposed, the others counted, Accept changes the file', async () => {
    const { uri, document } = await fixture('agree.ts');
    const before = server.requests.length;
    server.enqueue(strictFix(), FOR_OF, strictFix('  '), NO_CODE, strictFix());
    const run = await fixTimesN(uri, 5);
    assert.ok(run, 'the command resolved with the card');
    assert.equal(server.requests.length - before, 5, 'one request per sample');
    assert.equal(run.status, 'done');
    assert.equal(run.summary, '3 of 5 samples agree.');
    assert.deepEqual(
      run.groups.map((group) => group.samples.length),
      [3, 1],
    );
    assert.equal(run.winner, 0);
    assert.equal(run.shownGroup, 0);
    assert.equal(run.refusals.length, 1);
    assert.equal(run.refusals[0]!.samples.length, 1);
    assert.ok(run.refusals[0]!.reason.length > 0, 'the refusal says why');
    assert.equal(run.samples.length, 5);
    for (const sample of run.samples) {
      assert.equal(sample.status, 'done');
      assert.ok(sample.reasoning.length > 0, 'each sample keeps its thought');
      assert.ok((sample.tokens ?? 0) > 0, 'each sample reports its tokens');
    }
    assert.equal(run.proposal?.state, 'pending', run.proposal?.message);
    assert.equal(await proposedText(), FIXED);
    assert.equal(document.getText(), BUGGY, 'proposing changes nothing');

    const applied = await vscode.commands.executeCommand<{ state: string } | undefined>('r1Coder.acceptEdit');
    assert.equal(applied?.state, 'applied');
    await waitUntil('the file to change', () => (document.getText() === FIXED ? true : undefined), 5_000);
    assert.equal((await api.fixRunAction(run.id, 'stop'))?.proposal?.state, 'applied', 'the card shows it applied');
  });

  test('a tie proposes nothing; each group is one click away', async () => {
    const { uri, document } = await fixture('tie.ts');
    server.enqueue(strictFix(), FOR_OF, FOR_OF, strictFix());
    const run = await fixTimesN(uri, 4);
    assert.ok(run);
    assert.equal(run.tie, true);
    assert.equal(run.winner, undefined);
    assert.equal(run.proposal, undefined, 'nothing preselected');
    assert.match(run.summary ?? '', /tie/);
    assert.equal(proposalDiffs().length, 0, 'no diff opened');

    const forOf = run.groups.find((group) => group.samples.includes(1));
    assert.ok(forOf);
    const shown = await api.fixRunAction(run.id, 'showGroup', forOf.index);
    assert.equal(shown?.shownGroup, forOf.index);
    assert.equal(shown?.proposal?.state, 'pending');
    // The group switch replaces the diff: wait for the new one rather than read a closing one.
    await waitUntil(
      "the for-of group's diff",
      async () => (/for \(const value of values\)/.test(await proposedText()) ? true : undefined),
      5_000,
    );
    // The other group replaces it: one proposal at a time.
    const other = await api.fixRunAction(run.id, 'showGroup', forOf.index === 0 ? 1 : 0);
    assert.equal(other?.proposal?.state, 'pending');
    await waitUntil('one diff', () => (proposalDiffs().length === 1 ? true : undefined), 5_000);
    assert.equal(await proposedText(), FIXED);
    assert.equal(document.getText(), BUGGY);
  });

  test('all refused: no edit, every refusal counted with its reason', async () => {
    const { uri } = await fixture('refused.ts');
    server.enqueue(NO_CODE, NO_CODE, NO_CODE);
    const run = await fixTimesN(uri, 3);
    assert.ok(run);
    assert.equal(run.groups.length, 0);
    assert.equal(run.summary, 'No samples of 3 produced an edit.');
    assert.deepEqual(
      run.refusals.map((refusal) => refusal.samples.length),
      [3],
    );
    assert.equal(run.proposal, undefined);
  });

  test('a 429 on one sample retries that sample only', async () => {
    const { uri } = await fixture('rate.ts');
    const before = server.requests.length;
    server.enqueue({ status: 429, retryAfter: 0 }, strictFix(), strictFix(), strictFix());
    const run = await fixTimesN(uri, 3);
    assert.ok(run);
    assert.equal(server.requests.length - before, 4, 'three samples and one retry');
    assert.equal(run.summary, '3 of 3 samples agree.');
    assert.ok(run.samples.every((sample) => sample.status === 'done'));
  });

  test('Stop stops every sample', async () => {
    const { uri, document } = await fixture('stop.ts');
    const stalled: Scenario = { reasoning: 'Thinking about it for a long while', stallAfter: 2 };
    server.enqueue(stalled, stalled, stalled);
    const running = fixTimesN(uri, 3);
    await waitUntil('three streams', () => (server.activeStreams >= 3 ? true : undefined), 10_000);
    await vscode.commands.executeCommand('r1Coder.stop');
    const run = await running;
    assert.ok(run);
    assert.equal(run.status, 'stopped');
    assert.ok(run.samples.every((sample) => sample.status === 'stopped'));
    assert.equal(run.proposal, undefined);
    assert.equal(document.getText(), BUGGY);
  });

  test('with r1Coder.fix.samples = 3, plain Fix Selection runs Fix ×3', async () => {
    const { uri } = await fixture('setting.ts');
    await vscode.workspace.getConfiguration('r1Coder.fix').update('samples', 3, true);
    try {
      server.enqueue(strictFix(), strictFix(), FOR_OF);
      const run = await vscode.commands.executeCommand<FixRunView | undefined>('r1Coder.fixSelection', {
        uri,
        range: LOOP,
      });
      assert.ok(run && 'summary' in run);
      assert.equal(run.summary, '2 of 3 samples agree.');
    } finally {
      await vscode.workspace.getConfiguration('r1Coder.fix').update('samples', undefined, true);
    }
  });
});
