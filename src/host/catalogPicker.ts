import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MODEL_CATALOG, type CatalogModel } from '../providers/local/modelCatalog';
import { partialDownloadBytes } from '../providers/local/modelDownload';
import {
  assessFit,
  catalogMemoryBytes,
  describeMachine,
  recommendCatalogModel,
  type MachineMemory,
} from '../providers/local/modelFit';
import { formatSize } from '../providers/local/sizeText';
import { modelsDir } from './localModelChoice';
import type { MachineMemoryProbe } from './machineMemory';

/**
 * The catalog list of "R1: Download Local Model": each model's download size, memory need and fit
 * on this machine, the largest that fits marked as recommended (and pre-selected). The list opens
 * at once; while the GPU is measured it says so and judges nothing, then it is redrawn.
 */

interface CatalogItem extends vscode.QuickPickItem {
  readonly model: CatalogModel;
}

const RECOMMENDED_MARK = '$(star-full) recommended for this machine';

export async function pickCatalogModel(
  context: vscode.ExtensionContext,
  memory: MachineMemoryProbe,
): Promise<CatalogModel | undefined> {
  const dir = modelsDir(context);
  const states = new Map(
    await Promise.all(
      MODEL_CATALOG.map(async (model) => [model.id, await downloadState(join(dir, model.fileName))] as const),
    ),
  );
  const picker = vscode.window.createQuickPick<CatalogItem>();
  picker.title = 'R1: Download Local Model';
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;

  let closed = false;
  const render = (machine: MachineMemory, measuring: boolean) => {
    const recommended = measuring ? undefined : recommendCatalogModel(MODEL_CATALOG, machine);
    const items = MODEL_CATALOG.map((model) =>
      catalogItem(model, machine, measuring, model === recommended, states.get(model.id)),
    );
    picker.items = items;
    picker.placeholder = measuring
      ? 'Measuring this machine’s GPU memory to judge which models fit…'
      : `${describeMachine(machine)}: ${recommended ? `${recommended.label} ${recommended.quantization} suits it best` : 'even the smallest model is a tight fit'} · a cancelled download resumes`;
    const star = items.find((item) => item.model === recommended);
    if (star) picker.activeItems = [star];
  };

  const choice = new Promise<CatalogItem | undefined>((resolve) => {
    picker.onDidAccept(() => resolve(picker.selectedItems[0]));
    picker.onDidHide(() => resolve(undefined));
  });
  if (memory.settled()) {
    render(memory.current(), false);
  } else {
    render(memory.current(), true);
    picker.busy = true;
    void memory.measure().then((machine) => {
      if (closed) return;
      picker.busy = false;
      render(machine, false);
    });
  }
  picker.show();
  const picked = await choice;
  closed = true;
  picker.dispose();
  if (!picked) return undefined;

  const need = catalogMemoryBytes(picked.model);
  const fit = assessFit(need, memory.current());
  if (fit.kind === 'tooBig') {
    const go = await vscode.window.showWarningMessage(
      `${picked.model.label} needs about ${formatSize(need)} of memory: it is ${fit.text}. Download it anyway?`,
      { modal: true },
      'Download Anyway',
    );
    if (!go) return undefined;
  }
  return picked.model;
}

function catalogItem(
  model: CatalogModel,
  machine: MachineMemory,
  measuring: boolean,
  recommended: boolean,
  state: string | undefined,
): CatalogItem {
  const need = catalogMemoryBytes(model);
  const fit = assessFit(need, machine);
  const warn = !measuring && fit.kind === 'tooBig';
  return {
    label: `${warn ? '$(warning) ' : ''}${model.label}`,
    description: [
      recommended ? RECOMMENDED_MARK : undefined,
      model.quantization,
      `${formatSize(model.sizeBytes)} download`,
      state,
    ]
      .filter(Boolean)
      .join(' · '),
    detail: `Needs ~${formatSize(need)} of memory · ${measuring ? 'checking GPU memory…' : fit.text} · ${model.note}`,
    model,
  };
}

async function downloadState(path: string): Promise<string | undefined> {
  if (existsSync(path)) return 'downloaded';
  const partial = await partialDownloadBytes(path);
  return partial > 0 ? `${formatSize(partial)} downloaded, resumes` : undefined;
}
