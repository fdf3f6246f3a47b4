/**
 * Local mode in the real extension host: the extension forks its worker (dist/localWorker.js),
 * which runs node-llama-cpp on GGUF files synthesized by test/gguf. The script model always
 * generates DEFAULT_SCRIPT, so every answer is checked character for character. Bad files and a
 * llama.cpp abort must end the turn with an error that names the file, and never take the host down.
 *
 * CPU only and one thread, set as a user would: the test machines have 2 shared cores and no GPU.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Turn } from '../../src/core/turn';
import type { R1CoderTestApi } from '../../src/host/extension';
import { COMMAND_IDS } from '../../src/host/commandIds';
import { shortModelName } from '../../src/host/modelNames';
import { CATALOG_URL_BASE_ENV, MODEL_CATALOG } from '../../src/providers/local/modelCatalog';
import type { EditProposalView } from '../../src/shared/protocol';
import { writeDuplicateTokenModel, writeHugeModel, writeNotGguf, writeTruncatedModel } from '../gguf/badFiles';
import { DEFAULT_SCRIPT, expectedSplit, writeScriptModel } from '../gguf/scriptModel';
import { activateExtension, waitUntil } from './extension';

const EXPECTED = expectedSplit(DEFAULT_SCRIPT);
const MODEL_NAME = 'r1-script-model';
/** Loading node-llama-cpp and a model in a fresh worker takes seconds on a busy 2-core machine. */
const LOCAL_TIMEOUT_MS = 180_000;

const SETTINGS = ['mode', 'local.modelPath', 'local.threads', 'local.gpuLayers'] as const;

async function setSetting(name: (typeof SETTINGS)[number], value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('r1Coder').update(name, value, vscode.ConfigurationTarget.Global);
}

async function useModel(path: string): Promise<void> {
  await setSetting('local.modelPath', path);
  assert.equal(vscode.workspace.getConfiguration('r1Coder.local').get('modelPath'), path);
}

function assertScriptAnswer(turn: Turn, what: string): void {
  assert.equal(turn.status, 'done', `${what}: ${turn.error?.message ?? turn.status}`);
  assert.equal(turn.reasoning, EXPECTED.reasoning, `${what}: the exact reasoning`);
  assert.equal(turn.answer, EXPECTED.answer, `${what}: the exact answer`);
  assert.equal(turn.modelLabel, `Local · ${MODEL_NAME}`, `${what}: the local model answered`);
}

/** A bad file ends the turn with an error naming the file and offering to pick another model. */
function assertFileError(turn: Turn, path: string, says: readonly RegExp[]): void {
  assert.equal(turn.status, 'error', `expected an error for ${path}, got ${turn.status}`);
  assert.equal(turn.reasoning + turn.answer, '', 'nothing was generated');
  const message = turn.error?.message ?? '';
  assert.ok(message.includes(path), `the message names the file: ${message}`);
  for (const pattern of says) assert.match(message, pattern);
  assert.ok(
    turn.error?.actions.some((action) => action.kind === 'selectLocalModel'),
    `the error offers "Select Local Model": ${JSON.stringify(turn.error?.actions)}`,
  );
}

const SPINNER = '$(loading~spin)';

/** Every distinct status-bar text while `during` runs (polled often enough to see a load). */
async function statusTexts<T>(api: R1CoderTestApi, during: Promise<T>): Promise<{ result: T; seen: string[] }> {
  const seen = new Set<string>();
  let done = false;
  const result = during.finally(() => (done = true));
  while (!done) {
    seen.add(api.statusBarText());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { result: await result, seen: [...seen] };
}

/** After a load ended however it ended: the plain local label, no spinner, no "(loading …)". */
function assertStatusIdle(api: R1CoderTestApi, modelPath: string, what: string): void {
  assert.equal(api.statusBarText(), `$(server) R1: Local · ${shortModelName(modelPath)}`, what);
}

suite('Local model in the extension host (synthesized GGUF files)', () => {
  let api: R1CoderTestApi;
  let dir: string;
  const models = {} as Record<'script' | 'copy' | 'notGguf' | 'truncated' | 'huge' | 'duplicate' | 'missing', string>;

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await activateExtension();
    dir = mkdtempSync(join(tmpdir(), 'r1-host-local-'));
    models.script = join(dir, `${MODEL_NAME}.gguf`);
    writeScriptModel(models.script);
    models.copy = join(dir, 'copy', `${MODEL_NAME}.gguf`);
    models.notGguf = join(dir, 'README.gguf');
    writeNotGguf(models.notGguf);
    models.truncated = join(dir, 'interrupted-download.gguf');
    writeTruncatedModel(models.truncated);
    models.huge = join(dir, 'one-tebibyte.gguf');
    writeHugeModel(models.huge);
    models.duplicate = join(dir, 'duplicate-token.gguf');
    writeDuplicateTokenModel(models.duplicate);
    models.missing = join(dir, 'never-downloaded.gguf');

    await setSetting('mode', 'local');
    await setSetting('local.threads', 1);
    await setSetting('local.gpuLayers', 0);
    await useModel(models.script);
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
    // Later suites ask the cloud: every setting goes back to its default.
    for (const name of SETTINGS) await setSetting(name, undefined);
    assert.equal(vscode.workspace.getConfiguration('r1Coder').get('mode'), 'cloud');
    rmSync(dir, { recursive: true, force: true });
  });

  test('local mode answers with the script model’s exact reasoning and answer', async function () {
    this.timeout(LOCAL_TIMEOUT_MS);
    const { result: turn, seen } = await statusTexts(api, api.ask('Why is the sum wrong?'));
    assertScriptAnswer(turn, 'first turn');
    assert.ok(
      seen.some((text) => text.startsWith(`${SPINNER} R1: Local · ${MODEL_NAME} (`)),
      `the status bar showed the load: ${JSON.stringify(seen)}`,
    );
    assertStatusIdle(api, models.script, 'after the load the status bar names the model, without a spinner');
    assert.equal(turn.finishReason, 'stop');
    assert.equal(turn.usage?.reasoningTokens, 7, 'the thought is the script’s seven reasoning tokens');
    assert.deepEqual(api.conversation(), { turns: [turn], busy: false });
  });

  test('a follow-up answers exactly and reuses the first turn from the KV cache', async function () {
    this.timeout(LOCAL_TIMEOUT_MS);
    const turn = await api.ask('Why?');
    assertScriptAnswer(turn, 'follow-up');
    const turns = api.conversation().turns;
    assert.deepEqual(
      turns.map((each) => [each.question, each.status, each.reasoning, each.answer]),
      [
        ['Why is the sum wrong?', 'done', EXPECTED.reasoning, EXPECTED.answer],
        ['Why?', 'done', EXPECTED.reasoning, EXPECTED.answer],
      ],
    );
    // Only <｜end▁of▁sentence｜> <｜User｜> W h y ? <｜Assistant｜> <think> \n are new (as in the unit test).
    const usage = turn.usage;
    assert.ok(usage, 'the follow-up reports usage');
    assert.equal(usage.promptTokens - (usage.cachedPromptTokens ?? 0), 9, JSON.stringify(usage));
  });

  for (const [name, key, says] of [
    ['a missing file', 'missing', [/does not exist/, /R1: Select Local Model/]],
    ['a file that is not a GGUF', 'notGguf', [/is not a GGUF model file/, /R1: Select Local Model/]],
    ['a truncated GGUF (interrupted download)', 'truncated', [/is truncated/, /download the file again/]],
    [
      'a model too large for this machine’s memory',
      'huge',
      [/needs about 1024\.0 GB of memory/, /Choose a smaller model/],
    ],
    [
      'a file llama.cpp aborts on (the worker dies)',
      'duplicate',
      [/aborted while loading/, /SIGABRT/, /choose another GGUF file/],
    ],
  ] as const) {
    test(`${name}: an error that names the file and says what to do; the next ask answers`, async function () {
      this.timeout(LOCAL_TIMEOUT_MS);
      await vscode.commands.executeCommand('r1Coder.newChat');
      await useModel(models[key]);
      const failed = await api.ask('Does this model load?');
      assertFileError(failed, models[key], says);
      assertStatusIdle(api, models[key], `after ${name} the status bar shows no load in progress`);

      await useModel(models.script);
      assertScriptAnswer(await api.ask('And now?'), `after ${name}`);
      assert.deepEqual(
        api.conversation().turns.map((turn) => turn.status),
        ['error', 'done'],
      );
    });
  }

  test('a bad file on a fresh worker: the status bar shows the start, then the plain label again', async function () {
    this.timeout(LOCAL_TIMEOUT_MS);
    await vscode.commands.executeCommand('r1Coder.newChat');
    // A llama.cpp abort kills the worker, so the next request starts a new process ("starting").
    await useModel(models.duplicate);
    assert.equal((await api.ask('Crash the worker')).status, 'error');
    await useModel(models.notGguf);
    const { result: failed, seen } = await statusTexts(api, api.ask('Does this model load?'));
    assertFileError(failed, models.notGguf, [/is not a GGUF model file/]);
    assert.ok(
      seen.some((text) => text.startsWith(SPINNER)),
      `the start showed: ${JSON.stringify(seen)}`,
    );
    assertStatusIdle(api, models.notGguf, 'the failed start leaves no spinner');
  });

  test('R1: Stop while a fresh worker loads the model: the turn is stopped, the next ask answers', async function () {
    this.timeout(LOCAL_TIMEOUT_MS);
    await vscode.commands.executeCommand('r1Coder.newChat');
    // A llama.cpp abort kills the worker, so the next request starts a new process and loads from scratch.
    await useModel(models.duplicate);
    assert.equal((await api.ask('Crash the worker')).status, 'error');
    mkdirSync(dirname(models.copy), { recursive: true });
    copyFileSync(models.script, models.copy);
    await useModel(models.copy);

    const pending = api.ask('Stopped while loading');
    // The turn shows up as soon as the request reaches the worker; the model is not loaded yet.
    await waitUntil('the turn to start', () => api.conversation().turns.at(-1)?.question === 'Stopped while loading');
    assert.ok(api.statusBarText().startsWith(SPINNER), `the load shows before the stop: ${api.statusBarText()}`);
    await vscode.commands.executeCommand('r1Coder.stop');
    const stopped = await pending;
    assertStatusIdle(api, models.copy, 'the stop ends the load in the status bar');
    assert.equal(stopped.status, 'stopped', stopped.error?.message);
    assert.equal(stopped.finishReason, 'aborted');
    assert.equal(stopped.error, undefined);
    assert.equal(stopped.reasoning + stopped.answer, '', 'stopped before the model generated anything');
    assert.equal(api.conversation().busy, false);

    assertScriptAnswer(await api.ask('After the stop'), 'after the stop');
    assert.deepEqual(
      api.conversation().turns.map((turn) => turn.status),
      ['error', 'stopped', 'done'],
    );
  });

  suite('Fix Selection with the local model', () => {
    /** The selected loop stops one short; DEFAULT_SCRIPT's fenced block is its fix. */
    const BEFORE = [
      '/** Sums values[0..n] inclusive: the array holds n + 1 samples. */',
      'export function sumThrough(values: number[], n: number): number {',
      '  let total = 0;',
      '  for (let i = 0; i < n; i++) total += values[i];',
      '  return total;',
      '}',
      '',
    ].join('\n');
    const AFTER = BEFORE.replace('i < n;', 'i <= n;');
    let uri: vscode.Uri;

    suiteSetup(() => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the host tests run with a workspace folder open');
      uri = vscode.Uri.joinPath(folder.uri, 'r1-local-tests', 'sumThrough.ts');
    });

    suiteTeardown(async () => {
      while (await vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.rejectEdit')) {
        // each call rejects one pending proposal
      }
      for (const document of vscode.workspace.textDocuments.filter(
        (each) => each.isDirty && each.uri.scheme === 'file',
      )) {
        await vscode.window.showTextDocument(document, { preview: false });
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(uri, '..'), { recursive: true, useTrash: false });
    });

    test('the script model’s block replaces the selected loop on Accept; one undo restores the file', async function () {
      this.timeout(LOCAL_TIMEOUT_MS);
      await vscode.commands.executeCommand('r1Coder.newChat');
      await useModel(models.script);
      await vscode.workspace.fs.writeFile(uri, Buffer.from(BEFORE, 'utf8'));
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document, { preview: false });
      editor.selection = new vscode.Selection(3, 0, 3, document.lineAt(3).text.length);

      await vscode.commands.executeCommand('r1Coder.fixSelection');
      const turn = api.conversation().turns.at(-1);
      assert.ok(turn, 'Fix Selection asked a question');
      assert.equal(turn.title, 'Fix r1-local-tests/sumThrough.ts:4');
      assertScriptAnswer(turn, 'fix');
      assert.equal(document.getText(), BEFORE, 'proposing changes nothing');

      const view = await vscode.commands.executeCommand<EditProposalView | undefined>('r1Coder.acceptEdit');
      assert.equal(view?.state, 'applied', view?.message);
      await waitUntil('the fix to be applied', () => document.getText() === AFTER, 5_000).catch(() => undefined);
      assert.equal(document.getText(), AFTER, 'the document holds exactly the fixed loop');

      await vscode.window.showTextDocument(document, { preview: false });
      await vscode.commands.executeCommand('undo');
      await waitUntil('the undo', () => document.getText() === BEFORE, 5_000).catch(() => undefined);
      assert.equal(document.getText(), BEFORE, 'one undo restores the file byte for byte');
    });
  });
});

/** A loopback server for catalog downloads: serves `body` under any path, with Range support. */
async function serveFile(body: Buffer): Promise<{ baseUrl: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range) {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' }).end(body);
      return;
    }
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    res
      .writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'accept-ranges': 'bytes',
      })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`, paths, server };
}

suite('Local model commands with scripted arguments (test surface, ExtensionMode.Test)', () => {
  let dir: string;

  suiteSetup(async function () {
    this.timeout(60_000);
    await activateExtension();
    dir = mkdtempSync(join(tmpdir(), 'r1-host-local-commands-'));
  });

  suiteTeardown(async () => {
    await setSetting('local.modelPath', undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('Select Local Model <path> sets the model without a picker', async function () {
    this.timeout(30_000);
    const path = join(dir, `${MODEL_NAME}.gguf`);
    writeScriptModel(path);
    const set = await vscode.commands.executeCommand<string | undefined>(COMMAND_IDS.selectLocalModel, path);
    assert.equal(set, path);
    assert.equal(vscode.workspace.getConfiguration('r1Coder.local').get('modelPath'), path);
  });

  test('Download Local Model <id> with the catalog redirected: fetched from the loopback server, then set', async function () {
    this.timeout(120_000);
    const source = join(dir, 'served.gguf');
    writeScriptModel(source);
    const model = MODEL_CATALOG.find((entry) => entry.id === 'r1-distill-qwen-1.5b');
    assert.ok(model);
    const served = await serveFile(readFileSync(source));
    process.env[CATALOG_URL_BASE_ENV] = served.baseUrl;
    let downloaded: string | undefined;
    try {
      downloaded = await vscode.commands.executeCommand<string | undefined>(COMMAND_IDS.downloadLocalModel, model.id);
    } finally {
      delete process.env[CATALOG_URL_BASE_ENV];
      served.server.closeAllConnections();
      served.server.close();
    }
    try {
      assert.ok(downloaded, 'the download resolved to a path');
      assert.ok(downloaded.endsWith(model.fileName), downloaded);
      // The redirect also switched the size check off: the catalog says ~1.9 GB, the server sent a few KB.
      assert.deepEqual(readFileSync(downloaded), readFileSync(source));
      assert.ok(
        served.paths.every((path) => path === `/models/${model.fileName}`),
        JSON.stringify(served.paths),
      );
      assert.equal(vscode.workspace.getConfiguration('r1Coder.local').get('modelPath'), downloaded);
    } finally {
      if (downloaded) rmSync(downloaded, { force: true });
    }
  });
});
