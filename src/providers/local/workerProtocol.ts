/**
 * Messages between LocalProvider (extension host or CLI) and the inference worker (a child process
 * started with fork, JSON over IPC). Types only, plus the small guards each side needs, so neither
 * side imports the other's runtime code.
 */

import type { ChatMessage, ContextRequest } from '../../core/provider';
import type { ContextBuildResult } from '../../core/context/types';
import type { SpeculationKind, SpeculationStats } from './speculation';

/** What identifies a loaded model: a change in any of these reloads it. */
export interface ModelSettings {
  readonly modelPath: string;
  /** CPU threads; 0 = the physical core count (resolved in the worker). */
  readonly threads: number;
  readonly gpuLayers: 'auto' | number;
  /** Upper bound on the context size; the actual size is chosen to fit memory. */
  readonly contextSizeCap: number;
  /** Speculative decoding: input lookup, or the draft model when draftModelPath is set; false = none. */
  readonly speculative?: boolean;
  /** A smaller model with the same vocabulary that drafts tokens (r1Coder.local.draftModelPath). */
  readonly draftModelPath?: string;
}

export interface SamplingSettings {
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly seed?: number;
  /** Most thought tokens before the model must answer; 0 = no limit. */
  readonly thinkingBudget: number;
  readonly maxTokens?: number;
}

export interface LoadedModelInfo {
  readonly modelPath: string;
  readonly contextSize: number;
  readonly threads: number;
  readonly gpu: string | false;
  readonly gpuLayers: number;
  /** Load time in ms, 0 when the model was already loaded. */
  readonly loadMs: number;
  /** Name of the chat wrapper node-llama-cpp resolved from the GGUF, e.g. "DeepSeek". */
  readonly chatWrapper: string;
  /** The speculative decoding in use, if any (the draft model's path with kind "draft"). */
  readonly speculation?: { readonly kind: SpeculationKind; readonly draftModelPath?: string };
}

/** Token counts of one request, measured by node-llama-cpp's token meter. */
export interface WorkerUsage {
  /** Drafted and accepted tokens, when the request ran with speculative decoding. */
  readonly speculative?: SpeculationStats;
  readonly promptTokens: number;
  /** Prompt tokens actually evaluated; the rest came from the KV cache of the previous turn. */
  readonly evaluatedPromptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
}

/** contextFull: the conversation leaves no room in the context for an answer. */
export type WorkerErrorKind = 'modelFile' | 'memory' | 'contextFull' | 'unknown';

export interface WorkerError {
  readonly kind: WorkerErrorKind;
  readonly message: string;
}

export type WorkerFinishReason = 'stop' | 'length' | 'aborted';

/** What a GGUF file is and whether it fits, for the model picker. */
export interface GgufInspection {
  readonly path: string;
  readonly sizeBytes: number;
  readonly name?: string;
  readonly architecture?: string;
  /** Quantization, e.g. "MOSTLY_Q4_K_M". */
  readonly fileType?: string;
  readonly parameterCount: number;
  readonly layers?: number;
  readonly trainContextSize?: number;
  readonly chatTemplate: boolean;
  /** Estimated memory to load the weights on the CPU only, and with the GPU layers that fit. */
  readonly cpuOnlyRamBytes: number;
  readonly totalRamBytes: number;
  readonly totalVramBytes: number;
  readonly fitsInRam: boolean;
  /** Whether all layers fit in GPU memory (false without a GPU). */
  readonly fitsInVram: boolean;
}

export type HostToWorker =
  | {
      readonly type: 'generate';
      readonly id: number;
      readonly model: ModelSettings;
      readonly sampling: SamplingSettings;
      readonly messages: readonly ChatMessage[];
    }
  /**
   * N samples of one prompt, generated together as N sequences of one context (Fix ×N). Each sample
   * streams start/text/done under its own id, with its own seed; `abort` of an id stops that sample.
   * Load progress and `loaded` go out under the first sample's id.
   */
  | {
      readonly type: 'generateBatch';
      readonly model: ModelSettings;
      readonly sampling: SamplingSettings;
      readonly samples: readonly { readonly id: number; readonly seed?: number }[];
      readonly messages: readonly ChatMessage[];
    }
  | { readonly type: 'abort'; readonly id: number }
  /** Answer now: close the running generation's thought and continue the same reply with the answer. */
  | { readonly type: 'endThought'; readonly id: number }
  /** Builds a question's message with the model's own tokenizer and its real context size (loads the model). */
  | {
      readonly type: 'buildContext';
      readonly id: number;
      readonly model: ModelSettings;
      readonly request: ContextRequest;
    }
  | { readonly type: 'inspect'; readonly id: number; readonly modelPath: string }
  | { readonly type: 'exit' };

export type WorkerToHost =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'loadProgress'; readonly id: number; readonly modelPath: string; readonly progress: number }
  | { readonly type: 'loaded'; readonly id: number; readonly info: LoadedModelInfo }
  /** Generation starts; `thinkingForced` says the prompt already opened the thought (`<think>\n`). */
  | { readonly type: 'start'; readonly id: number; readonly thinkingForced: boolean }
  /** Raw model text; thoughts the model opened itself arrive inline as `<think>…</think>`. */
  | { readonly type: 'text'; readonly id: number; readonly text: string }
  | { readonly type: 'done'; readonly id: number; readonly reason: WorkerFinishReason; readonly usage: WorkerUsage }
  | { readonly type: 'failed'; readonly id: number; readonly error: WorkerError }
  | { readonly type: 'inspected'; readonly id: number; readonly result: GgufInspection }
  /** The message built for `buildContext`, and the budget it was fitted to. */
  | {
      readonly type: 'contextBuilt';
      readonly id: number;
      readonly result: ContextBuildResult;
      readonly budgetTokens: number;
    }
  | { readonly type: 'log'; readonly level: string; readonly message: string };

export function isWorkerMessage(value: unknown): value is WorkerToHost {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isHostMessage(value: unknown): value is HostToWorker {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
