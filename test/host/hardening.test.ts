/**
 * Hardening: the API key never leaks out of SecretStorage, and the one-request-at-a-time rule
 * holds under the orderings a user can produce (ask while streaming, rapid toggles, New Chat).
 *
 * Concurrency rule (src/core/chatSession.ts): one request at a time. Asking while a turn streams
 * stops that turn first; it keeps what arrived and is marked `stopped`. New Chat stops it too.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import type { Turn } from '../../src/core/turn';
import type { R1CoderTestApi } from '../../src/host/extension';
import { DEFAULT_SCENARIO, splitIntoDeltas, startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, setBaseUrl, waitUntil } from './extension';

const REDACTED = '[API key]';
const LOG_FILE_NAME = 'R1 Coder.log';

/** Every regular file under `dir` (symlinks not followed). */
function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** Files under `dir` whose bytes contain `needle` as UTF-8 or UTF-16LE (SQLite/leveldb may store either). */
function filesContaining(dir: string, needle: string): string[] {
  const patterns = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')];
  return filesUnder(dir).filter((file) => {
    let bytes: Buffer;
    try {
      if (statSync(file).size > 256 * 1024 * 1024) return false;
      bytes = readFileSync(file);
    } catch (error) {
      // Backups and locks come and go while the workbench runs.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    return patterns.some((pattern) => bytes.includes(pattern));
  });
}

/** A long text streamed slowly, so a test can act while it is mid-stream. */
function slowScenario(words: number, delayMs: number): { reasoning: string; answer: string; delayMs: number } {
  const reasoning = Array.from({ length: words }, (_, i) => `step${i}`).join(' ');
  const answer = Array.from({ length: words }, (_, i) => `word${i}`).join(' ');
  return { reasoning, answer, delayMs };
}

function statuses(api: R1CoderTestApi): string[] {
  return api.conversation().turns.map((turn) => turn.status);
}

suite('Hardening: secrets and concurrency', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await startDeepSeekServer();
    await setBaseUrl(server.baseUrl);
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  // A failed toggle test must not leave the next test asking a (nonexistent) local model.
  setup(async () => {
    await vscode.workspace.getConfiguration('r1Coder').update('mode', 'cloud', vscode.ConfigurationTarget.Global);
  });

  teardown(() => {
    server.setDefault(DEFAULT_SCENARIO);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
    await vscode.commands.executeCommand('r1Coder.clearApiKey');
    const config = vscode.workspace.getConfiguration('r1Coder');
    await config.update('mode', undefined, vscode.ConfigurationTarget.Global);
    await config.update('local.modelPath', undefined, vscode.ConfigurationTarget.Global);
    await setBaseUrl(undefined);
    await server.close();
  });

  test('after a scripted session the key is in no setting, log, state, export or error message', async function () {
    this.timeout(90_000);
    const canary = `sk-r1-secret-canary-${randomUUID().replaceAll('-', '')}`;
    // Searched for instead of the whole key: it also catches a key cut short (e.g. by truncation).
    const fingerprint = canary.slice(0, 28);
    await vscode.commands.executeCommand('r1Coder.newChat');
    await vscode.commands.executeCommand('r1Coder.setApiKey', canary);
    const firstRequest = server.requests.length;
    const turns: Turn[] = [];

    // 1. A successful turn.
    server.enqueue({ reasoning: 'Plain reasoning for the canary session.', answer: 'Plain answer one.' });
    turns.push(await api.ask('First question of the canary session'));
    assert.equal(turns[0]?.status, 'done', turns[0]?.error?.message);

    // 2. A 401 whose message echoes the key (some proxies do): the provider must scrub it.
    server.enqueue({ status: 401, message: `Authentication Fails, your api key ${canary} is invalid` });
    turns.push(await api.ask('Second question: rejected'));
    assert.equal(turns[1]?.status, 'error');
    assert.ok(
      turns[1]?.error?.message.includes(REDACTED),
      `the 401 detail is kept, scrubbed: ${turns[1]?.error?.message}`,
    );

    // 3. A 500 (echoing the key) retried automatically, then a success; the retry notice is watched.
    server.enqueue(
      { status: 500, message: `upstream failed for Bearer ${canary}` },
      { reasoning: 'Retried fine.', answer: 'Answer after the retry.' },
    );
    const retried = api.ask('Third question: server error, then retry');
    const notice = await waitUntil('the retry notice', () => api.conversation().turns.at(-1)?.notice, 15_000);
    assert.ok(!notice.includes(fingerprint), `the retry notice does not name the key: ${notice}`);
    turns.push(await retried);
    assert.equal(turns[2]?.status, 'done', turns[2]?.error?.message);
    assert.equal(turns[2]?.answer, 'Answer after the retry.');

    // 4. The connection drops mid-stream: what arrived is kept, the turn is incomplete.
    server.enqueue({
      reasoning: 'This thought will be cut off by a dropped connection.',
      answer: 'Never fully sent.',
      dropAfter: 4,
    });
    turns.push(await api.ask('Fourth question: dropped'));
    assert.equal(turns[3]?.status, 'incomplete', turns[3]?.error?.message);
    assert.ok(turns[3]?.reasoning, 'the text that arrived before the drop is kept');

    // 5. An error object inside the stream (OpenRouter/vLLM style) that echoes the key.
    server.enqueue({
      reasoning: 'Starting to think.',
      answer: 'x',
      errorAfter: { after: 2, message: `key ${canary} revoked`, code: 401 },
    });
    turns.push(await api.ask('Fifth question: in-stream error'));
    assert.ok(turns[4]?.error, 'the in-stream error ends the turn with an error');
    assert.ok(
      turns[4]?.error?.message.includes(REDACTED),
      `the in-stream detail is kept, scrubbed: ${turns[4]?.error?.message}`,
    );

    // 6. A long 401 message with the key where the message is cut to 300 characters: no part of it may survive.
    server.enqueue({
      status: 401,
      message: `${'Your request was rejected. '.repeat(10).slice(0, 264)}${canary} is not a valid key.`,
    });
    turns.push(await api.ask('Sixth question: long rejection'));
    assert.equal(turns[5]?.status, 'error');
    assert.ok(
      !turns[5]?.error?.message.includes(fingerprint),
      `no part of the key is in the message: ${turns[5]?.error?.message}`,
    );

    // The key really was in use on every request of the session (so the searches below mean something).
    const sessionRequests = server.requests.slice(firstRequest);
    assert.equal(sessionRequests.length, 7, 'six turns, one of them retried once');
    for (const request of sessionRequests) assert.equal(request.headers.authorization, `Bearer ${canary}`);
    assert.equal(server.pending, 0, 'every queued scenario was used');

    // Every turn's text and error, as returned and as the conversation (what the panel and the
    // workspace-state history are built from) holds it.
    const conversation = api.conversation();
    assert.equal(conversation.turns.length, 6);
    for (const turn of [...turns, ...conversation.turns]) {
      assert.ok(!JSON.stringify(turn).includes(fingerprint), `turn "${turn.question}" does not contain the key`);
      if (turn.error)
        assert.ok(!turn.error.message.includes(fingerprint), `error message is scrubbed: ${turn.error.message}`);
    }
    const serializedConversation = JSON.stringify(conversation);
    assert.ok(serializedConversation.includes(REDACTED), 'the scrubbed error messages are in the conversation');
    assert.ok(!serializedConversation.includes(fingerprint), 'the conversation does not contain the key');

    // Settings: the r1Coder section in every scope, and the user settings file on disk.
    const config = vscode.workspace.getConfiguration('r1Coder');
    assert.ok(JSON.stringify(config).includes(server.baseUrl), 'the r1Coder settings serialize (with the base URL)');
    assert.ok(!JSON.stringify(config).includes(fingerprint), 'the key is in no r1Coder setting');
    for (const name of ['mode', 'cloud.baseUrl', 'cloud.model', 'cloud.reasoningEffort', 'local.modelPath']) {
      assert.ok(
        !JSON.stringify(config.inspect(name) ?? {}).includes(fingerprint),
        `the key is in no scope of r1Coder.${name}`,
      );
    }

    // The exported Markdown (an untitled document).
    await vscode.commands.executeCommand('r1Coder.exportConversation');
    const editor = await waitUntil('the exported document', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.isUntitled && active.document.languageId === 'markdown' ? active : undefined;
    });
    const exported = editor.document.getText();
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    assert.ok(exported.includes('First question of the canary session'), 'the export holds the conversation');
    assert.ok(exported.includes(REDACTED), 'the export holds the scrubbed error messages');
    assert.ok(!exported.includes(fingerprint), 'the export does not contain the key');

    // On disk (code-server runs only): everything under the run folder — user settings, the
    // extension's LogOutputChannel file, workbench and extension-host logs, storage.
    const settingsPath = process.env.R1_TEST_USER_SETTINGS;
    if (!settingsPath) return; // desktop runs (test-electron) have no isolated run folder to search
    const runDir = dirname(dirname(dirname(settingsPath)));
    const settingsText = readFileSync(settingsPath, 'utf8');
    assert.ok(settingsText.includes(server.baseUrl), `${settingsPath} is where settings go`);
    assert.ok(!settingsText.includes(fingerprint), `${settingsPath} does not contain the key`);
    // The log is written asynchronously: wait until the last turn's warning is in the file.
    const logFile = await waitUntil(
      `"${LOG_FILE_NAME}" with the session's warnings under ${runDir}`,
      () =>
        filesUnder(runDir).find((file) => {
          if (!file.endsWith(LOG_FILE_NAME)) return false;
          const text = readFileSync(file, 'utf8');
          return text.includes('ask via') && text.includes('revoked');
        }),
      15_000,
    );
    const logText = readFileSync(logFile, 'utf8');
    assert.ok(logText.includes(REDACTED), `${logFile} holds the scrubbed error messages`);
    const leaks = filesContaining(runDir, fingerprint).map((file) => relative(runDir, file));
    assert.deepEqual(leaks, [], `files under ${runDir} that contain the key`);
    assert.ok(existsSync(logFile));
  });

  test('asking while a turn streams stops it, keeping what arrived; the new turn runs', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const slow = slowScenario(60, 40);
    server.enqueue(slow, { reasoning: 'Second thought.', answer: 'Second answer.' });
    const first = api.ask('Slow first question');
    await waitUntil('the first turn to stream', () => (api.conversation().turns[0]?.reasoning.length ?? 0) > 0);
    const second = api.ask('Second question, asked mid-stream');
    const [stopped, done] = await Promise.all([first, second]);

    assert.equal(stopped.status, 'stopped');
    const shown = stopped.reasoning + stopped.answer;
    assert.ok(stopped.reasoning.length > 0, 'the stopped turn keeps the reasoning that arrived');
    assert.ok(slow.reasoning.startsWith(stopped.reasoning), 'what was kept is exactly what arrived');
    assert.ok(shown.length < slow.reasoning.length + slow.answer.length, 'the first stream did not run to its end');
    assert.equal(done.status, 'done', done.error?.message);
    assert.equal(done.answer, 'Second answer.');
    assert.deepEqual(statuses(api), ['stopped', 'done']);
    assert.equal(api.conversation().busy, false);
    // The stopped turn is not history for the next request, and its connection was closed.
    assert.deepEqual(server.requests.at(-1)?.body?.messages, [
      { role: 'user', content: 'Second question, asked mid-stream' },
    ]);
    await waitUntil('the stopped stream to be closed', () => server.activeStreams === 0);
    assert.equal(server.pending, 0, 'every queued scenario was used');
  });

  test('three quick asks: the earlier two are stopped, only the last runs to the end', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const slow = slowScenario(60, 40);
    // B may be stopped before its request leaves, so scenarios go by question, not by arrival order.
    server.setDefault((request) =>
      request.body?.messages?.at(-1)?.content === 'Question C'
        ? { reasoning: 'Last thought.', answer: 'Last answer.' }
        : slow,
    );
    const first = api.ask('Question A');
    await waitUntil('turn A to stream', () => (api.conversation().turns[0]?.reasoning.length ?? 0) > 0);
    // B and C arrive together, as from a double-submitted panel: both wait for A to stop.
    const second = api.ask('Question B');
    const third = api.ask('Question C');
    const last = await third;
    assert.equal(last.status, 'done', last.error?.message);
    assert.equal(last.answer, 'Last answer.');
    // When C has finished, nothing else may still be streaming.
    assert.equal(api.conversation().busy, false, 'no turn is still running after the last one ended');
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 'stopped');
    assert.equal(b.status, 'stopped', `B was superseded by C (B's answer: ${b.answer.length} chars)`);
    assert.ok(!b.answer.endsWith(splitIntoDeltas(slow.answer).at(-1) ?? ''), 'B did not stream to its end');
    assert.deepEqual(statuses(api), ['stopped', 'stopped', 'done']);
    await waitUntil('every stream to be closed', () => server.activeStreams === 0);
  });

  test('rapid model toggling lands on a consistent mode; a cloud ask then works', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const config = () => vscode.workspace.getConfiguration('r1Coder');
    // A (nonexistent) model path keeps toggleModel from prompting for one; no local request is made.
    await config().update(
      'local.modelPath',
      join(tmpdir(), 'r1-hardening-none.gguf'),
      vscode.ConfigurationTarget.Global,
    );
    await config().update('mode', 'cloud', vscode.ConfigurationTarget.Global);

    // Four toggles fired together (a user clicking the status bar repeatedly): an even count is cloud again.
    await Promise.all(Array.from({ length: 4 }, () => vscode.commands.executeCommand('r1Coder.toggleModel')));
    assert.equal(config().get('mode'), 'cloud', 'four quick toggles end where they started');
    // Three in a row, each awaited: local.
    for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('r1Coder.toggleModel');
    assert.equal(config().get('mode'), 'local');
    await vscode.commands.executeCommand('r1Coder.toggleModel');
    assert.equal(config().get('mode'), 'cloud');

    server.enqueue({ reasoning: 'Cloud thought.', answer: 'Cloud answer.' });
    const before = server.requests.length;
    const turn = await api.ask('Asked in cloud mode after toggling');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.answer, 'Cloud answer.');
    assert.equal(turn.modelLabel, `${new URL(server.baseUrl).host} · deepseek-v4-flash`, 'the cloud provider answered');
    assert.equal(server.requests.length, before + 1, 'exactly one request reached the cloud server');
    assert.equal(api.conversation().busy, false);
    assert.equal(server.pending, 0, 'every queued scenario was used');
  });

  test('Retry keeps the one-request source override ("Just this once: Cloud" while the default is local)', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    await vscode.commands.executeCommand('r1Coder.setApiKey', 'sk-hardening-retry-0123456789');
    const config = () => vscode.workspace.getConfiguration('r1Coder');
    // A (nonexistent) local model is the default; a retry that forgot the override would go there.
    await config().update(
      'local.modelPath',
      join(tmpdir(), 'r1-hardening-none.gguf'),
      vscode.ConfigurationTarget.Global,
    );
    await config().update('mode', 'local', vscode.ConfigurationTarget.Global);
    const cloudLabel = `${new URL(server.baseUrl).host} · deepseek-v4-flash`;

    server.enqueue({ status: 401 });
    const failed = await api.ask('Asked of the cloud just this once', 'cloud');
    assert.equal(failed.status, 'error');
    assert.equal(failed.modelLabel, cloudLabel, 'the override reached the cloud');
    const before = server.requests.length;

    server.enqueue({ reasoning: 'Cloud thought.', answer: 'Cloud answer on retry.' });
    const retried = (await api.retry(failed.id)) as Turn | undefined;
    assert.equal(retried?.status, 'done', retried?.error?.message);
    assert.equal(retried.answer, 'Cloud answer on retry.');
    assert.equal(retried.modelLabel, cloudLabel, 'the retry went to the cloud again, not to the local default');
    assert.equal(server.requests.length, before + 1, 'the retry reached the cloud server');
    assert.deepEqual(server.requests.at(-1)?.body?.messages, [
      { role: 'user', content: 'Asked of the cloud just this once' },
    ]);
    assert.deepEqual(statuses(api), ['error', 'done']);
  });

  test('New Chat mid-stream stops the stream, empties the conversation, and the next ask works', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const slow = slowScenario(60, 40);
    server.enqueue(slow, { reasoning: 'Fresh thought.', answer: 'Fresh answer.' });
    const pending = api.ask('Question before New Chat');
    await waitUntil('the turn to stream', () => (api.conversation().turns[0]?.reasoning.length ?? 0) > 0);
    await vscode.commands.executeCommand('r1Coder.newChat');
    const stopped = await pending;

    assert.equal(stopped.status, 'stopped');
    assert.ok(
      stopped.reasoning.length > 0 && slow.reasoning.startsWith(stopped.reasoning),
      'it kept exactly what arrived',
    );
    assert.deepEqual(api.conversation(), { turns: [], busy: false });
    await waitUntil('the stopped stream to be closed', () => server.activeStreams === 0);

    const next = await api.ask('First question of the new chat');
    assert.equal(next.status, 'done', next.error?.message);
    assert.equal(next.answer, 'Fresh answer.');
    assert.deepEqual(statuses(api), ['done']);
    assert.deepEqual(server.requests.at(-1)?.body?.messages, [
      { role: 'user', content: 'First question of the new chat' },
    ]);
    assert.equal(server.pending, 0, 'every queued scenario was used');
  });
});
