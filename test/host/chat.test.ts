import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, connectLoopbackServer, disconnectLoopbackServer, waitUntil } from './extension';

const KEY = 'sk-host-chat-0123456789';
const FIRST = {
  question: 'Why does `for (let i = 0; i <= a.length; i++)` read past the end?',
  reasoning: 'The loop runs while i <= a.length, so the last iteration reads a[a.length], which is undefined.',
  answer: 'Use `i < a.length`: indices run from 0 to length - 1.',
};
const SECOND = {
  question: 'And with a while loop?',
  reasoning: 'Same bound: the condition must be strictly less than the length.',
  answer: 'Write `while (i < a.length)` and increment i inside the loop.',
};

suite('Chat round trip (loopback DeepSeek server)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  suiteTeardown(async () => {
    await disconnectLoopbackServer(server);
  });

  test('streams the exact reasoning, then the exact answer', async () => {
    server.enqueue({ reasoning: FIRST.reasoning, answer: FIRST.answer });
    const turn = await api.ask(FIRST.question);
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.reasoning, FIRST.reasoning);
    assert.equal(turn.answer, FIRST.answer);
    assert.equal(turn.question, FIRST.question);
    assert.deepEqual(
      api.conversation().turns.map((shown) => [shown.question, shown.reasoning, shown.answer, shown.status]),
      [[FIRST.question, FIRST.reasoning, FIRST.answer, 'done']],
    );

    const request = server.requests.at(-1);
    assert.ok(request);
    assert.equal(request.path, '/chat/completions');
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.equal(request.body?.stream, true);
    assert.deepEqual(request.body?.messages, [{ role: 'user', content: FIRST.question }]);
  });

  test('a follow-up sends the earlier answer but never its reasoning', async () => {
    server.enqueue({ reasoning: SECOND.reasoning, answer: SECOND.answer });
    const turn = await api.ask(SECOND.question);
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.reasoning, SECOND.reasoning);
    assert.equal(turn.answer, SECOND.answer);

    const request = server.requests.at(-1);
    assert.ok(request);
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(request.body?.messages, [
      { role: 'user', content: FIRST.question },
      { role: 'assistant', content: FIRST.answer },
      { role: 'user', content: SECOND.question },
    ]);
    assert.ok(!request.rawBody.includes(FIRST.reasoning), 'the first reasoning is not in the request');
    assert.ok(!/reasoning_content|"reasoning"/.test(request.rawBody), 'no reasoning field is sent');
  });

  test('a turn is saved while it streams, so a window reload mid-answer keeps what arrived', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const deltas = Array.from({ length: 60 }, (_, index) => `step ${index}. `);
    server.enqueue({ reasoning: deltas, answer: 'Done.', delayMs: 200 });
    const asked = api.ask('A long question');
    // Saved mid-stream (after a few seconds of deltas), long before the 12 s stream ends.
    const saved = await waitUntil(
      'the streaming turn in workspace state',
      () => {
        const turn = api.savedConversations()[0]?.turns.at(-1);
        return turn?.status === 'streaming' && turn.reasoning.length > 0 ? turn : undefined;
      },
      30_000,
    );
    assert.ok(api.conversation().busy, 'saved while still streaming');
    assert.ok(deltas.join('').startsWith(saved.reasoning), `a prefix of the thought: ${saved.reasoning}`);
    assert.equal(saved.question, 'A long question');
    await vscode.commands.executeCommand('r1Coder.stop');
    const turn = await asked;
    assert.equal(turn.status, 'stopped');
    await waitUntil(
      'the stopped turn in workspace state',
      () => api.savedConversations()[0]?.turns.at(-1)?.status === 'stopped',
    );
  });
  test('opening the streaming conversation from History keeps everything that arrived (not an older streaming save)', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    server.enqueue({
      reasoning: Array.from({ length: 80 }, (_, index) => `part ${index}. `),
      answer: 'Done.',
      delayMs: 150,
    });
    const asked = api.ask('Another long question');
    const snapshot = await waitUntil(
      'a streaming save',
      () => {
        const turn = api.savedConversations()[0]?.turns.at(-1);
        return turn?.status === 'streaming' && turn.reasoning ? turn : undefined;
      },
      30_000,
    );
    // More arrives after that save, then the user opens this very conversation from History.
    await waitUntil(
      'more reasoning than was saved',
      () => (api.conversation().turns.at(-1)?.reasoning.length ?? 0) > snapshot.reasoning.length + 20,
      30_000,
    );
    const id = api.savedConversations()[0]!.id;
    await vscode.commands.executeCommand('r1Coder.showHistory', id);
    const stopped = await asked;
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.reasoning.length > snapshot.reasoning.length, 'the turn went on after the snapshot');
    const shown = api.conversation().turns.at(-1);
    assert.equal(shown?.reasoning, stopped.reasoning, 'the reopened conversation shows all that arrived');
    assert.equal(api.savedConversations()[0]?.turns.at(-1)?.reasoning, stopped.reasoning, 'and that is what is saved');
  });

  test('History search finds a conversation by a word only in its reasoning, and opens it', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    server.enqueue({ reasoning: 'Think of the axolotl: it regrows what it loses.', answer: 'Keep a backup.' });
    assert.equal((await api.ask('How do I recover a deleted branch?')).status, 'done');
    await vscode.commands.executeCommand('r1Coder.newChat');
    server.enqueue({ reasoning: 'Nothing special here.', answer: 'Use git log.' });
    assert.equal((await api.ask('How do I list commits?')).status, 'done');
    const saved = await waitUntil('both conversations saved', () => {
      const history = api.savedConversations();
      return history.length >= 2 && history[0]?.turns[0]?.question === 'How do I list commits?' ? history : undefined;
    });
    assert.ok(
      saved.every(
        (conversation) =>
          !/axolotl/i.test(conversation.title + conversation.turns.map((t) => t.question + t.answer).join('')),
      ),
      'the word is only in a reasoning',
    );

    let settled = false;
    const shown = Promise.resolve(vscode.commands.executeCommand('r1Coder.showHistory', { query: 'AXOLOTL' })).finally(
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 750));
    assert.equal(settled, false, 'the picker is open');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await shown;
    assert.deepEqual(
      api.conversation().turns.map((turn) => turn.question),
      ['How do I recover a deleted branch?'],
      'the conversation whose reasoning holds the word was opened',
    );
  });

  test('Per-question model and effort reach the server, are saved with the turn, and Retry asks the same way', async () => {
    await vscode.workspace.getConfiguration('r1Coder.cloud').update('reasoningEffort', undefined, true);
    server.enqueue(FIRST, FIRST);
    const turn = await api.askWithContext('Which model answers?', 'cloud', { model: 'deepseek-r1:7b', effort: 'high' });
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.match(turn.modelLabel, /deepseek-r1:7b$/);
    const picked = server.requests.at(-1);
    assert.equal(picked?.body?.model, 'deepseek-r1:7b');
    assert.equal(picked?.body?.reasoning_effort, 'high');
    assert.deepEqual(turn.request, { source: 'cloud', model: 'deepseek-r1:7b', effort: 'high' });
    const saved = await waitUntil('the turn is saved', () =>
      api
        .savedConversations()
        .flatMap((conversation) => conversation.turns)
        .find((candidate) => candidate.id === turn.id),
    );
    assert.deepEqual(saved?.request, { source: 'cloud', model: 'deepseek-r1:7b', effort: 'high' });

    const retried = (await api.retry(turn.id)) as { status: string } | undefined;
    assert.equal(retried?.status, 'done');
    const again = server.requests.at(-1);
    assert.notEqual(again, picked, 'Retry sent a new request');
    assert.equal(again?.body?.model, 'deepseek-r1:7b');
    assert.equal(again?.body?.reasoning_effort, 'high');

    // The next question, asked the default way, goes back to the settings.
    server.enqueue(SECOND);
    await api.askWithContext('And by default?');
    const plain = server.requests.at(-1);
    assert.equal(plain?.body?.model, 'deepseek-v4-flash');
    assert.equal(plain?.body?.reasoning_effort, undefined);
  });
});
