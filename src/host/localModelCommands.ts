import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { LocalProvider } from '../providers/local/localProvider';
import {
  CATALOG_SIZE_TOLERANCE,
  CATALOG_URL_BASE_ENV,
  catalogDownloadUrl,
  MODEL_CATALOG,
  type CatalogModel,
} from '../providers/local/modelCatalog';
import {
  assessFit,
  describeDetail,
  describeModelFile,
  estimateMemoryBytes,
  findModelCandidates,
  formatSize,
  type MachineMemory,
  type ModelCandidate,
  type ModelDescription,
  type ModelSource,
  thisMachine,
} from '../providers/local/modelDiscovery';
import {
  downloadModel,
  formatDownloadProgress,
  ModelDownloadError,
  partialDownloadBytes,
} from '../providers/local/modelDownload';
import { COMMAND_IDS } from './commandIds';
import { readLocalSettings, readMode } from './settings';

/** globalState: paths picked before, most recent first. */
const RECENT_KEY = 'r1Coder.local.recentModels';
const MAX_RECENT = 10;
/** globalState: GPU memory the inference worker last measured (the host cannot see the GPU itself). */
const VRAM_KEY = 'r1Coder.local.vramBytes';

/**
 * "R1: Select Local Model" and "R1: Download Local Model". Both accept a scripted argument that
 * skips the UI (a file path, a catalog id), for tests and other extensions; they resolve to the
 * model path that was set, or undefined.
 */
export function registerLocalModelCommands(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const downloads = new Downloads(context, log);
  return [
    vscode.commands.registerCommand(COMMAND_IDS.selectLocalModel, (path?: unknown) =>
      typeof path === 'string'
        ? useModelFile(context, log, path, { interactive: false })
        : pickLocalModel(context, log),
    ),
    vscode.commands.registerCommand(COMMAND_IDS.downloadLocalModel, async (id?: unknown) => {
      if (typeof id === 'string') {
        const model = MODEL_CATALOG.find((entry) => entry.id === id);
        if (!model)
          throw new Error(`No catalog model "${id}"; known: ${MODEL_CATALOG.map((entry) => entry.id).join(', ')}.`);
        return downloads.start(model, false);
      }
      const model = await pickCatalogModel(context);
      return model ? downloads.start(model, true) : undefined;
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Select

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

async function pickLocalModel(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
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
  let machine = knownMachine(context);

  const render = () => {
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
        detail: 'DeepSeek-R1-Distill GGUFs from Hugging Face, 1.5B to 70B',
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
      picker.busy = false;
      const readable = candidates.find((candidate) => descriptions.get(candidate.path)?.ok);
      if (readable && !sessionVram.measured) {
        const vramBytes = await measureVram(readable.path, log, stop.signal);
        if (vramBytes !== undefined) {
          await context.globalState.update(VRAM_KEY, vramBytes);
          machine = knownMachine(context);
          scheduleRender();
        }
      }
    } catch (error) {
      log.error(`Listing local models failed: ${String(error)}`);
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
    return uri ? useModelFile(context, log, uri.fsPath, { interactive: true }) : undefined;
  }
  if (!picked.candidate) return undefined;
  return useModelFile(context, log, picked.candidate.path, {
    interactive: true,
    label: picked.candidate.label,
    description: picked.header,
  });
}

/** Checks the file, sets r1Coder.local.modelPath, remembers it, and offers to switch to local. */
async function useModelFile(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
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
  await vscode.workspace.getConfiguration('r1Coder.local').update('modelPath', path, vscode.ConfigurationTarget.Global);
  await rememberModel(context, path);
  log.info(`Local model set to ${path} (${describeDetail(description, knownMachine(context))})`);
  if (!options.interactive) return path;
  const fit = assessFit(description.memoryBytes, knownMachine(context));
  if (fit.kind === 'tooBig') {
    void vscode.window.showWarningMessage(
      `R1 Coder: ${label} is selected, but it is probably ${fit.text}; it may fail to load or run very slowly.`,
    );
  }
  offerLocalMode(`${label} is now the local model.`);
  return path;
}

function offerLocalMode(message: string): void {
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

function recentModels(context: vscode.ExtensionContext): string[] {
  const stored = context.globalState.get<unknown>(RECENT_KEY);
  return Array.isArray(stored) ? stored.filter((entry): entry is string => typeof entry === 'string') : [];
}

async function rememberModel(context: vscode.ExtensionContext, path: string): Promise<void> {
  await context.globalState.update(
    RECENT_KEY,
    [path, ...recentModels(context).filter((entry) => entry !== path)].slice(0, MAX_RECENT),
  );
}

/** Once per session: the inference worker's node-llama-cpp sees the GPU, the extension host does not. */
const sessionVram = { measured: false };

async function measureVram(
  modelPath: string,
  log: vscode.LogOutputChannel,
  signal: AbortSignal,
): Promise<number | undefined> {
  const workerPath = join(__dirname, 'localWorker.js');
  if (!existsSync(workerPath)) return undefined;
  const provider = new LocalProvider({ modelPath, workerPath, idleMinutes: 0, onLog: (line) => log.trace(line) });
  const onAbort = () => provider.dispose();
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 30_000);
  });
  try {
    const result = await Promise.race([provider.inspect(modelPath), timeout]);
    // Closing the picker cancels the measurement; the next picker tries again.
    if (!signal.aborted) sessionVram.measured = true;
    if (!result || 'error' in result) {
      if (result) log.warn(`Could not measure GPU memory: ${result.error.message}`);
      return undefined;
    }
    log.info(`GPU memory as node-llama-cpp sees it: ${formatSize(result.inspection.totalVramBytes)}`);
    return result.inspection.totalVramBytes;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    provider.dispose();
  }
}

function knownMachine(context: vscode.ExtensionContext): MachineMemory {
  const vram = context.globalState.get<unknown>(VRAM_KEY);
  return thisMachine(typeof vram === 'number' && vram > 0 ? vram : 0);
}

// ---------------------------------------------------------------------------------------------
// Download

interface CatalogItem extends vscode.QuickPickItem {
  readonly model: CatalogModel;
  readonly tooBig: boolean;
}

async function pickCatalogModel(context: vscode.ExtensionContext): Promise<CatalogModel | undefined> {
  const machine = knownMachine(context);
  const dir = modelsDir(context);
  const items = await Promise.all(
    MODEL_CATALOG.map(async (model): Promise<CatalogItem> => {
      const path = join(dir, model.fileName);
      const need = estimateMemoryBytes(model.sizeBytes, model.kvBytesPerToken);
      const fit = assessFit(need, machine);
      const partial = await partialDownloadBytes(path);
      const state = existsSync(path)
        ? 'downloaded'
        : partial > 0
          ? `${formatSize(partial)} downloaded, resumes`
          : undefined;
      return {
        label: `${fit.kind === 'tooBig' ? '$(warning) ' : ''}${model.label}`,
        description: `${model.quantization} · ${formatSize(model.sizeBytes)} download${state ? ` · ${state}` : ''}`,
        detail: `Needs ~${formatSize(need)} of memory · ${fit.text} · ${model.note}`,
        model,
        tooBig: fit.kind === 'tooBig',
      };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'R1: Download Local Model',
    placeHolder: 'DeepSeek-R1-Distill GGUFs (bartowski’s builds on Hugging Face); a cancelled download resumes',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.tooBig) {
    const go = await vscode.window.showWarningMessage(
      `${picked.model.label} needs about ${formatSize(estimateMemoryBytes(picked.model.sizeBytes, picked.model.kvBytesPerToken))} of memory, more than this machine has. Download it anyway?`,
      { modal: true },
      'Download Anyway',
    );
    if (!go) return undefined;
  }
  return picked.model;
}

/** Catalog downloads, one per model at a time; Resume and Retry run here again, interactively. */
class Downloads {
  private readonly running = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  start(model: CatalogModel, interactive: boolean): Promise<string | undefined> {
    const running = this.running.get(model.id);
    if (running) {
      if (interactive) void vscode.window.showInformationMessage(`R1 Coder: ${model.label} is already downloading.`);
      return running;
    }
    const download = this.run(model, interactive).finally(() => this.running.delete(model.id));
    this.running.set(model.id, download);
    return download;
  }

  private async run(model: CatalogModel, interactive: boolean): Promise<string | undefined> {
    const { context, log } = this;
    const url = catalogDownloadUrl(model);
    const dirPath = modelsDir(context);
    // Catalog sizes describe the real Hugging Face files, not what a test server sends.
    const overridden = !!process.env[CATALOG_URL_BASE_ENV]?.trim();
    log.info(`Downloading ${model.label} from ${url} into ${dirPath}`);
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `R1: Downloading ${model.label} ${model.quantization}`,
          cancellable: true,
        },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let shownPercent = 0;
          let shownAt = 0;
          return downloadModel({
            url,
            fileName: model.fileName,
            dirPath,
            expectedSizeBytes: overridden ? undefined : model.sizeBytes,
            sizeTolerance: CATALOG_SIZE_TOLERANCE,
            sha256: model.sha256,
            signal: controller.signal,
            onProgress: (event) => {
              const now = Date.now();
              const finished = event.totalBytes > 0 && event.downloadedBytes >= event.totalBytes;
              if (event.phase === 'downloading' && now - shownAt < 250 && !finished) return;
              shownAt = now;
              const percent =
                event.phase === 'downloading' && event.totalBytes > 0
                  ? (event.downloadedBytes / event.totalBytes) * 100
                  : shownPercent;
              progress.report({ message: formatDownloadProgress(event), increment: percent - shownPercent });
              shownPercent = percent;
            },
          });
        },
      );
      log.info(
        `Downloaded ${result.path} (${formatSize(result.sizeBytes)}${result.resumedFromBytes ? `, resumed from ${formatSize(result.resumedFromBytes)}` : ''}${result.alreadyComplete ? ', already complete' : ''})`,
      );
      await vscode.workspace
        .getConfiguration('r1Coder.local')
        .update('modelPath', result.path, vscode.ConfigurationTarget.Global);
      await rememberModel(context, result.path);
      if (interactive) offerLocalMode(`${model.label} is downloaded and set as the local model.`);
      return result.path;
    } catch (error) {
      if (isAbort(error)) {
        const kept = await partialDownloadBytes(join(dirPath, model.fileName));
        log.info(`Download of ${model.label} cancelled; ${formatSize(kept)} kept for resuming`);
        if (interactive) {
          void vscode.window
            .showInformationMessage(
              `R1 Coder: download of ${model.label} paused${kept ? ` (${formatSize(kept)} kept)` : ''}. Run "R1: Download Local Model" again to resume.`,
              'Resume',
            )
            .then((choice) => choice && this.start(model, true));
        }
        return undefined;
      }
      const message =
        error instanceof ModelDownloadError ? error.message : `Downloading ${model.label} failed: ${String(error)}`;
      log.error(message);
      if (!interactive) throw error;
      void vscode.window.showErrorMessage(`R1 Coder: ${message}`, 'Retry', 'Show Log').then((choice) => {
        if (choice === 'Retry') return this.start(model, true);
        if (choice === 'Show Log') log.show();
        return undefined;
      });
      return undefined;
    }
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function modelsDir(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, 'models');
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
