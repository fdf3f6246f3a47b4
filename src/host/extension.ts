import * as vscode from 'vscode';
import type { ConversationView, TurnView } from '../core/chatSession';
import { ChatController } from './chatController';
import { ChatViewProvider } from './chatViewProvider';
import { COMMAND_IDS, VIEW_ID, type CommandId } from './commandIds';
import { createCloudProvider } from './providerFactory';
import { ApiKeyStore } from './secrets';
import { readCloudSettings } from './settings';

/** Returned from activate() for the integration tests (and other extensions, should they care). */
export interface R1CoderTestApi {
  ask(question: string): Promise<TurnView>;
  conversation(): ConversationView;
}

export function activate(context: vscode.ExtensionContext): R1CoderTestApi {
  // Activation stays cheap: no SDK, no model, no timers. Providers load on first use.
  const log = vscode.window.createOutputChannel('R1 Coder', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const controller = new ChatController(context.workspaceState, () => createCloudProvider(keys), log);
  const viewProvider = new ChatViewProvider(context.extensionUri, controller, log);

  const commands: Record<CommandId, (...args: unknown[]) => unknown> = {
    [COMMAND_IDS.focusChat]: () => vscode.commands.executeCommand(`${VIEW_ID}.focus`),
    [COMMAND_IDS.newChat]: () => controller.newChat(),
    [COMMAND_IDS.stop]: () => controller.stop(),
    [COMMAND_IDS.setApiKey]: (key?: unknown) => setApiKey(keys, typeof key === 'string' ? key : undefined),
    [COMMAND_IDS.clearApiKey]: () => clearApiKey(keys),
  };

  context.subscriptions.push(
    log,
    controller,
    vscode.window.registerWebviewViewProvider(VIEW_ID, viewProvider),
    ...Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, run)),
  );

  return {
    ask: (question) => controller.ask(question),
    conversation: () => controller.conversation(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** Stores a key for the configured server; `scriptedKey` lets tests and other extensions skip the prompt. */
async function setApiKey(keys: ApiKeyStore, scriptedKey: string | undefined): Promise<void> {
  const { baseUrl } = readCloudSettings();
  const key =
    scriptedKey ??
    (await vscode.window.showInputBox({
      title: 'R1: Set API Key',
      prompt: `API key for ${baseUrl} (kept in VS Code secret storage, never in settings)`,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk-…',
      validateInput: (value) => (value.trim() ? undefined : 'Enter a key, or press Escape to cancel'),
    }));
  if (!key?.trim()) return;
  await keys.set(baseUrl, key);
  if (!scriptedKey) void vscode.window.showInformationMessage(`R1 Coder: API key saved for ${new URL(baseUrl).host}.`);
}

async function clearApiKey(keys: ApiKeyStore): Promise<void> {
  const { baseUrl } = readCloudSettings();
  await keys.delete(baseUrl);
  void vscode.window.showInformationMessage(`R1 Coder: API key removed for ${baseUrl}.`);
}
