import type { OpenAI } from 'openai';

export interface OpenAiClientOptions {
  readonly baseUrl: string;
  /** Undefined or empty: the request carries no Authorization header. */
  readonly apiKey: string | undefined;
  /** The SDK's own timeout per request. */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/**
 * The SDK's client for one server, the way every request of R1 Coder needs it: no SDK retries (ours
 * are visible), no SDK logging, and none of the user's OPENAI_* environment sent to another server.
 * `sdk` is the lazily imported module, so importing this file loads nothing.
 */
export function createOpenAiClient(sdk: { readonly OpenAI: typeof OpenAI }, options: OpenAiClientOptions): OpenAI {
  const apiKey = options.apiKey || undefined;
  return new sdk.OpenAI({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    // The SDK insists on a key; with none, the placeholder's header is removed below.
    apiKey: apiKey ?? 'no-key',
    // Explicit nulls so the OPENAI_* environment of the user never reaches another server.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    defaultHeaders: apiKey ? undefined : { Authorization: null },
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
