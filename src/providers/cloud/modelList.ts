/**
 * What models a cloud server offers: `GET /models` through the real `openai` SDK (DeepSeek, vLLM,
 * llama-server, Ollama's OpenAI-compatible endpoint, OpenRouter). Never throws: a failure is a
 * short reason the panel shows in its picker's tooltip while the configured model keeps working.
 */

import { isReasoningModelName } from '../../core/questionOptions';
import { createOpenAiClient } from './openAiClient';

export interface ListedModel {
  readonly name: string;
  /** The name matches the reasoning-model rule (src/core/questionOptions.ts). */
  readonly reasoning: boolean;
}

export type ModelListResult =
  | { readonly kind: 'listed'; readonly models: readonly ListedModel[] }
  | { readonly kind: 'failed'; readonly reason: string };

export interface ModelListOptions {
  readonly baseUrl: string;
  /** Undefined or empty: no Authorization header. */
  readonly apiKey: string | undefined;
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Most names kept (OpenRouter lists hundreds). */
const MAX_LISTED = 300;

export async function listServerModels(options: ModelListOptions): Promise<ModelListResult> {
  let sdk: typeof import('openai');
  try {
    sdk = await import('openai');
  } catch (error) {
    return { kind: 'failed', reason: `The openai SDK could not be loaded (${String(error)}).` };
  }
  const apiKey = options.apiKey || undefined;
  try {
    const client = createOpenAiClient(sdk, {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    const names = new Set<string>();
    for await (const model of client.models.list({ signal: options.signal })) {
      if (typeof model.id === 'string' && model.id.trim()) names.add(model.id.trim());
      if (names.size >= MAX_LISTED) break;
    }
    const models = [...names]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => ({ name, reasoning: isReasoningModelName(name) }));
    return { kind: 'listed', models };
  } catch (error) {
    return { kind: 'failed', reason: failureReason(sdk, error, apiKey) };
  }
}

function failureReason(sdk: typeof import('openai'), error: unknown, apiKey: string | undefined): string {
  if (error instanceof sdk.APIConnectionTimeoutError) return 'The server did not answer the model list in time.';
  if (error instanceof sdk.APIConnectionError) return 'The server could not be reached.';
  if (error instanceof sdk.APIError) {
    if (error.status === 401 || error.status === 403) {
      return apiKey
        ? `The server refused the API key (${error.status}).`
        : `The server wants an API key (${error.status}): run "R1: Set API Key".`;
    }
    if (error.status === 404) return 'The server does not list its models (404).';
    return `The server answered ${error.status ?? 'an error'} to the model list.`;
  }
  return 'The model list could not be read.';
}
