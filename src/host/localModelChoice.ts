import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  describeDetail,
  describeModelFile,
  findModelCandidates,
  type ModelDescription,
} from '../providers/local/modelDiscovery';
import { assessFit } from '../providers/local/modelFit';
import { draftModelOffer } from '../providers/local/speculation';
import type { MachineMemoryProbe } from './machineMemory';
import { readLocalSettings, readMode } from './settings';

/** globalState: paths picked before, most recent first. */
const RECENT_KEY = 'r1Coder.local.recentModels';
const MAX_RECENT = 10;

/** Where "R1: Download Local Model" puts its files. */
export function modelsDir(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, 'models');
}

export function recentModels(context: vscode.ExtensionContext): string[] {
  const stored = context.globalState.get<unknown>(RECENT_KEY);
  return Array.isArray(stored) ? stored.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Sets r1Coder.local.modelPath and puts the file first among the recent picks. */
export async function setLocalModel(context: vscode.ExtensionContext, path: string): Promise<void> {
  await vscode.workspace.getConfiguration('r1Coder.local').update('modelPath', path, vscode.ConfigurationTarget.Global);
  await context.globalState.update(
    RECENT_KEY,
    [path, ...recentModels(context).filter((entry) => entry !== path)].slice(0, MAX_RECENT),
  );
}

/** Checks the file, makes it the local model, and (interactively) warns when too big and offers local mode. */
export async function useModelFile(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  memory: MachineMemoryProbe,
  path: string,
  options: { readonly interactive: boolean; readonly label?: string; readonly description?: ModelDescription },
): Promise<string | undefined> {
  const label = options.label ?? path.split(/[\\/]/).pop() ?? path;
  const description = options.description ?? (await describeModelFile(path));
  if (!description.ok) {
    log.warn(`Not using ${path}: ${description.problem}`);
    void vscode.window.showErrorMessage(`R1 Coder: ${label} cannot be used as a local model: ${description.problem}.`);
    return undefined;
  }
  await setLocalModel(context, path);
  const machine = memory.current();
  log.info(`Local model set to ${path} (${describeDetail(description, machine)})`);
  if (!options.interactive) return path;
  const fit = assessFit(description.memoryBytes, machine);
  if (fit.kind === 'tooBig') {
    void vscode.window.showWarningMessage(
      `R1 Coder: ${label} is selected, but it is probably ${fit.text}; it may fail to load or run very slowly.`,
    );
  }
  offerLocalMode(`${label} is now the local model.`);
  void offerDraftModel(context, log, memory, path, label);
  return path;
}

/**
 * A larger Qwen distill was chosen, it runs on a GPU, and a 1.5B Qwen distill is among the recent
 * picks or downloads: offer it as the draft model (r1Coder.local.draftModelPath), which speeds up
 * thoughts and answers there (on a CPU it does not pay: see draftModelOffer).
 */
async function offerDraftModel(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  memory: MachineMemoryProbe,
  mainPath: string,
  label: string,
): Promise<void> {
  try {
    const { draftModelPath, speculative } = readLocalSettings();
    if (!speculative || draftModelPath) return;
    const known = await findModelCandidates({ recent: recentModels(context), downloadDirs: [modelsDir(context)] });
    const gpu = async () => ((await memory.measure()).vramBytes ?? 0) > 0;
    const draft = await draftModelOffer({ mainPath, draftModelPath, speculative, gpu, known });
    if (!draft) return;
    const name = draft.split(/[\\/]/).pop() ?? draft;
    const choice = await vscode.window.showInformationMessage(
      `R1 Coder: ${name} can draft tokens for ${label} (same vocabulary), so its thoughts and answers come faster. Use it as the draft model?`,
      'Use as draft',
      'Not now',
    );
    if (choice !== 'Use as draft') return;
    await vscode.workspace
      .getConfiguration('r1Coder.local')
      .update('draftModelPath', draft, vscode.ConfigurationTarget.Global);
    log.info(`Draft model set to ${draft} for ${mainPath}`);
  } catch (error) {
    log.warn(`Offering a draft model failed: ${String(error)}`);
  }
}

export function offerLocalMode(message: string): void {
  if (readMode() === 'local') {
    void vscode.window.showInformationMessage(`R1 Coder: ${message}`);
    return;
  }
  void vscode.window
    .showInformationMessage(`R1 Coder: ${message} Answer with it instead of the cloud?`, 'Use Local Model')
    .then(async (choice) => {
      if (choice)
        await vscode.workspace.getConfiguration('r1Coder').update('mode', 'local', vscode.ConfigurationTarget.Global);
    });
}
