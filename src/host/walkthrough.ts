import * as vscode from 'vscode';
import { COMMAND_IDS } from './commandIds';
import { readMode } from './settings';
import type { SourceKind } from '../core/sourceKind';
import { testSurfaceEnabled } from './testSurface';
import {
  FIX_SAMPLE_PATH,
  isWalkthroughEvent,
  WALKTHROUGH_DONE_STATE_KEY,
  WALKTHROUGH_EVENTS,
  WALKTHROUGH_ID,
  WALKTHROUGH_OPENED_STATE_KEY,
  walkthroughContextKey,
  type WalkthroughEvent,
} from './walkthroughSteps';

/**
 * The hook the real events call, one line where each happens (key stored, model ready, first
 * answer, fix accepted). It runs the internal command registerWalkthrough() registers, which holds
 * globalState, so the places that call it need no context. Never throws, never waits.
 */
export function walkthroughEvent(event: WalkthroughEvent): void {
  void vscode.commands.executeCommand(COMMAND_IDS.walkthroughEvent, event).then(undefined, () => undefined);
}

/** The events recorded so far (globalState), in walkthrough order. */
export function walkthroughProgress(state: vscode.Memento): WalkthroughEvent[] {
  const done = state.get<unknown>(WALKTHROUGH_DONE_STATE_KEY);
  const recorded = Array.isArray(done) ? done.filter(isWalkthroughEvent) : [];
  return WALKTHROUGH_EVENTS.filter((event) => recorded.includes(event));
}

/**
 * Registers the walkthrough's commands, sets again the context keys of the steps done before (one
 * setContext each, not awaited: activation stays cheap) and opens the walkthrough on the first
 * activation, once. The extension-host tests (ExtensionMode.Test) drive the workbench themselves:
 * there it does not open by itself.
 */
export function registerWalkthrough(context: vscode.ExtensionContext): vscode.Disposable[] {
  const state = context.globalState;
  for (const event of walkthroughProgress(state)) setStepContext(event);
  if (!testSurfaceEnabled(context)) openWalkthroughOnce(state, context.extension.id).catch(() => undefined);
  return [
    vscode.commands.registerCommand(COMMAND_IDS.walkthroughEvent, (event: unknown) =>
      isWalkthroughEvent(event) ? recordWalkthroughEvent(state, event) : undefined,
    ),
    vscode.commands.registerCommand(COMMAND_IDS.openWalkthrough, () => openWalkthrough(context.extension.id)),
    vscode.commands.registerCommand(COMMAND_IDS.chooseModelSource, (source?: unknown) =>
      chooseModelSource(state, source === 'cloud' || source === 'local' ? source : undefined),
    ),
    vscode.commands.registerCommand(COMMAND_IDS.openFixSample, () => openFixSample(context)),
  ];
}

/**
 * Opens the walkthrough unless it was opened (or declined) before; VS Code opens walkthroughs of
 * new extensions itself only when installed from the Extensions view. `workbench.welcomePage.
 * walkthroughs.openOnInstall` off means never. Resolves true when it opened it.
 */
export async function openWalkthroughOnce(state: vscode.Memento, extensionId: string): Promise<boolean> {
  if (state.get<boolean>(WALKTHROUGH_OPENED_STATE_KEY)) return false;
  await state.update(WALKTHROUGH_OPENED_STATE_KEY, true);
  const wanted = vscode.workspace
    .getConfiguration('workbench.welcomePage')
    .get<boolean>('walkthroughs.openOnInstall', true);
  if (!wanted) return false;
  await openWalkthrough(extensionId);
  return true;
}

async function openWalkthrough(extensionId: string): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${WALKTHROUGH_ID}`, false);
}

async function recordWalkthroughEvent(state: vscode.Memento, event: WalkthroughEvent): Promise<void> {
  const done = walkthroughProgress(state);
  if (done.includes(event)) return;
  await state.update(WALKTHROUGH_DONE_STATE_KEY, [...done, event]);
  setStepContext(event);
}

function setStepContext(event: WalkthroughEvent, value = true): void {
  void vscode.commands.executeCommand('setContext', walkthroughContextKey(event), value);
}

/** Forgets every recorded event and clears the keys (the tests start each event from nothing). */
export async function resetWalkthroughProgress(state: vscode.Memento): Promise<void> {
  await state.update(WALKTHROUGH_DONE_STATE_KEY, undefined);
  for (const event of WALKTHROUGH_EVENTS) setStepContext(event, false);
}

/** Step 1: writes r1Coder.mode. The walkthrough's buttons pass the choice; the palette asks. */
async function chooseModelSource(
  state: vscode.Memento,
  given: SourceKind | undefined,
): Promise<SourceKind | undefined> {
  const current = readMode();
  const source =
    given ??
    (
      await vscode.window.showQuickPick(
        [
          {
            label: '$(cloud) Cloud',
            source: 'cloud' as const,
            description: current === 'cloud' ? 'current' : undefined,
            detail: 'The DeepSeek API or any OpenAI-compatible server (vLLM, Ollama, LM Studio…). Needs an API key.',
          },
          {
            label: '$(server) Local',
            source: 'local' as const,
            description: current === 'local' ? 'current' : undefined,
            detail: 'A GGUF model run on this machine: private, no key, no server. Needs a few GB of memory.',
          },
        ],
        { title: 'R1: Where should answers come from?' },
      )
    )?.source;
  if (!source) return undefined;
  if (source !== current)
    await vscode.workspace.getConfiguration('r1Coder').update('mode', source, vscode.ConfigurationTarget.Global);
  await recordWalkthroughEvent(state, 'sourceChosen');
  return source;
}

/**
 * Step 4: a copy of the sample bug in global storage (reset to the bug each time), opened with the
 * buggy function selected, ready for R1: Fix Selection. A copy, so the installed extension's files
 * are never edited; a real file, so the Fix with R1 quick fix and Accept work as on any file.
 */
async function openFixSample(context: vscode.ExtensionContext): Promise<vscode.TextEditor> {
  const sample = Buffer.from(
    await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, FIX_SAMPLE_PATH)),
  ).toString('utf8');
  const folder = vscode.Uri.joinPath(context.globalStorageUri, 'sample');
  const uri = vscode.Uri.joinPath(folder, FIX_SAMPLE_PATH.slice(FIX_SAMPLE_PATH.lastIndexOf('/') + 1));
  const open = vscode.workspace.textDocuments.find((each) => each.uri.toString() === uri.toString());
  if (!open) {
    await vscode.workspace.fs.createDirectory(folder);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(sample, 'utf8'));
  }
  const document = open ?? (await vscode.workspace.openTextDocument(uri));
  // Open already (fixed, perhaps unsaved): the bug goes back through the editor, not behind its back.
  if (document.getText() !== sample) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, document.lineCount, 0), sample);
    await vscode.workspace.applyEdit(edit);
    await document.save();
  }
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  const range = sampleFunctionRange(document);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range);
  return editor;
}

/** The first top-level function: from its `function` line to its closing `}` at column 0. */
function sampleFunctionRange(document: vscode.TextDocument): vscode.Range {
  const lines = document.getText().split(/\r?\n/);
  const start = Math.max(
    0,
    lines.findIndex((line) => line.startsWith('function ')),
  );
  const endOffset = lines.slice(start).findIndex((line) => line === '}');
  const end = endOffset < 0 ? document.lineCount - 1 : start + endOffset;
  return new vscode.Range(start, 0, end, document.lineAt(end).text.length);
}
