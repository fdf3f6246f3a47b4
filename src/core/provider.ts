/**
 * What every model source implements. Below the host, cancellation is an AbortSignal.
 */

import type { StreamChunk } from './chunks';
import type { R1Error } from './errors';
import type { ContextBuildInput, ContextBuildResult } from './context/types';

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface ChatRequest {
  /** Alternating user/assistant messages ending with a user message (see buildMessages). */
  readonly messages: readonly ChatMessage[];
  readonly signal: AbortSignal;
  /** Cap on generated tokens (reasoning included), when the caller wants one. */
  readonly maxTokens?: number;
  /**
   * Answer now: when it fires while the model is thinking, the provider closes the thought and
   * continues the same reply with the answer (what was thought stays). Providers that cannot
   * (`canEndThought` unset) ignore it.
   */
  readonly endThought?: AbortSignal;
}

/** A question and its attachments, to be built into one user message by the provider's budget and counter. */
export interface ContextRequest extends Omit<ContextBuildInput, 'budgetTokens' | 'countTokens'> {
  /** The earlier messages the question is sent after (a local model's window must hold them too). */
  readonly history: readonly ChatMessage[];
}

export interface ChatProvider {
  /** Shown next to each answer, e.g. "DeepSeek · deepseek-v4-flash" or "Local · 7B". */
  readonly label: string;
  /** What to tell the user when an answer ends with "length", when the provider knows better than "token limit". */
  readonly lengthError?: R1Error;
  /** Whether the provider honours `ChatRequest.endThought` (a cloud API cannot continue a partial thought). */
  readonly canEndThought?: boolean;
  /** Never throws: failures end the stream with an `error` chunk. */
  stream(request: ChatRequest): AsyncIterable<StreamChunk>;
  /**
   * Optional: several independent samples of one prompt generated together (local: N sequences of
   * one context, which llama.cpp batches). All requests carry the same messages; one stream per
   * request, in order; each request's signal stops its own sample. Never throws.
   */
  streamSamples?(requests: readonly ChatRequest[]): readonly AsyncIterable<StreamChunk>[];
  dispose?(): void | Promise<void>;
  /**
   * Most tokens one question's user message (attachments and question) may take, as far as the
   * provider knows without loading anything: for the chips' preview, counted with estimateTokens.
   */
  contextBudget?(): number;
  /**
   * Builds the question's user message with this model's budget and its own token counter (the
   * local model's tokenizer). Absent: the caller builds with estimateTokens (see buildQuestion).
   */
  buildContext?(request: ContextRequest, signal?: AbortSignal): Promise<ContextBuildResult>;
}
