import type * as vscode from 'vscode';
import type { ChatProvider } from '../core/provider';
import { LocalProvider } from '../providers/local/localProvider';
import type { LocalProviderOptions } from '../providers/local/localProviderOptions';
import type { ModelStatusBar } from './modelStatusBar';
import { createCloudProvider, type QuestionOverrides } from './providerFactory';
import { LOCAL_DEFAULTS } from '../providers/local/localDefaults';
import { listServerModels, type ModelListResult } from '../providers/cloud/modelList';
import { isDeepSeekUrl } from '../providers/cloud/cloudServer';
import type { ApiKeyStore } from './secrets';
import type { SourceKind } from '../core/sourceKind';
import type { HostMessage } from '../shared/protocol';
import { readCloudSettings, readLocalSettings, readMode } from './settings';
import { walkthroughEvent } from './walkthrough';

/**
 * The one place that decides which model source answers. The local provider is kept for the
 * session (its worker keeps the model warm between turns and unloads it when idle); cloud
 * providers are cheap and made per request so settings and keys apply at once.
 */
export class ProviderSource implements vscode.Disposable {
  private local: LocalProvider | undefined;
  /** The last model list, for the server and key it was read with (a settings change reads anew). */
  private models: { readonly key: string; readonly result: Promise<ModelListResult> } | undefined;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly statusBar: ModelStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  current(mode: SourceKind = readMode(), overrides: QuestionOverrides = {}): Promise<ChatProvider> | ChatProvider {
    return mode === 'local'
      ? this.localProvider(overrides.effort && LOCAL_DEFAULTS.effortThinkingBudgets[overrides.effort])
      : createCloudProvider(this.keys, overrides);
  }

  /**
   * The configured cloud server's models (`GET /models`), read on first use and kept until the
   * server or its key changes; a failed read is not kept, so the next opening of the picker tries again.
   */
  async cloudModels(): Promise<ModelListResult> {
    const { baseUrl } = readCloudSettings();
    const apiKey = await this.keys.get(baseUrl);
    const key = `${baseUrl}\n${apiKey ?? ''}`;
    // DeepSeek refuses every request without a key: say so without asking it.
    if (!apiKey && isDeepSeekUrl(baseUrl)) {
      return { kind: 'failed', reason: 'No DeepSeek API key is set: run "R1: Set API Key".' };
    }
    if (this.models?.key !== key) {
      const result = listServerModels({ baseUrl, apiKey });
      this.models = { key, result };
      void result.then((outcome) => {
        if (outcome.kind === 'failed' && this.models?.result === result) this.models = undefined;
      });
    }
    return this.models.result;
  }

  dispose(): void {
    this.local?.dispose();
    this.local = undefined;
  }

  /** `thinkingBudget`: the question's own budget (its effort), else r1Coder.local.thinkingBudget. */
  /** The panel's model picker's contents: the listed models, or why there are none. */
  async cloudModelsMessage(): Promise<Extract<HostMessage, { type: 'cloudModels' }>> {
    const listed = await this.cloudModels();
    return {
      type: 'cloudModels',
      configured: readCloudSettings().model,
      models: listed.kind === 'listed' ? listed.models : [],
      ...(listed.kind === 'failed' && { note: listed.reason }),
    };
  }

  private localProvider(thinkingBudget?: number): LocalProvider {
    const settings = readLocalSettings();
    const options: LocalProviderOptions = {
      modelPath: settings.modelPath,
      threads: settings.threads,
      gpuLayers: settings.gpuLayers,
      contextSizeCap: settings.contextSizeCap,
      idleMinutes: settings.idleMinutes,
      thinkingBudget: thinkingBudget ?? settings.thinkingBudget,
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
