/**
 * The one place that decides which model source answers. Everything else talks to ChatProvider.
 */

import type { StreamChunk } from '../core/chunks';
import type { R1Error } from '../core/errors';
import type { ChatProvider } from '../core/provider';
import { isDeepSeekUrl, providerLabel } from '../providers/cloud/cloudServer';
import { OpenAiCompatibleProvider } from '../providers/cloud/openAiCompatibleProvider';
import type { ApiKeyStore } from './secrets';
import { readCloudSettings } from './settings';

export async function createCloudProvider(keys: ApiKeyStore): Promise<ChatProvider> {
  const settings = readCloudSettings();
  const apiKey = await keys.get(settings.baseUrl);
  const label = providerLabel(settings.baseUrl, settings.model);
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
    model: settings.model,
    reasoningEffort: settings.reasoningEffort,
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
