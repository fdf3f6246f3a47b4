/**
 * The one place that decides which model source answers. Everything else talks to ChatProvider.
 */

import type { StreamChunk } from '../core/chunks';
import type { R1Error } from '../core/errors';
import type { ChatProvider } from '../core/provider';
import type { QuestionEffort } from '../core/questionOptions';
import { isDeepSeekUrl, providerLabel } from '../providers/cloud/cloudServer';
import { OpenAiCompatibleProvider } from '../providers/cloud/openAiCompatibleProvider';
import type { ApiKeyStore } from './secrets';
import { readCloudSettings } from './settings';

/** The panel's one-question choices; each absent one follows the settings. */
export interface QuestionOverrides {
  readonly model?: string;
  readonly effort?: QuestionEffort;
}

export async function createCloudProvider(keys: ApiKeyStore, overrides: QuestionOverrides = {}): Promise<ChatProvider> {
  const settings = readCloudSettings();
  const apiKey = await keys.get(settings.baseUrl);
  const model = overrides.model ?? settings.model;
  const label = providerLabel(settings.baseUrl, model);
  if (!apiKey && isDeepSeekUrl(settings.baseUrl)) {
    return failingProvider(label, {
      kind: 'auth',
      transient: false,
      message: 'No DeepSeek API key is set. Run "R1: Set API Key" (keys are kept in VS Code secret storage).',
      actions: [{ kind: 'setApiKey' }],
    });
  }
  return new OpenAiCompatibleProvider({
    baseUrl: settings.baseUrl,
    apiKey,
    model,
    reasoningEffort: overrides.effort ?? settings.reasoningEffort,
    inactivityTimeoutMs: settings.inactivityTimeoutSeconds * 1000,
    contextTokens: settings.contextTokens,
  });
}

/** A provider whose stream is a single error: configuration problems surface like any other. */
function failingProvider(label: string, error: R1Error): ChatProvider {
  return {
    label,
    // eslint-disable-next-line @typescript-eslint/require-await
    async *stream(): AsyncIterable<StreamChunk> {
      yield { type: 'error', error };
    },
  };
}
