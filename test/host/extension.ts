/** Shared by the extension-host tests: the extension under test and its activate() result. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../src/host/commandIds';
import type { R1CoderTestApi } from '../../src/host/extension';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';

export const EXTENSION_ID = 'r1-coder.r1-coder';

export function getExtension(): vscode.Extension<R1CoderTestApi | undefined> {
  const extension = vscode.extensions.getExtension<R1CoderTestApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded in this extension host`);
  return extension;
}

/** The test API, which activate() returns only in ExtensionMode.Test (the host tests' mode). */
export async function activateExtension(): Promise<R1CoderTestApi> {
  const api = await getExtension().activate();
  assert.ok(api, 'activate() returned no test API: the extension is not running in ExtensionMode.Test');
  return api;
}

export interface PackageJson {
  readonly main: string;
  readonly contributes: {
    readonly commands: ReadonlyArray<{ readonly command: string; readonly title: string; readonly category?: string }>;
    readonly viewsContainers: { readonly activitybar: ReadonlyArray<{ readonly id: string; readonly title: string }> };
    readonly views: Record<
      string,
      ReadonlyArray<{ readonly id: string; readonly name: string; readonly type?: string }>
    >;
  };
}

/** The manifest as the extension host loaded it (not a copy read from disk by the test). */
export function packageJson(): PackageJson {
  return getExtension().packageJSON as PackageJson;
}

/** Points the extension at a server, as a user would in settings (the setting is application-scoped). */
export async function setBaseUrl(baseUrl: string | undefined): Promise<void> {
  await vscode.workspace
    .getConfiguration('r1Coder.cloud')
    .update('baseUrl', baseUrl, vscode.ConfigurationTarget.Global);
  assert.equal(
    vscode.workspace.getConfiguration('r1Coder.cloud').get('baseUrl'),
    baseUrl ?? 'https://api.deepseek.com',
  );
}

/** The loopback DeepSeek server, started, set as the base URL, with `key` stored as the API key. */
export async function connectLoopbackServer(key: string): Promise<DeepSeekServer> {
  const server = await startDeepSeekServer();
  await setBaseUrl(server.baseUrl);
  await vscode.commands.executeCommand('r1Coder.setApiKey', key);
  return server;
}

/** Undoes connectLoopbackServer: the key cleared, the base URL back to its default, the server closed. */
export async function disconnectLoopbackServer(server: DeepSeekServer): Promise<void> {
  await vscode.commands.executeCommand('r1Coder.clearApiKey');
  await setBaseUrl(undefined);
  await server.close();
}

/**
 * Polls until `probe` returns something other than undefined or false, or fails naming `what`:
 * tab, document and extension state reach the tests asynchronously.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Leaves the window as a test found it: every pending proposal rejected (a later Accept falls back to
 * the newest pending one), every edited file reverted (so closing prompts for nothing), every editor
 * closed.
 */
export async function rejectProposalsAndCloseEditors(): Promise<void> {
  while (await vscode.commands.executeCommand<unknown>(COMMAND_IDS.rejectEdit)) {
    // each call rejects one pending proposal
  }
  for (const document of vscode.workspace.textDocuments.filter((each) => each.isDirty && each.uri.scheme === 'file')) {
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
