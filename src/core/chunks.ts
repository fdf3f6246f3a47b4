/**
 * The one typed chunk stream every provider yields (cloud and local alike).
 * A stream never throws: failures arrive as a final `error` chunk, so partial output
 * that was already yielded stays valid and the consumer decides what to show.
 */

import type { R1Error } from './errors';

export interface ReasoningChunk {
  readonly type: 'reasoning';
  readonly text: string;
  /**
   * No think tag has been seen yet: this may still turn out to be the answer (a `reclassify`
   * follows if the stream ends without one). Consumers that cannot move text later (the CLI
   * writing to stderr) hold such text until it is confirmed.
   */
  readonly provisional?: true;
}

export interface AnswerChunk {
  readonly type: 'answer';
  readonly text: string;
}

/**
 * Text streamed as reasoning turned out to be the answer: the output had neither `<think>` nor
 * `</think>` (a non-reasoning model behind a custom server). Consumers move all reasoning text
 * received so far to the answer.
 */
export interface ReclassifyChunk {
  readonly type: 'reclassify';
}

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Part of completionTokens spent thinking, when the server reports it. */
  readonly reasoningTokens?: number;
  readonly cachedPromptTokens?: number;
  /** Local speculative decoding: tokens drafted and how many the model accepted. */
  readonly speculative?: SpeculativeUsage;
}

export interface SpeculativeUsage {
  /** inputLookup: drafts copied from the prompt; draft: drafts from a smaller model. */
  readonly kind: 'inputLookup' | 'draft';
  readonly drafted: number;
  readonly accepted: number;
}

export interface UsageChunk {
  readonly type: 'usage';
  readonly usage: Usage;
}

/** Sent while nothing has been shown yet and a transient failure is being retried. */
export interface RetryChunk {
  readonly type: 'retry';
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export type FinishReason = 'stop' | 'length' | 'aborted' | 'other';

/** The last chunk of a stream that ended without an error. */
export interface FinishChunk {
  readonly type: 'finish';
  readonly reason: FinishReason;
}

export interface ErrorChunk {
  readonly type: 'error';
  readonly error: R1Error;
}

export type StreamChunk =
  ReasoningChunk | AnswerChunk | ReclassifyChunk | UsageChunk | RetryChunk | FinishChunk | ErrorChunk;

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
