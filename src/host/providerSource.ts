import type * as vscode from 'vscode';
import type { ChatProvider } from '../core/provider';
import { LocalProvider, type LocalProviderOptions } from '../providers/local/localProvider';
import type { ModelStatusBar } from './modelStatusBar';
import { createCloudProvider } from './providerFactory';
import type { ApiKeyStore } from './secrets';
import type { SourceKind } from '../core/sourceKind';
import { readLocalSettings, readMode } from './settings';
import { walkthroughEvent } from './walkthrough';

/**
 * The one place that decides which model source answers. The local provider is kept for the
 * session (its worker keeps the model warm between turns and unloads it when idle); cloud
 * providers are cheap and made per request so settings and keys apply at once.
 */
export class ProviderSource implements vscode.Disposable {
  private local: LocalProvider | undefined;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly statusBar: ModelStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  current(mode: SourceKind = readMode()): Promise<ChatProvider> | ChatProvider {
    return mode === 'local' ? this.localProvider() : createCloudProvider(this.keys);
  }

  dispose(): void {
    this.local?.dispose();
    this.local = undefined;
  }

  private localProvider(): LocalProvider {
    const settings = readLocalSettings();
    const options: LocalProviderOptions = {
      modelPath: settings.modelPath,
      threads: settings.threads,
      gpuLayers: settings.gpuLayers,
      contextSizeCap: settings.contextSizeCap,
      idleMinutes: settings.idleMinutes,
      thinkingBudget: settings.thinkingBudget,
      speculative: settings.speculative,
      draftModelPath: settings.draftModelPath,
      onSpeculation: (stats) => this.statusBar.showSpeculation(stats),
      onLoadProgress: (progress) => {
        this.statusBar.showLoad(progress.phase, progress.progress);
        if (progress.phase === 'ready') walkthroughEvent('modelLoaded');
        if (progress.phase === 'ready' && progress.info)
          this.log.info(`local model ready: ${JSON.stringify(progress.info)}`);
      },
      onLog: (line) => this.log.debug(`[local] ${line}`),
    };
    if (this.local) this.local.configure(options);
    else this.local = new LocalProvider(options);
    return this.local;
  }
}
