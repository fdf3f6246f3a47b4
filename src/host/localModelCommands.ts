import * as vscode from 'vscode';
import { MODEL_CATALOG } from '../providers/local/modelCatalog';
import { pickCatalogModel } from './catalogPicker';
import { COMMAND_IDS } from './commandIds';
import { useModelFile } from './localModelChoice';
import { pickLocalModel } from './localModelPicker';
import { MachineMemoryProbe } from './machineMemory';
import { ModelDownloads } from './modelDownloads';
import { testSurfaceEnabled } from './testSurface';

/**
 * "R1: Select Local Model" and "R1: Download Local Model". Both resolve to the model path that was
 * set, or undefined. In the extension-host tests (testSurfaceEnabled) they also take a scripted
 * argument that skips the UI (a file path, a catalog id), and downloads may be redirected to a
 * loopback server; an installed extension ignores both and always shows the UI.
 */
export function registerLocalModelCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const scripted = testSurfaceEnabled(context);
  const memory = new MachineMemoryProbe(context.extensionPath, log);
  const downloads = new ModelDownloads(context, log, scripted);
  return [
    memory,
    vscode.commands.registerCommand(COMMAND_IDS.selectLocalModel, (path?: unknown) =>
      scripted && typeof path === 'string'
        ? useModelFile(context, log, memory, path, { interactive: false })
        : pickLocalModel(context, log, memory),
    ),
    vscode.commands.registerCommand(COMMAND_IDS.downloadLocalModel, async (id?: unknown) => {
      if (scripted && typeof id === 'string') {
        const model = MODEL_CATALOG.find((entry) => entry.id === id);
        if (!model)
          throw new Error(`No catalog model "${id}"; known: ${MODEL_CATALOG.map((entry) => entry.id).join(', ')}.`);
        return downloads.start(model, false);
      }
      const model = await pickCatalogModel(context, memory);
      return model ? downloads.start(model, true) : undefined;
    }),
  ];
}
