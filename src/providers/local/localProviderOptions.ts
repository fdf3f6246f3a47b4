/**
 * What a LocalProvider is configured with, and what it reports while a model loads; the model and
 * sampling settings the worker gets are derived from these options here.
 */

import type { SpeculativeUsage } from '../../core/chunks';
import { LOCAL_DEFAULTS } from './localDefaults';
import type { LoadedModelInfo, ModelSettings, SamplingSettings } from './workerProtocol';

export interface LocalProviderOptions {
  /** The GGUF file to run (r1Coder.local.modelPath). */
  readonly modelPath: string;
  /** CPU threads; 0 or unset = the physical core count (r1Coder.local.threads). */
  readonly threads?: number;
  /** Layers to offload to the GPU: 'auto' fits what GPU memory allows, 0 = CPU only. */
  readonly gpuLayers?: 'auto' | number;
  /** Upper bound on the context size in tokens; the size itself is chosen to fit memory. Default: LOCAL_DEFAULTS. */
  readonly contextSizeCap?: number;
  /** Stop the worker (freeing the model's memory) after this many idle minutes; 0 = never. Default: LOCAL_DEFAULTS. */
  readonly idleMinutes?: number;
  /** Most thought tokens before the model must answer; 0 or unset = no explicit budget. */
  readonly thinkingBudget?: number;
  /** Default: R1's guidance (LOCAL_DEFAULTS). */
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed?: number;
  /** Speculative decoding (r1Coder.local.speculative); default LOCAL_DEFAULTS (on). */
  readonly speculative?: boolean;
  /** A smaller model with the main model's vocabulary that drafts tokens (r1Coder.local.draftModelPath). */
  readonly draftModelPath?: string;
  /** Called when a request that ran with speculative decoding ends: drafted and accepted tokens. */
  readonly onSpeculation?: (stats: SpeculativeUsage) => void;
  /** Called while the worker starts and the model loads; each such run ends with ready, failed or stopped. */
  readonly onLoadProgress?: (progress: LocalLoadProgress) => void;
  /** llama.cpp warnings and the worker's own output, line by line (for an output channel). */
  readonly onLog?: (line: string) => void;
  /** The built worker; default: localWorker.js beside this bundle (dist/). */
  readonly workerPath?: string;
  /** Node flags for the worker process; default none (the parent's flags, e.g. --inspect, are not inherited). */
  readonly workerExecArgv?: readonly string[];
  /** Shown next to answers; default "Local · <file name>". */
  readonly label?: string;
}

export type LocalLoadPhase = 'starting' | 'loading' | 'ready' | 'failed' | 'stopped';

export interface LocalLoadProgress {
  readonly modelPath: string;
  /**
   * starting: the worker process starts; loading: weights are read (progress 0..1); ready: loaded.
   * failed / stopped: the start or load ended without a model (an error, a crash, a stop), so a
   * "loading" indicator must go away.
   */
  readonly phase: LocalLoadPhase;
  readonly progress: number;
  /** Set when ready: context size, threads, GPU, load time (0 when it was already loaded). */
  readonly info?: LoadedModelInfo;
}

/** What identifies the model to load, from the provider's options. */
export function modelSettings(options: LocalProviderOptions, modelPath: string): ModelSettings {
  return {
    modelPath,
    threads: Math.max(0, Math.floor(options.threads ?? 0)),
    gpuLayers: options.gpuLayers ?? LOCAL_DEFAULTS.gpuLayers,
    contextSizeCap: Math.max(
      LOCAL_DEFAULTS.minContextSizeCap,
      Math.floor(options.contextSizeCap ?? LOCAL_DEFAULTS.contextSizeCap),
    ),
    speculative: options.speculative ?? LOCAL_DEFAULTS.speculative,
    draftModelPath: options.draftModelPath?.trim() || undefined,
  };
}

/** The sampling of one request (or of every sample of a batch), from the provider's options. */
export function samplingSettings(options: LocalProviderOptions, maxTokens: number | undefined): SamplingSettings {
  return {
    temperature: options.temperature ?? LOCAL_DEFAULTS.temperature,
    topP: options.topP ?? LOCAL_DEFAULTS.topP,
    topK: options.topK ?? LOCAL_DEFAULTS.topK,
    seed: options.seed,
    thinkingBudget: Math.max(0, Math.floor(options.thinkingBudget ?? 0)),
    maxTokens,
  };
}

/** Ends a run of load-progress events that produced no model. */
export function endLoad(options: LocalProviderOptions, modelPath: string, phase: 'failed' | 'stopped'): void {
  options.onLoadProgress?.({ modelPath, phase, progress: 0 });
}
