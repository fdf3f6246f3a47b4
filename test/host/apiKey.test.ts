import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, setBaseUrl } from './extension';

/** What the server received as Authorization on the latest request. */
function lastAuthorization(server: DeepSeekServer): string | undefined {
  const request = server.requests.at(-1);
  assert.ok(request, `${server.baseUrl} received no request`);
  return request.headers.authorization;
}

suite('API key (SecretStorage)', () => {
  let api: R1CoderTestApi;
  let server: DeepSeekServer;
  let otherServer: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await startDeepSeekServer();
    otherServer = await startDeepSeekServer();
    await setBaseUrl(server.baseUrl);
  });

  suiteTeardown(async () => {
    await setBaseUrl(server.baseUrl);
    await vscode.commands.executeCommand('r1Coder.clearApiKey');
    await setBaseUrl(undefined);
    await Promise.all([server.close(), otherServer.close()]);
  });

  setup(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
    await setBaseUrl(server.baseUrl);
  });

  test('the key set with R1: Set API Key is what requests carry as Bearer token', async () => {
    const key = `sk-host-${randomUUID()}`;
    await vscode.commands.executeCommand('r1Coder.setApiKey', key);
    const turn = await api.ask('Which key do you see?');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(lastAuthorization(server), `Bearer ${key}`);
  });

  test('the key appears neither in r1Coder settings nor in settings.json', async () => {
    const key = `sk-host-${randomUUID()}`;
    await vscode.commands.executeCommand('r1Coder.setApiKey', key);
    const config = vscode.workspace.getConfiguration('r1Coder');
    const serialized = JSON.stringify(config);
    // The serialization holds the real settings (so the next check is not vacuous)…
    assert.ok(serialized.includes(server.baseUrl), `r1Coder settings include the base URL: ${serialized}`);
    assert.ok(!serialized.includes(key), 'the key is not in the r1Coder configuration');
    for (const name of ['cloud.baseUrl', 'cloud.model', 'mode']) {
      assert.ok(!JSON.stringify(config.inspect(name) ?? {}).includes(key), `the key is in no scope of r1Coder.${name}`);
    }
    // code-server's harness names the user settings file; desktop runs (test-electron) have no such file to check.
    const settingsPath = process.env.R1_TEST_USER_SETTINGS;
    if (settingsPath) {
      const settings = readFileSync(settingsPath, 'utf8');
      assert.ok(settings.includes(server.baseUrl), `${settingsPath} is the file the setting went to`);
      assert.ok(!settings.includes(key), `${settingsPath} does not contain the key`);
    }
    // …and the stored key is the one in use.
    await api.ask('Still the same key?');
    assert.equal(lastAuthorization(server), `Bearer ${key}`);
  });

  test('keys are kept per server: another server never receives this one', async () => {
    const key = `sk-host-${randomUUID()}`;
    await vscode.commands.executeCommand('r1Coder.setApiKey', key);
    await setBaseUrl(otherServer.baseUrl);
    const turn = await api.ask('Do you have a key for me?');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(lastAuthorization(otherServer), undefined);
    await setBaseUrl(server.baseUrl);
    await api.ask('And now?');
    assert.equal(lastAuthorization(server), `Bearer ${key}`);
  });

  test('R1: Clear API Key removes the key', async () => {
    await vscode.commands.executeCommand('r1Coder.setApiKey', `sk-host-${randomUUID()}`);
    await vscode.commands.executeCommand('r1Coder.clearApiKey');
    const turn = await api.ask('Any key now?');
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(lastAuthorization(server), undefined);
  });
});
