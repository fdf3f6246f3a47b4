import * as vscode from 'vscode';
import type { SessionSnapshot } from '../core/chatSession';
import type { Turn, TurnRequest } from '../core/turn';
import type { SavedConversation } from '../core/savedConversations';
import type { SourceKind } from '../core/sourceKind';
import type {
  AttachmentChipWire,
  CodeBlockAction,
  EditProposalView,
  FileReviewView,
  FixRunAction,
  FixRunView,
} from '../shared/protocol';
import type { GatheredContext } from './context/gathered';
import { ChatController } from './chatController';
import { ChatViewProvider } from './chatViewProvider';
import { registerContextCommands } from './context/contextCommands';
import { COMMAND_IDS, VIEW_ID, type CommandId } from './commandIds';
import { ProviderSource } from './providerSource';
import { registerLocalModelCommands } from './localModelCommands';
import { ApiKeyStore } from './secrets';
import { testSurfaceEnabled } from './testSurface';
import { FixSampleRuns, type FixSamplesArgs } from './fixSampleRuns';
import { readCloudSettings, readCollapseThinking, readFixSettings, readLocalSettings, readMode } from './settings';
import { ModelStatusBar } from './modelStatusBar';
import { cloudName, shortModelName } from './modelNames';
import { EditProposals } from './editProposals';
import { applyBlockToFile, editFiles, type EditFilesDeps } from './editFiles';
import { MultiFileReview } from './multiFileReview';
import { showHistory } from './historyPicker';
import { registerWalkthrough, resetWalkthroughProgress, walkthroughProgress } from './walkthrough';
import type { WalkthroughEvent } from './walkthroughSteps';
import {
  applyCodeBlock,
  askAboutSelection,
  explainSelection,
  FixWithR1CodeActionProvider,
  fixFollowUp,
  fixSelection,
  type SelectionArgs,
} from './selectionCommands';

/** Returned from activate() only in ExtensionMode.Test (testSurfaceEnabled): the extension-host tests' view. */
export interface R1CoderTestApi {
  /** `source` is the panel's one-request override ("Just this once"). */
  ask(question: string, source?: SourceKind): Promise<Turn>;
  conversation(): SessionSnapshot;
  /** What the panel's Retry does; for a Fix turn it resolves with the new proposal. */
  retry(turnId: string): Promise<unknown>;
  /** The model status-bar item's text, e.g. "$(server) R1: Local · 7B". */
  statusBarText(): string;
  /** The conversations as saved in workspace state (newest first). */
  savedConversations(): readonly SavedConversation[];
  /** Restores the current conversation from workspace state, as a window reload does (in-memory state is dropped). */
  reloadConversation(): Promise<void>;
  /** What the panel's input box holds, as the panel reports it; undefined when no panel is loaded. */
  panelInput(): Promise<string | undefined>;
  /** What a code block's Apply to selection / Insert at cursor button does; resolves with the proposal, if any. */
  applyCode(turnId: string, blockIndex: number, mode: CodeBlockAction): Promise<EditProposalView | undefined>;
  /** What R1: Edit Files… does with `request` (no input box); resolves with the review, if any. */
  editFiles(request: string): Promise<FileReviewView | undefined>;
  /** A review card's button: one file (`fileId`) or every pending file. */
  reviewFiles(
    reviewId: string,
    decision: 'accept' | 'reject' | 'showDiff',
    fileId?: string,
  ): Promise<FileReviewView | undefined>;
  /** A code block's Apply to file; resolves with the review of that one file. */
  applyToFile(turnId: string, blockIndex: number): Promise<FileReviewView | undefined>;
  /** How long activate() took, in milliseconds (`npm run bench:activation` reports it). */
  activationMs(): number;
  /** The walkthrough events recorded in global state (each also set a context key). */
  walkthroughProgress(): WalkthroughEvent[];
  /** Forgets the walkthrough events, so a test sees its own event recorded. */
  resetWalkthroughProgress(): Promise<void>;
  /** What the panel's Send does: the question with the attachments of the next question (the chips). */
  askWithContext(question: string, source?: SourceKind, choice?: Pick<TurnRequest, 'model' | 'effort'>): Promise<Turn>;
  /** Adds gathered context to the next question, as a context source (the `#` picker) does. */
  attachContext(gathered: GatheredContext): void;
  /** The chips of the next question as the panel would show them (the active editor read now). */
  attachmentChips(): Promise<AttachmentChipWire[]>;
  /** What a chip's × does. */
  removeAttachment(id: string): void;
  /** What a Fix ×N card's buttons do (Stop, show another group's edit); resolves with the card. */
  fixRunAction(runId: string, action: FixRunAction, group?: number): Promise<FixRunView | undefined>;
}

/**
 * Runs once the window has started (onStartupFinished), so the status item and the Fix with R1
 * quick fix exist without opening R1. Activation stays cheap: no SDK, no model, no worker, no
 * timers; providers load on first use. Returns the test API only to the extension-host tests.
 */
export function activate(context: vscode.ExtensionContext): R1CoderTestApi | undefined {
  const started = performance.now();
  const testSurface = testSurfaceEnabled(context);
  const log = vscode.window.createOutputChannel('R1 Coder', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const statusBar = new ModelStatusBar();
  const providers = new ProviderSource(keys, statusBar, log);
  const controller = new ChatController(
    context.workspaceState,
    async (source, choice) => providers.current(source, choice),
    () => ({
      type: 'modelSources',
      defaultSource: readMode(),
      cloudLabel: cloudName(readCloudSettings().baseUrl),
      localLabel: readLocalSettings().modelPath ? shortModelName(readLocalSettings().modelPath) : 'no model',
      collapseThinking: readCollapseThinking(),
    }),
    log,
    // `proposals` is declared below; the factory only runs on a Retry, long after activation.
    (fix) => fixFollowUp(proposals, fix),
    () => providers.cloudModelsMessage(),
  );
  const proposals = new EditProposals((turnId, proposal) => {
    fixRuns.onProposal(turnId, proposal);
    controller.post({ type: 'editProposal', turnId, proposal });
  }, log);
  const fixRuns = new FixSampleRuns({
    provider: () => providers.current(),
    post: (message) => controller.post(message),
    reveal: () => controller.reveal(),
    proposals,
    log,
  });
  const review = new MultiFileReview(
    (turnId, view) => controller.post({ type: 'fileReview', turnId, review: view }),
    log,
  );
  // The working set: the panel's attachments (the chips), the active file included.
  const editDeps: EditFilesDeps = {
    controller,
    review,
    workingSet: () => Promise.resolve(controller.attachments.forQuestion().items),
  };
  const viewProvider = new ChatViewProvider(
    context.extensionUri,
    controller,
    {
      resolve: (id, decision) =>
        decision === 'accept'
          ? proposals.accept(id)
          : decision === 'reject'
            ? proposals.reject(id)
            : proposals.showDiff(id),
      applyCode: (turnId, blockIndex, mode) => applyCodeBlock(controller, proposals, turnId, blockIndex, mode),
      editFiles: (text, source) => editFiles(editDeps, text, source),
      reviewFiles: (reviewId, decision, fileId) => review.decide(reviewId, decision, fileId),
      applyToFile: (turnId, blockIndex) => applyBlockToFile(controller, review, turnId, blockIndex),
      fixRun: (runId, action, group) => fixRuns.act(runId, action, group),
    },
    log,
    // The panel opened: list the workspace's files now, so the first `#` finds them ready.
    () => void contextCommands.index.list().catch((error: unknown) => log.warn(`file index: ${String(error)}`)),
  );
  // `#`, Add File/Selection to Chat: from a menu, show the panel where the new chips are.
  const contextCommands = registerContextCommands(context, {
    add: (gathered) => {
      controller.attachments.add(gathered);
      void controller.reveal();
    },
  });
  const modeToggle = new ModeToggle();
  const selectionArgs = (value: unknown) => (isSelectionArgs(value) ? value : undefined);
  const fixSamplesArgs = (value: unknown): FixSamplesArgs | undefined => {
    const samples = (value as { samples?: unknown } | undefined)?.samples;
    const count = typeof samples === 'number' && Number.isInteger(samples) && samples >= 1 ? samples : undefined;
    return count === undefined ? selectionArgs(value) : { ...selectionArgs(value), samples: count };
  };

  // The local-model and walkthrough commands register themselves (registerLocalModelCommands, registerWalkthrough).
  const commands: Record<
    Exclude<
      CommandId,
      | typeof COMMAND_IDS.selectLocalModel
      | typeof COMMAND_IDS.downloadLocalModel
      | typeof COMMAND_IDS.openWalkthrough
      | typeof COMMAND_IDS.chooseModelSource
      | typeof COMMAND_IDS.openFixSample
      | typeof COMMAND_IDS.walkthroughEvent
      // registerContextCommands (src/host/context/contextCommands.ts) registers these.
      | typeof COMMAND_IDS.attachContext
      | typeof COMMAND_IDS.addFileToChat
      | typeof COMMAND_IDS.addSelectionToChat
    >,
    (...args: unknown[]) => unknown
  > = {
    [COMMAND_IDS.focusChat]: () => vscode.commands.executeCommand(`${VIEW_ID}.focus`),
    [COMMAND_IDS.newChat]: () => controller.newChat(),
    [COMMAND_IDS.stop]: () => {
      fixRuns.stopAll();
      return controller.stop();
    },
    // A scripted key (skipping the prompt) is test-only surface.
    [COMMAND_IDS.setApiKey]: (key?: unknown) =>
      setApiKey(keys, testSurface && typeof key === 'string' ? key : undefined),
    [COMMAND_IDS.clearApiKey]: () => clearApiKey(keys),
    [COMMAND_IDS.explainSelection]: (args?: unknown) => explainSelection(controller, selectionArgs(args)),
    // r1Coder.fix.samples above 1 makes every Fix a Fix ×N with that many samples.
    [COMMAND_IDS.fixSelection]: (args?: unknown) =>
      readFixSettings().samples > 1
        ? fixRuns.start(selectionArgs(args), readFixSettings().samples)
        : fixSelection(controller, proposals, selectionArgs(args)),
    [COMMAND_IDS.fixSelectionTimesN]: (args?: unknown) => fixRuns.fixSelectionTimesN(fixSamplesArgs(args)),
    [COMMAND_IDS.askAboutSelection]: (args?: unknown) => askAboutSelection(controller, selectionArgs(args)),
    [COMMAND_IDS.editFiles]: () => editFiles(editDeps),
    // From the diff's title bar VS Code passes the diff's URI: act on that proposal, not another.
    [COMMAND_IDS.acceptEdit]: (target?: unknown) => proposals.accept(proposals.proposalIdFrom(target)),
    [COMMAND_IDS.rejectEdit]: (target?: unknown) => proposals.reject(proposals.proposalIdFrom(target)),
    [COMMAND_IDS.toggleModel]: () => modeToggle.toggle(),
    // With a conversation id (keybindings, tests), opens it without the picker; with { query }, searches.
    [COMMAND_IDS.showHistory]: (id?: unknown) =>
      typeof id === 'string' ? controller.openConversation(id) : showHistory(controller, id),
    [COMMAND_IDS.exportConversation]: () => exportConversation(controller),
    [COMMAND_IDS.findInChat]: () => viewProvider.openFind(),
  };

  context.subscriptions.push(
    log,
    controller,
    proposals,
    review,
    fixRuns,
    statusBar,
    providers,
    vscode.window.registerWebviewViewProvider(VIEW_ID, viewProvider),
    vscode.languages.registerCodeActionsProvider(
      FixWithR1CodeActionProvider.selector,
      new FixWithR1CodeActionProvider(COMMAND_IDS.fixSelection),
      FixWithR1CodeActionProvider.metadata,
    ),
    ...Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, run)),
    ...registerLocalModelCommands(context, log),
    ...registerWalkthrough(context),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('r1Coder')) controller.refreshSources();
    }),
  );

  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(1)} ms.`);
  if (!testSurface) return undefined;
  return {
    activationMs: () => activationMs,
    ask: (question, source) => controller.ask(question, undefined, source),
    conversation: () => controller.conversation(),
    retry: (turnId) => controller.retry(turnId),
    statusBarText: () => statusBar.text,
    savedConversations: () => controller.history(),
    reloadConversation: () => controller.reload(),
    panelInput: () => viewProvider.readInput(),
    applyCode: (turnId, blockIndex, mode) => applyCodeBlock(controller, proposals, turnId, blockIndex, mode),
    editFiles: (request) => editFiles(editDeps, request),
    reviewFiles: (reviewId, decision, fileId) => review.decide(reviewId, decision, fileId),
    applyToFile: (turnId, blockIndex) => applyBlockToFile(controller, review, turnId, blockIndex),
    walkthroughProgress: () => walkthroughProgress(context.globalState),
    resetWalkthroughProgress: () => resetWalkthroughProgress(context.globalState),
    askWithContext: (question, source, choice) => controller.askWithContext(question, source, choice),
    attachContext: (gathered) => controller.attachments.add(gathered),
    attachmentChips: () => controller.attachments.chips(),
    removeAttachment: (id) => controller.attachments.remove(id),
    fixRunAction: async (runId, action, group) => {
      await fixRuns.act(runId, action, group);
      return fixRuns.runView(runId);
    },
  };
}

async function exportConversation(controller: ChatController): Promise<void> {
  if (!controller.conversation().turns.length) {
    void vscode.window.showInformationMessage('R1 Coder: the conversation is empty.');
    return;
  }
  const document = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: controller.exportMarkdown(),
  });
  await vscode.window.showTextDocument(document);
}

/** Flips r1Coder.mode. Clicks can come faster than settings are written; chained, none is lost. */
class ModeToggle {
  /** The latest mode write. */
  private lastWrite: Promise<unknown> = Promise.resolve();

  async toggle(): Promise<void> {
    const flip = this.lastWrite.then(async () => {
      const next = readMode() === 'local' ? 'cloud' : 'local';
      await vscode.workspace.getConfiguration('r1Coder').update('mode', next, vscode.ConfigurationTarget.Global);
      return next;
    });
    this.lastWrite = flip.catch(() => undefined);
    const next = await flip;
    if (next === 'local' && !readLocalSettings().modelPath) {
      const choice = await vscode.window.showWarningMessage(
        'R1 Coder: no local model is selected yet.',
        'Select Local Model',
        'Open Settings',
      );
      if (choice === 'Select Local Model') await vscode.commands.executeCommand(COMMAND_IDS.selectLocalModel);
      else if (choice === 'Open Settings')
        await vscode.commands.executeCommand('workbench.action.openSettings', 'r1Coder.local');
    }
  }
}

/** Commands invoked from the context menu get a Uri as first argument; only our own object counts. */
function isSelectionArgs(value: unknown): value is SelectionArgs {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof vscode.Uri) &&
    ('range' in value || 'uri' in value)
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** Stores a key for the configured server; `scriptedKey` (extension-host tests only) skips the prompt. */
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
  if (!scriptedKey) void vscode.window.showInformationMessage(`R1 Coder: API key saved for ${baseUrl}.`);
}

async function clearApiKey(keys: ApiKeyStore): Promise<void> {
  const { baseUrl } = readCloudSettings();
  await keys.delete(baseUrl);
  void vscode.window.showInformationMessage(`R1 Coder: API key removed for ${baseUrl}.`);
}
