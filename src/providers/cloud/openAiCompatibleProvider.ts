/**
 * The cloud provider: the DeepSeek API or any OpenAI-compatible server (vLLM, SGLang,
 * llama-server, Ollama, LM Studio, OpenRouter) through the real `openai` SDK, streamed.
 *
 * The SDK is imported lazily so extension activation stays cheap. Its own retries are off: we
 * retry only while nothing has been shown (src/core/retry.ts), and map every failure to an
 * R1Error. The SDK's SSE parser swallows `: keep-alive` comments, so the inactivity timeout
 * watches raw bytes through a wrapped `fetch`.
 */

import type { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { FinishReason, StreamChunk, Usage } from '../../core/chunks';
import {
  errorFromStatus,
  malformedError,
  networkError,
  stalledError,
  stoppedByServerError,
  streamCutError,
  unknownError,
  type R1Error,
  type ServerInfo,
} from '../../core/errors';
import type { ChatProvider, ChatRequest } from '../../core/provider';
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelayMs,
  sleep as abortableSleep,
  type RetryPolicy,
} from '../../core/retry';
import { ThinkSplitter, type SplitChunk } from '../../core/thinkSplitter';

export type ReasoningEffort = 'auto' | 'low' | 'medium' | 'high' | 'max';

/** 'deepseek' sends DeepSeek's `thinking` switch and names errors "DeepSeek"; 'openai' is any other server. */
export type ServerDialect = 'deepseek' | 'openai';

export interface OpenAiCompatibleProviderOptions {
  readonly baseUrl: string;
  /** Undefined or empty: no Authorization header (local servers). */
  readonly apiKey: string | undefined;
  readonly model: string;
  /** 'auto' (default) sends nothing and lets the server decide. */
  readonly reasoningEffort?: ReasoningEffort;
  /** Stop when the server sends no bytes at all (keep-alives count) for this long. Default 120 s. */
  readonly inactivityTimeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
  /** Non-DeepSeek servers only (DeepSeek ignores it); R1's recommended 0.6, since Ollama defaults to 1.0. */
  readonly temperature?: number;
  /** Non-DeepSeek servers only; R1's recommended 0.95. */
  readonly topP?: number;
  /** Default: 'deepseek' for *.deepseek.com, else 'openai'. Override for a proxy in front of DeepSeek. */
  readonly dialect?: ServerDialect;
  /** Waits between retries (tests shorten or observe it). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source for retry backoff. */
  readonly random?: () => number;
}

const DEEPSEEK_TOP_UP_URL = 'https://platform.deepseek.com/top_up';
const DEFAULT_INACTIVITY_TIMEOUT_MS = 120_000;

export function isDeepSeekUrl(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host === 'deepseek.com' || host.endsWith('.deepseek.com');
  } catch {
    return false;
  }
}

/** How errors name the server, and where to top up when known. */
export function serverInfoFor(baseUrl: string, dialect?: ServerDialect): ServerInfo {
  if ((dialect ?? (isDeepSeekUrl(baseUrl) ? 'deepseek' : 'openai')) === 'deepseek') {
    return { name: 'DeepSeek', topUpUrl: DEEPSEEK_TOP_UP_URL };
  }
  try {
    return { name: new URL(baseUrl).host || baseUrl };
  } catch {
    return { name: baseUrl };
  }
}

/** e.g. "DeepSeek · deepseek-v4-flash" or "127.0.0.1:8080 · deepseek-r1:7b". */
export function providerLabel(baseUrl: string, model: string, dialect?: ServerDialect): string {
  return `${serverInfoFor(baseUrl, dialect).name} · ${model}`;
}

/** The parts of the SDK module used at run time (the module itself loads lazily). */
interface Sdk {
  readonly OpenAI: typeof OpenAI;
  readonly APIError: typeof APIError;
  readonly APIConnectionError: typeof APIConnectionError;
  readonly APIConnectionTimeoutError: typeof APIConnectionTimeoutError;
}

/** Fields servers add to the delta and usage that the SDK's types lack. */
interface WireDelta {
  readonly content?: string | null;
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
}

interface WireUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number } | null;
  readonly prompt_cache_hit_tokens?: number;
}

type AttemptOutcome =
  | { readonly type: 'finished'; readonly reason: FinishReason; readonly usage?: Usage }
  | { readonly type: 'aborted' }
  | { readonly type: 'failed'; readonly error: R1Error };

/** Shared by the attempts of one stream: whether any text reached the consumer. */
interface StreamState {
  shown: boolean;
}

export class OpenAiCompatibleProvider implements ChatProvider {
  readonly label: string;
  private readonly server: ServerInfo;
  private readonly dialect: ServerDialect;
  private readonly inactivityTimeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: OpenAiCompatibleProviderOptions) {
    this.dialect = options.dialect ?? (isDeepSeekUrl(options.baseUrl) ? 'deepseek' : 'openai');
    this.server = { ...serverInfoFor(options.baseUrl, this.dialect), keySent: Boolean(options.apiKey) };
    this.label = providerLabel(options.baseUrl, options.model, this.dialect);
    this.inactivityTimeoutMs = Math.max(1, options.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_TIMEOUT_MS);
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.wait = options.sleep ?? abortableSleep;
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamChunk> {
    const { signal } = request;
    if (signal.aborted) {
      yield { type: 'finish', reason: 'aborted' };
      return;
    }
    if (!isHttpUrl(this.options.baseUrl)) {
      yield { type: 'error', error: this.invalidBaseUrl() };
      return;
    }
    let sdk: Sdk;
    try {
      sdk = await import('openai');
    } catch (cause) {
      yield { type: 'error', error: unknownError(`Could not load the openai package: ${describe(cause)}`) };
      return;
    }
    const state: StreamState = { shown: false };
    for (let retry = 1; ; retry++) {
      const outcome = yield* this.attempt(sdk, request, state);
      if (outcome.type === 'aborted') {
        yield { type: 'finish', reason: 'aborted' };
        return;
      }
      if (outcome.type === 'finished') {
        if (outcome.usage) yield { type: 'usage', usage: outcome.usage };
        yield { type: 'finish', reason: outcome.reason };
        return;
      }
      const error = this.redact(outcome.error);
      const delayMs = retryDelayMs(error, retry, state.shown, this.retryPolicy, this.options.random);
      if (delayMs === undefined) {
        yield { type: 'error', error };
        return;
      }
      yield { type: 'retry', attempt: retry, delayMs, reason: this.redactText(retryReason(error, this.server)) };
      try {
        await this.wait(delayMs, signal);
      } catch {
        // Only an abort interrupts the wait.
      }
      if (signal.aborted) {
        yield { type: 'finish', reason: 'aborted' };
        return;
      }
    }
  }

  /** One HTTP request. Yields text as it arrives; returns how it ended (the caller yields finish/error). */
  private async *attempt(
    sdk: Sdk,
    request: ChatRequest,
    state: StreamState,
  ): AsyncGenerator<StreamChunk, AttemptOutcome> {
    const { signal } = request;
    if (signal.aborted) return { type: 'aborted' };
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let stalled = false;
    const watchdog = new Watchdog(this.inactivityTimeoutMs, () => {
      stalled = true;
      controller.abort();
    });
    const body: BodyWatch = { sawDone: false };
    const client = this.client(
      sdk,
      watchedFetch(() => watchdog.touch(), body),
    );
    const splitter = new ThinkSplitter('auto');
    let parsedChunks = 0;
    let finishReason: FinishReason | undefined;
    /** DeepSeek's finish reasons for an answer the server itself cut short. */
    let stoppedBy: 'insufficient_system_resource' | 'content_filter' | undefined;
    let usage: Usage | undefined;
    let iterator: AsyncIterator<ChatCompletionChunk> | undefined;
    const show = (chunks: readonly SplitChunk[]): SplitChunk[] => {
      if (chunks.length > 0) state.shown = true;
      return [...chunks];
    };
    try {
      watchdog.arm();
      // Extra fields (thinking, reasoning_effort values beyond OpenAI's) are not in the SDK's types.
      const params = this.requestBody(request) as unknown as ChatCompletionCreateParamsStreaming;
      const stream = await client.chat.completions.create(params, { signal: controller.signal });
      iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        if (signal.aborted) return { type: 'aborted' };
        watchdog.arm();
        const next = await iterator.next();
        // Waiting on the consumer is not the server's silence.
        watchdog.disarm();
        if (signal.aborted) return { type: 'aborted' };
        if (stalled) break;
        if (next.done) break;
        parsedChunks++;
        const chunk = next.value;
        if (chunk.usage) usage = toUsage(chunk.usage as WireUsage);
        for (const choice of chunk.choices ?? []) {
          if (choice.index !== undefined && choice.index !== 0) continue;
          const delta = (choice.delta ?? {}) as WireDelta;
          const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
          if (typeof reasoning === 'string') {
            // A reasoning field, even DeepSeek's empty first one, means `content` is all answer.
            splitter.noteReasoningField();
            if (reasoning) {
              state.shown = true;
              yield { type: 'reasoning', text: reasoning };
            }
          }
          if (typeof delta.content === 'string' && delta.content) {
            yield* show(splitter.push(delta.content));
          }
          if (choice.finish_reason) {
            // DeepSeek adds "insufficient_system_resource" to the SDK's list of reasons.
            const raw: string = choice.finish_reason;
            finishReason = toFinishReason(raw);
            if (raw === 'insufficient_system_resource' || raw === 'content_filter') stoppedBy = raw;
          }
        }
      }
      if (signal.aborted) return { type: 'aborted' };
      if (stalled)
        return yield* this.fail(splitter, state, stalledError(this.server, seconds(this.inactivityTimeoutMs)));
      // A clean end, but not a complete answer: an error keeps it from looking done (or being applied).
      if (stoppedBy) return yield* this.fail(splitter, state, stoppedByServerError(this.server, stoppedBy));
      if (finishReason === undefined && !body.sawDone) {
        const error =
          parsedChunks === 0
            ? malformedError(this.server, 'the response contained no streaming events')
            : streamCutError(this.server, 'the server ended the response before it finished');
        return yield* this.fail(splitter, state, error);
      }
      yield* show(splitter.end());
      return { type: 'finished', reason: finishReason ?? 'other', usage };
    } catch (cause) {
      if (signal.aborted) return { type: 'aborted' };
      if (stalled)
        return yield* this.fail(splitter, state, stalledError(this.server, seconds(this.inactivityTimeoutMs)));
      return yield* this.fail(splitter, state, this.mapError(sdk, cause, iterator !== undefined));
    } finally {
      watchdog.disarm();
      signal.removeEventListener('abort', onAbort);
      // Closes the connection when the consumer stopped early or the request failed.
      if (!body.ended) controller.abort();
      void iterator?.return?.().catch(() => undefined);
    }
  }

  /**
   * Ends a failed attempt. Held text is flushed only when something was already shown (it belongs
   * to that partial output); the reclassify decision is skipped, since the stream never finished.
   */
  private *fail(splitter: ThinkSplitter, state: StreamState, error: R1Error): Generator<StreamChunk, AttemptOutcome> {
    if (state.shown) {
      for (const chunk of splitter.end()) if (chunk.type !== 'reclassify') yield chunk;
    }
    return { type: 'failed', error };
  }

  private client(sdk: Sdk, fetchImpl: typeof fetch): OpenAI {
    const apiKey = this.options.apiKey || undefined;
    return new sdk.OpenAI({
      baseURL: this.options.baseUrl.replace(/\/+$/, ''),
      // The SDK insists on a key; with none, the placeholder's header is removed below.
      apiKey: apiKey ?? 'no-key',
      // Explicit nulls so the OPENAI_* environment of the user never reaches another server.
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      defaultHeaders: apiKey ? undefined : { Authorization: null },
      maxRetries: 0,
      // Our watchdog covers the wait for headers; this is only a backstop.
      timeout: Math.ceil(Math.max(2 * this.inactivityTimeoutMs, 600_000)),
      logLevel: 'off',
      fetch: fetchImpl,
    });
  }

  private requestBody(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      // Only role and content: reasoning is never sent back, and there is no system prompt.
      messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (this.dialect === 'deepseek') {
      body.thinking = { type: 'enabled' };
    } else {
      body.temperature = this.options.temperature ?? 0.6;
      body.top_p = this.options.topP ?? 0.95;
    }
    const effort = this.options.reasoningEffort ?? 'auto';
    if (effort !== 'auto') body.reasoning_effort = effort;
    return body;
  }

  /** Server texts are scrubbed here, before messages truncate them: a key cut in half would escape redact(). */
  private mapError(sdk: Sdk, cause: unknown, responseStarted: boolean): R1Error {
    const describeScrubbed = (value: unknown) => this.redactText(describe(value));
    if (cause instanceof sdk.APIConnectionTimeoutError)
      return stalledError(this.server, seconds(this.inactivityTimeoutMs));
    if (cause instanceof sdk.APIConnectionError)
      return networkError(this.server, describeScrubbed(cause.cause ?? cause));
    if (cause instanceof sdk.APIError) {
      const raw = errorDetail(cause.error);
      const detail = raw === undefined ? undefined : this.redactText(raw);
      if (cause.status !== undefined) {
        return errorFromStatus(cause.status, detail, this.server, parseRetryAfter(cause.headers?.get('retry-after')));
      }
      // An error object inside the stream (OpenRouter, vLLM do this when generation fails).
      const code = (cause.error as { code?: unknown } | undefined)?.code;
      if (typeof code === 'number' && code >= 400 && code < 600) return errorFromStatus(code, detail, this.server);
      return {
        kind: 'server',
        transient: true,
        message: `${this.server.name} reported an error during the answer${detail ? ` (${truncate(detail, 300)})` : ''}. Retry in a little while.`,
        actions: [{ kind: 'retry' }],
      };
    }
    if (cause instanceof SyntaxError) return malformedError(this.server, this.redactText(cause.message));
    if (responseStarted) return streamCutError(this.server, describeScrubbed(cause));
    return unknownError(`${this.server.name}: ${describeScrubbed(cause)}`);
  }

  private invalidBaseUrl(): R1Error {
    return {
      kind: 'network',
      transient: false,
      message: `r1Coder.cloud.baseUrl is not an http(s) URL ("${truncate(this.options.baseUrl, 100)}"). Set it to e.g. https://api.deepseek.com or http://localhost:11434/v1.`,
      actions: [{ kind: 'openSettings', query: 'r1Coder.cloud.baseUrl' }],
    };
  }

  /** The API key never appears in anything we emit, even if a server echoes it back. */
  private redact(error: R1Error): R1Error {
    const message = this.redactText(error.message);
    return message === error.message ? error : { ...error, message };
  }

  private redactText(text: string): string {
    const key = this.options.apiKey;
    return key && key.length >= 4 ? text.split(key).join('[API key]') : text;
  }
}

interface BodyWatch {
  sawDone: boolean;
  /** The body was read to its end (or to [DONE]); nothing left to abort. */
  ended?: boolean;
}

/**
 * A fetch whose response body notes every chunk of bytes (keep-alive comments included) and
 * ends at `data: [DONE]`, so a server that keeps the connection open afterwards is not a stall.
 */
function watchedFetch(onBytes: () => void, watch: BodyWatch): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    onBytes();
    const source = response.body;
    if (!source) return response;
    const reader = source.getReader();
    const decoder = new TextDecoder();
    let tail = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          watch.ended = true;
          controller.close();
          return;
        }
        onBytes();
        controller.enqueue(value);
        const text = tail + decoder.decode(value, { stream: true });
        if (/(^|\n)data: ?\[DONE\]/.test(text)) {
          watch.sawDone = true;
          watch.ended = true;
          controller.close();
          reader.cancel().catch(() => undefined);
          return;
        }
        tail = text.slice(-16);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Fires when armed and no bytes arrive for `ms`. Disarmed while the consumer holds a chunk. */
class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armed = false;

  constructor(
    private readonly ms: number,
    private readonly onSilence: () => void,
  ) {}

  arm(): void {
    this.armed = true;
    this.restart();
  }

  disarm(): void {
    this.armed = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  touch(): void {
    if (this.armed) this.restart();
  }

  private restart(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.armed = false;
      this.timer = undefined;
      this.onSilence();
    }, this.ms);
  }
}

function toUsage(wire: WireUsage): Usage {
  const reasoningTokens = wire.completion_tokens_details?.reasoning_tokens;
  const cachedPromptTokens = wire.prompt_cache_hit_tokens ?? wire.prompt_tokens_details?.cached_tokens;
  return {
    promptTokens: wire.prompt_tokens ?? 0,
    completionTokens: wire.completion_tokens ?? 0,
    ...(typeof reasoningTokens === 'number' ? { reasoningTokens } : {}),
    ...(typeof cachedPromptTokens === 'number' ? { cachedPromptTokens } : {}),
  };
}

function toFinishReason(reason: string): FinishReason {
  return reason === 'stop' || reason === 'length' ? reason : 'other';
}

/** A short sentence for the retry notice ("… Retrying in 2 s"). */
function retryReason(error: R1Error, server: ServerInfo): string {
  switch (error.kind) {
    case 'rateLimit':
      return `${server.name} is rate-limiting requests.`;
    case 'overloaded':
      return `${server.name} is overloaded.`;
    case 'server':
      return error.status
        ? `${server.name} had a server error (HTTP ${error.status}).`
        : `${server.name} reported an error.`;
    case 'network':
      return `Could not reach ${server.name}.`;
    case 'streamCut':
      return `The connection to ${server.name} dropped.`;
    case 'stalled':
      return `${server.name} went silent.`;
    case 'malformed':
      return `${server.name} sent a malformed response.`;
    default:
      return error.message;
  }
}

function errorDetail(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return typeof error === 'string' ? error : undefined;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(error);
  } catch {
    return undefined;
  }
}

/** Message of an error and its causes, e.g. "fetch failed: connect ECONNREFUSED 127.0.0.1:9". */
function describe(cause: unknown): string {
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

function seconds(ms: number): number {
  return ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
