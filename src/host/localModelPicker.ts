import { homedir } from 'node:os';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import {
  describeDetail,
  describeModelFile,
  findModelCandidates,
  type ModelCandidate,
  type ModelDescription,
  type ModelSource,
} from '../providers/local/modelDiscovery';
import { COMMAND_IDS } from './commandIds';
import { modelsDir, recentModels, useModelFile } from './localModelChoice';
import type { MachineMemoryProbe } from './machineMemory';
import { readLocalSettings } from './settings';

/**
 * "R1: Select Local Model": the GGUF files on this machine (recent picks, our downloads, Ollama,
 * LM Studio), each described from its header as it is read, with Browse… and Download… at the end.
 */

interface ModelItem extends vscode.QuickPickItem {
  readonly candidate?: ModelCandidate;
  readonly header?: ModelDescription;
  readonly action?: 'browse' | 'download';
}

const SECTIONS: Record<ModelSource, string> = {
  recent: 'Recently used',
  downloaded: 'Downloaded by R1 Coder',
  ollama: 'Ollama',
  lmStudio: 'LM Studio',
};

export async function pickLocalModel(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  memory: MachineMemoryProbe,
): Promise<string | undefined> {
  const current = readLocalSettings().modelPath;
  const picker = vscode.window.createQuickPick<ModelItem>();
  picker.title = 'R1: Select Local Model';
  picker.placeholder = 'GGUF models on this machine; size, quantization and fit come from each file’s header';
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;
  picker.keepScrollPosition = true;
  picker.busy = true;

  const stop = new AbortController();
  let candidates: ModelCandidate[] = [];
  const descriptions = new Map<string, ModelDescription>();

  const render = () => {
    const machine = memory.current();
    const active = picker.activeItems[0]?.candidate?.path;
    const items: ModelItem[] = [];
    for (const source of Object.keys(SECTIONS) as ModelSource[]) {
      const group = candidates.filter((candidate) => candidate.source === source);
      if (!group.length) continue;
      items.push({ label: SECTIONS[source], kind: vscode.QuickPickItemKind.Separator });
      for (const candidate of group) {
        const description = descriptions.get(candidate.path);
        items.push({
          label: `${candidate.path === current ? '$(check) ' : ''}${candidate.label}`,
          description: tildify(candidate.path),
          detail: description
            ? `${description.ok ? '' : '$(warning) '}${describeDetail(description, machine)}`
            : 'Reading the GGUF header…',
          candidate,
          header: description,
        });
      }
    }
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      {
        label: '$(folder-opened) Browse…',
        detail: 'Choose a .gguf file anywhere on disk',
        action: 'browse',
        alwaysShow: true,
      },
      {
        label: '$(cloud-download) Download a model…',
        detail: 'DeepSeek-R1-Distill GGUFs from Hugging Face, 1.5B to 70B, with the one that suits this machine',
        action: 'download',
        alwaysShow: true,
      },
    );
    picker.items = items;
    const again = items.find((item) => item.candidate && item.candidate.path === active);
    if (again) picker.activeItems = [again];
  };

  // Header reads finish at their own pace; redraw at most a few times a second.
  let renderTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleRender = () => {
    renderTimer ??= setTimeout(() => {
      renderTimer = undefined;
      if (!stop.signal.aborted) render();
    }, 120);
  };

  const choice = new Promise<ModelItem | undefined>((resolve) => {
    picker.onDidAccept(() => resolve(picker.selectedItems[0]));
    picker.onDidHide(() => resolve(undefined));
  });
  render();
  picker.show();

  // Fit lines use RAM until the GPU is measured, then are redrawn.
  if (!memory.settled()) void memory.measure().then(scheduleRender);
  void (async () => {
    try {
      candidates = await findModelCandidates({
        recent: [current, ...recentModels(context)].filter(Boolean),
        downloadDirs: [modelsDir(context)],
      });
      log.info(`Local models found: ${candidates.length} (${countBySource(candidates)})`);
      render();
      for (const candidate of candidates) {
        if (stop.signal.aborted) return;
        descriptions.set(candidate.path, await describeModelFile(candidate.path));
        scheduleRender();
      }
    } catch (error) {
      log.error(`Listing local models failed: ${String(error)}`);
    } finally {
      picker.busy = false;
    }
  })();

  const picked = await choice;
  stop.abort();
  if (renderTimer) clearTimeout(renderTimer);
  picker.dispose();
  if (!picked) return undefined;
  if (picked.action === 'download')
    return vscode.commands.executeCommand<string | undefined>(COMMAND_IDS.downloadLocalModel);
  if (picked.action === 'browse') {
    const [uri] =
      (await vscode.window.showOpenDialog({
        title: 'R1: Select a GGUF Model File',
        openLabel: 'Use This Model',
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        filters: { 'GGUF models': ['gguf'] },
        defaultUri: vscode.Uri.file(current ? dirname(current) : homedir()),
      })) ?? [];
    return uri ? useModelFile(context, log, memory, uri.fsPath, { interactive: true }) : undefined;
  }
  if (!picked.candidate) return undefined;
  return useModelFile(context, log, memory, picked.candidate.path, {
    interactive: true,
    label: picked.candidate.label,
    description: picked.header,
  });
}

function tildify(path: string): string {
  const home = homedir();
  return path.startsWith(home) ? `~${path.slice(home.length)}` : path;
}

function countBySource(candidates: readonly ModelCandidate[]): string {
  const counts = new Map<ModelSource, number>();
  for (const candidate of candidates) counts.set(candidate.source, (counts.get(candidate.source) ?? 0) + 1);
  return [...counts].map(([source, count]) => `${SECTIONS[source]}: ${count}`).join(', ') || 'none';
}
