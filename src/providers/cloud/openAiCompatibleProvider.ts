/**
 * The cloud provider: the DeepSeek API or any OpenAI-compatible server (vLLM, SGLang,
 * llama-server, Ollama, LM Studio, OpenRouter) through the real `openai` SDK, streamed.
 *
 * The SDK is imported lazily so extension activation stays cheap. Its own retries are off: we
 * retry only while nothing has been shown (src/core/retry.ts), and map every failure to an
 * R1Error (cloudErrors.ts). The SDK's SSE parser swallows `: keep-alive` comments, so the
 * inactivity timeout watches raw bytes through a wrapped `fetch` (watchedTransport.ts).
 */

import type { OpenAI } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { FinishReason, StreamChunk, Usage } from '../../core/chunks';
import { stoppedByServerError, type R1Error, type ServerInfo } from '../../core/errors';
import type { ChatProvider, ChatRequest } from '../../core/provider';
import { DEFAULT_CLOUD_CONTEXT_TOKENS } from '../../core/context/defaults';
import { DEFAULT_RETRY_POLICY, retryDelayMs, sleep as abortableSleep, type RetryPolicy } from '../../core/retry';
import { ThinkSplitter, type SplitChunk } from '../../core/thinkSplitter';
import { R1_SAMPLING } from '../r1Sampling';
import { createOpenAiClient } from './openAiClient';
import {
  endedEarlyError,
  invalidBaseUrlError,
  mapSdkError,
  redactKey,
  retryReason,
  sdkLoadError,
  serverStop,
  stalledFor,
  toFinishReason,
  type ErrorContext,
  type SdkErrorClasses,
  type ServerStop,
} from './cloudErrors';
import {
  CLOUD_DEFAULTS,
  dialectFor,
  providerLabel,
  serverInfoFor,
  type ReasoningEffort,
  type ServerDialect,
} from './cloudServer';
import { watchedFetch, Watchdog, type BodyWatch } from './watchedTransport';

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
  /** Token budget of one question's user message (r1Coder.cloud.contextTokens); default DEFAULT_CLOUD_CONTEXT_TOKENS. */
  readonly contextTokens?: number;
}

/** The parts of the SDK module used at run time (the module itself loads lazily). */
interface Sdk extends SdkErrorClasses {
  readonly OpenAI: typeof OpenAI;
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
  private readonly errors: ErrorContext;

  constructor(private readonly options: OpenAiCompatibleProviderOptions) {
    this.dialect = dialectFor(options.baseUrl, options.dialect);
    this.server = { ...serverInfoFor(options.baseUrl, this.dialect), keySent: Boolean(options.apiKey) };
    this.label = providerLabel(options.baseUrl, options.model, this.dialect);
    this.inactivityTimeoutMs = Math.max(
      1,
      options.inactivityTimeoutMs ?? CLOUD_DEFAULTS.inactivityTimeoutSeconds * 1000,
    );
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.wait = options.sleep ?? abortableSleep;
    this.errors = {
      server: this.server,
      inactivityTimeoutMs: this.inactivityTimeoutMs,
      redact: (text) => this.redactText(text),
    };
  }

  /** The question's budget; counted with estimateTokens (no tokenizer at hand), so ChatProvider.buildContext is left to the caller. */
  contextBudget(): number {
    const tokens = this.options.contextTokens;
    return tokens !== undefined && Number.isFinite(tokens) && tokens > 0
      ? Math.floor(tokens)
      : DEFAULT_CLOUD_CONTEXT_TOKENS;
  }

  async *stream(request: ChatRequest): AsyncIterable<StreamChunk> {
    const { signal } = request;
    if (signal.aborted) {
      yield { type: 'finish', reason: 'aborted' };
      return;
    }
    if (!isHttpUrl(this.options.baseUrl)) {
      yield { type: 'error', error: invalidBaseUrlError(this.options.baseUrl) };
      return;
    }
    let sdk: Sdk;
    try {
      sdk = await import('openai');
    } catch (cause) {
      yield { type: 'error', error: sdkLoadError(cause) };
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
    let stoppedBy: ServerStop | undefined;
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
            const raw: string = choice.finish_reason;
            finishReason = toFinishReason(raw);
            stoppedBy = serverStop(raw) ?? stoppedBy;
          }
        }
      }
      if (signal.aborted) return { type: 'aborted' };
      if (stalled) return yield* this.fail(splitter, state, stalledFor(this.errors));
      // A clean end, but not a complete answer: an error keeps it from looking done (or being applied).
      if (stoppedBy) return yield* this.fail(splitter, state, stoppedByServerError(this.server, stoppedBy));
      if (finishReason === undefined && !body.sawDone) {
        return yield* this.fail(splitter, state, endedEarlyError(this.server, parsedChunks));
      }
      yield* show(splitter.end());
      return { type: 'finished', reason: finishReason ?? 'other', usage };
    } catch (cause) {
      if (signal.aborted) return { type: 'aborted' };
      if (stalled) return yield* this.fail(splitter, state, stalledFor(this.errors));
      return yield* this.fail(splitter, state, mapSdkError(sdk, cause, iterator !== undefined, this.errors));
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
    return createOpenAiClient(sdk, {
      baseUrl: this.options.baseUrl,
      apiKey: this.options.apiKey,
      // Our watchdog covers the wait for headers; this is only a backstop.
      timeoutMs: Math.ceil(Math.max(2 * this.inactivityTimeoutMs, 600_000)),
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
      body.temperature = this.options.temperature ?? R1_SAMPLING.temperature;
      body.top_p = this.options.topP ?? R1_SAMPLING.topP;
    }
    const effort = this.options.reasoningEffort ?? 'auto';
    if (effort !== 'auto') body.reasoning_effort = effort;
    return body;
  }

  /** The API key never appears in anything we emit, even if a server echoes it back. */
  private redact(error: R1Error): R1Error {
    const message = this.redactText(error.message);
    return message === error.message ? error : { ...error, message };
  }

  private redactText(text: string): string {
    return redactKey(text, this.options.apiKey);
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

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
