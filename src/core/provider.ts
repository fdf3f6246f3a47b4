/**
 * What every model source implements. Below the host, cancellation is an AbortSignal.
 */

import type { StreamChunk } from './chunks';
import type { R1Error } from './errors';

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
}

export interface ChatProvider {
  /** Shown next to each answer, e.g. "DeepSeek · deepseek-v4-flash" or "Local · 7B". */
  readonly label: string;
  /** What to tell the user when an answer ends with "length", when the provider knows better than "token limit". */
  readonly lengthError?: R1Error;
  /** Never throws: failures end the stream with an `error` chunk. */
  stream(request: ChatRequest): AsyncIterable<StreamChunk>;
  /**
   * Optional: several independent samples of one prompt generated together (local: N sequences of
   * one context, which llama.cpp batches). All requests carry the same messages; one stream per
   * request, in order; each request's signal stops its own sample. Never throws.
   */
  streamSamples?(requests: readonly ChatRequest[]): readonly AsyncIterable<StreamChunk>[];
  dispose?(): void | Promise<void>;
}
