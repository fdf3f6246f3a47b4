import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { DeepSeekServer } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
} from './extension';

const KEY = 'sk-host-context-0123456789';
/** Fixture files go in the opened workspace folder, so paths are workspace-relative. */
const FIXTURE_DIR = 'r1-context-tests';
const SECRET = 'DEEPSEEK_API_KEY=sk-never-sent-4242';

const SUM = Array.from({ length: 40 }, (_, index) =>
  index === 0 ? 'export function sum(values) {' : `  // step ${index + 1} of the sum`,
).join('\n');

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, FIXTURE_DIR, name);
}

async function open(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

suite('Chat context (loopback DeepSeek server)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  /** The user message of the last request the server received. */
  const lastUserMessage = (): string => {
    const messages = server.requests.at(-1)?.body?.messages as { role: string; content: string }[] | undefined;
    assert.ok(messages?.length, 'a request was sent');
    const last = messages.at(-1);
    assert.equal(last?.role, 'user');
    return last.content;
  };

  const ask = async (question: string) => {
    server.enqueue({ reasoning: 'Looking at the attached file.', answer: `Answer to: ${question}` });
    const turn = await api.askWithContext(question);
    assert.equal(turn.status, 'done', turn.error?.message);
    return turn;
  };

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fixtureUri(''));
    await vscode.workspace.fs.writeFile(fixtureUri('sum.js'), Buffer.from(`${SUM}\n`, 'utf8'));
    await vscode.workspace.fs.writeFile(fixtureUri('.env'), Buffer.from(`${SECRET}\n`, 'utf8'));
    // 5 MB of log lines: far over the 32,000-token cloud budget.
    const line = (index: number) => `2026-01-01T00:00:00Z worker ${index} processed a batch of records without error\n`;
    const lines: string[] = [];
    let size = 0;
    for (let index = 1; size < 5 * 1024 * 1024; index++) {
      const text = line(index);
      lines.push(text);
      size += text.length;
    }
    await vscode.workspace.fs.writeFile(fixtureUri('big.log'), Buffer.from(lines.join(''), 'utf8'));
  });

  setup(async () => {
    await rejectProposalsAndCloseEditors();
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  suiteTeardown(async () => {
    await rejectProposalsAndCloseEditors();
    await vscode.workspace.fs.delete(fixtureUri(''), { recursive: true, useTrash: false });
    await disconnectLoopbackServer(server);
  });

  test('the active file is sent by default, shown as a chip, and can be removed for one question', async function () {
    this.timeout(60_000);
    await open('sum.js');
    const chips = await api.attachmentChips();
    assert.deepEqual(
      chips.map((chip) => chip.id),
      ['active'],
    );
    assert.match(chips[0]?.label ?? '', /^sum\.js · lines 1–40 · ~\d+ tokens$/);

    const first = await ask('What does sum do?');
    const sent = lastUserMessage();
    assert.match(sent, new RegExp(`${FIXTURE_DIR}/sum\\.js`));
    assert.ok(sent.includes('// step 40 of the sum'), 'the whole file is in the message');
    assert.ok(sent.trimEnd().endsWith('What does sum do?'), 'the question comes last');
    assert.equal(first.context?.typed, 'What does sum do?');
    assert.deepEqual(
      first.context?.attachments.map((attachment) => [attachment.kind, attachment.path, attachment.trimmed]),
      [['activeFile', `${FIXTURE_DIR}/sum.js`, false]],
    );

    await vscode.commands.executeCommand('r1Coder.newChat');
    api.removeAttachment('active');
    assert.deepEqual(await api.attachmentChips(), [], 'removed for this question');
    const second = await ask('A question without the file');
    assert.ok(!lastUserMessage().includes('step 40'), 'the removed file is not sent');
    assert.equal(lastUserMessage(), 'A question without the file');
    assert.equal(second.context, undefined);
    assert.deepEqual(
      (await api.attachmentChips()).map((chip) => chip.id),
      ['active'],
      'the active file comes back for the next question',
    );
  });

  test('.env is refused even when attached explicitly, and never reaches the server', async function () {
    this.timeout(60_000);
    await open('.env');
    api.attachContext({
      items: [
        {
          kind: 'file',
          path: `${FIXTURE_DIR}/.env`,
          languageId: 'dotenv',
          text: `${SECRET}\n`,
          origin: 'picker',
        },
      ],
      refused: [],
    });
    const chips = await api.attachmentChips();
    assert.equal(chips.length, 2, 'the active .env and the attached one');
    for (const chip of chips) {
      assert.equal(chip.tone, 'refused');
      assert.match(chip.label, /^\.env · not sent$/);
      assert.match(chip.detail, /r1Coder\.context\.exclude/);
    }
    const turn = await ask('Is my configuration right?');
    const request = server.requests.at(-1);
    assert.ok(request && !request.rawBody.includes('sk-never-sent-4242'), 'the secret is not in the request');
    assert.equal(lastUserMessage(), 'Is my configuration right?', 'only the question is sent');
    assert.deepEqual(
      turn.context?.attachments.map((attachment) => [attachment.path, attachment.refused !== undefined]),
      [
        [`${FIXTURE_DIR}/.env`, true],
        [`${FIXTURE_DIR}/.env`, true],
      ],
    );
  });

  test('a 5 MB file is trimmed to the budget, and its chip says so', async function () {
    this.timeout(120_000);
    await open('big.log');
    const [chip] = await api.attachmentChips();
    assert.equal(chip?.tone, 'trimmed');
    assert.match(chip?.label ?? '', /^big\.log · lines .* · trimmed$/);
    assert.match(chip?.detail ?? '', /left out to fit the context budget/);

    const turn = await ask('Any errors in this log?');
    const sent = lastUserMessage();
    // 32,000 tokens by the estimate: at most about 96,000 characters of a 5 MB file.
    assert.ok(sent.length < 100_000, `trimmed to the budget: ${sent.length} characters`);
    assert.match(sent, /left out to fit the context budget/);
    const [attachment] = turn.context?.attachments ?? [];
    assert.equal(attachment?.trimmed, true);
    assert.match(attachment?.leftOut ?? '', /left out/);
    assert.equal(turn.request?.carried, undefined, 'a trimmed file is not recorded as carried in full');
  });

  test('a follow-up does not resend an unchanged file, but resends it once changed', async function () {
    this.timeout(60_000);
    const editor = await open('sum.js');
    await ask('What does sum do?');
    assert.ok(lastUserMessage().includes('// step 40 of the sum'));

    const followUp = await ask('And step 12?');
    const sent = lastUserMessage();
    assert.ok(!sent.includes('// step 40 of the sum'), 'the unchanged file is not sent again');
    assert.match(sent, /unchanged since I sent it earlier/);
    const messages = server.requests.at(-1)?.body?.messages as { role: string; content: string }[];
    assert.ok(messages[0]?.content.includes('// step 40 of the sum'), 'the first message still carries it');
    assert.equal(followUp.context?.attachments[0]?.repeated, 'earlierTurn');

    await editor.edit((edit) => edit.insert(new vscode.Position(40, 0), '// a line added later\n'));
    await ask('What changed?');
    const changed = lastUserMessage();
    assert.ok(changed.includes('// a line added later'), 'the changed file is sent again');
    assert.ok(changed.includes('// step 40 of the sum'));
  });

  test('Retry sends the same message, with what it carried', async function () {
    this.timeout(60_000);
    await open('sum.js');
    const first = await ask('What does sum do?');
    const sent = lastUserMessage();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixtureUri('.env')));
    server.enqueue({ reasoning: 'Again.', answer: 'Once more.' });
    const retried = (await api.retry(first.id)) as Awaited<ReturnType<typeof api.askWithContext>>;
    assert.equal(retried.status, 'done', retried.error?.message);
    assert.equal(lastUserMessage(), sent, 'the same message, not one built from the editor now');
    assert.deepEqual(retried.context, first.context);
    assert.deepEqual(retried.request?.carried, first.request?.carried);
  });
});
