import { join } from 'node:path';
import * as vscode from 'vscode';
import { catalogDownloadRequest, type CatalogModel } from '../providers/local/modelCatalog';
import {
  downloadModel,
  formatDownloadProgress,
  ModelDownloadError,
  partialDownloadBytes,
} from '../providers/local/modelDownload';
import { formatSize } from '../providers/local/sizeText';
import { modelsDir, offerLocalMode, setLocalModel } from './localModelChoice';

/**
 * Catalog downloads with a cancellable progress notification, one per model at a time. A cancel
 * keeps the partial file (Resume continues it), a failure offers Retry, and the file is verified
 * (size, checksum where the catalog has one, GGUF header) before it becomes the local model.
 */
export class ModelDownloads {
  private readonly running = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** Whether R1_CODER_MODEL_CATALOG_URL_BASE may redirect downloads (test surface only). */
    private readonly allowUrlOverride: boolean,
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
    const dirPath = modelsDir(context);
    const request = catalogDownloadRequest(model, { dirPath, allowOverride: this.allowUrlOverride });
    log.info(`Downloading ${model.label} from ${request.url} into ${dirPath}`);
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
            ...request,
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
        `Downloaded ${result.path} (${formatSize(result.sizeBytes)}${result.resumedFromBytes ? `, resumed from ${formatSize(result.resumedFromBytes)}` : ''}${result.alreadyComplete ? ', already complete' : ''}${request.sha256 ? ', SHA-256 verified' : ''})`,
      );
      await setLocalModel(context, result.path);
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
