/**
 * Local GGUF models through node-llama-cpp, with no server to install. The model runs in a worker
 * child process (dist/localWorker.js): a llama.cpp abort or a 7B model's memory never takes the
 * extension host down. If the worker dies, the stream ends with an error that says why, what arrived
 * stays, and the next request starts a fresh worker.
 *
 * Raw model text from the worker goes through the one ThinkSplitter, so local thoughts reach the
 * panel exactly like cloud ones. The worker process itself is workerHandle.ts; the errors a local
 * request ends with are localErrors.ts.
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FinishReason, SpeculativeUsage, StreamChunk } from '../../core/chunks';
import type { R1Error } from '../../core/errors';
import type { ChatProvider, ChatRequest, ContextRequest } from '../../core/provider';
import { localContextBudget } from '../../core/context/defaults';
import type { ContextBuildResult } from '../../core/context/types';
import { ThinkSplitter } from '../../core/thinkSplitter';
import { LOCAL_DEFAULTS } from './localDefaults';
import {
  crashError,
  fromWorkerError,
  lengthError,
  noModelSelectedError,
  workerMissingError,
  workerStartError,
} from './localErrors';
import { EventQueue, forkWorker, WorkerHandle, type WorkerEvent } from './workerHandle';
import { buildContextInWorker } from './workerContextBuild';
import type { GgufInspection, LoadedModelInfo, ModelSettings } from './workerProtocol';

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

export type InspectResult = { readonly inspection: GgufInspection } | { readonly error: R1Error };

type RequestEvent = WorkerEvent | { readonly type: 'aborted' };

interface ActiveRequest {
  readonly id: number;
  readonly events: EventQueue<RequestEvent>;
  /** Stops listening to the worker and to the request's signal. */
  readonly release: () => void;
}

export class LocalProvider implements ChatProvider {
  private options: LocalProviderOptions;
  private worker: WorkerHandle | undefined;
  /** The requests streaming now: one, or the samples of one batch. */
  private readonly active = new Set<ActiveRequest>();
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** The context size of the model last loaded (the preview budget's base once known). */
  private loadedContextSize: number | undefined;

  constructor(options: LocalProviderOptions) {
    this.options = options;
  }

  /** Answer now: the worker can close a thought and continue the same reply. */
  readonly canEndThought = true;

  get label(): string {
    return this.options.label ?? `Local · ${basename(this.options.modelPath).replace(/\.gguf$/i, '') || 'no model'}`;
  }

  /**
   * Why a local answer that ended with "length" stopped: the context ran out (a request without
   * maxTokens has no other limit), so Retry alone would hit the same wall.
   */
  get lengthError(): R1Error {
    return lengthError();
  }

  /** The worker's process id while one runs (diagnostics and tests). */
  get workerPid(): number | undefined {
    return this.worker?.pid;
  }

  /**
   * New settings, applied from the next request on; the warm model is kept when they do not
   * affect it. Keep one LocalProvider for the session and call this when settings change.
   */
  configure(options: LocalProviderOptions): void {
    const previous = this.options;
    this.options = options;
    const cpuOnly = (options.gpuLayers ?? LOCAL_DEFAULTS.gpuLayers) === 0;
    // getLlama() runs once per worker and fixes GPU use, so switching CPU-only on or off needs a new one.
    if (this.worker && (this.worker.cpuOnly !== cpuOnly || previous.workerPath !== options.workerPath)) {
      this.cancelActive();
      this.stopWorker();
    }
    if (this.idleTimer) this.armIdleTimer();
  }

  stream(request: ChatRequest): AsyncIterable<StreamChunk> {
    return this.streamSamples([request])[0]!;
  }

  /**
   * Samples of one prompt (Fix ×N), generated together: the worker runs them as sequences of one
   * context, so llama.cpp evaluates them in the same batches. One stream per request, in order;
   * each request's signal stops its own sample. With `seed` set, sample i uses seed + i (the same
   * seed would make every sample the same). The messages of the first request are the prompt.
   */
  streamSamples(requests: readonly ChatRequest[]): AsyncIterable<StreamChunk>[] {
    let started: ReturnType<LocalProvider['startRequests']> | undefined;
    const start = () => (started ??= this.startRequests(requests));
    return requests.map((request, index) => this.follow(start, request, index));
  }

  /**
   * Starts the worker if needed and sends the request(s); every sample's events queue up from here
   * on, whichever of the streams is read first. Undefined when nothing was sent (an error or a stop
   * that each stream reports itself).
   */
  private startRequests(requests: readonly ChatRequest[]):
    | {
        readonly kind: 'sent';
        readonly worker: WorkerHandle;
        readonly active: readonly ActiveRequest[];
        readonly announced: boolean;
      }
    | { readonly kind: 'error'; readonly error: R1Error }
    | { readonly kind: 'stopped' } {
    const options = this.options;
    const modelPath = options.modelPath.trim();
    if (!modelPath) return { kind: 'error', error: noModelSelectedError() };
    if (requests.every((request) => request.signal.aborted)) return { kind: 'stopped' };
    this.cancelActive();
    this.clearIdleTimer();
    const started = this.ensureWorker();
    if ('error' in started) {
      if (started.announced) endLoad(options, modelPath, 'failed');
      return { kind: 'error', error: started.error };
    }
    if (requests.every((request) => request.signal.aborted)) {
      // Stopped from onLoadProgress('starting'): the abort listener would never fire for it,
      // and the request would load the model and answer anyway.
      this.armIdleTimer();
      if (started.announced) endLoad(options, modelPath, 'stopped');
      return { kind: 'stopped' };
    }
    const worker = started.worker;
    const active = requests.map((request): ActiveRequest => {
      const id = this.nextId++;
      const events = new EventQueue<RequestEvent>();
      const unsubscribe = worker.subscribe((event) => {
        if (event.type === 'exit' || ('id' in event && event.id === id)) events.push(event);
      });
      const onAbort = () => events.push({ type: 'aborted' });
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      // Answer now: the worker closes the thought and continues the same reply (one generation only).
      const onEndThought = () => worker.send({ type: 'endThought', id });
      if (requests.length === 1) request.endThought?.addEventListener('abort', onEndThought, { once: true });
      const entry: ActiveRequest = {
        id,
        events,
        release: () => {
          unsubscribe();
          request.signal.removeEventListener('abort', onAbort);
          request.endThought?.removeEventListener('abort', onEndThought);
        },
      };
      this.active.add(entry);
      return entry;
    });
    const model = {
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
    const sampling = {
      temperature: options.temperature ?? LOCAL_DEFAULTS.temperature,
      topP: options.topP ?? LOCAL_DEFAULTS.topP,
      topK: options.topK ?? LOCAL_DEFAULTS.topK,
      seed: options.seed,
      thinkingBudget: Math.max(0, Math.floor(options.thinkingBudget ?? 0)),
      maxTokens: requests[0]!.maxTokens,
    };
    if (active.length === 1) {
      worker.send({ type: 'generate', id: active[0]!.id, model, sampling, messages: requests[0]!.messages });
      if (requests[0]!.endThought?.aborted) worker.send({ type: 'endThought', id: active[0]!.id });
    } else {
      worker.send({
        type: 'generateBatch',
        model,
        sampling,
        samples: active.map(({ id }, index) => ({
          id,
          seed: options.seed === undefined ? undefined : options.seed + index,
        })),
        messages: requests[0]!.messages,
      });
    }
    return { kind: 'sent', worker, active, announced: started.announced };
  }

  /** One request's stream of chunks; the first sample's stream also reports the model load. */
  private async *follow(
    start: () => ReturnType<LocalProvider['startRequests']>,
    request: ChatRequest,
    index: number,
  ): AsyncIterable<StreamChunk> {
    const options = this.options;
    const modelPath = options.modelPath.trim();
    const started = start();
    if (started.kind === 'error') {
      yield { type: 'error', error: started.error };
      return;
    }
    if (started.kind === 'stopped' || (request.signal.aborted && !started)) {
      yield { type: 'finish', reason: 'aborted' };
      return;
    }
    const { worker } = started;
    const active = started.active[index]!;
    const { id, events } = active;
    const ownsLoad = index === 0;
    let splitter = new ThinkSplitter('auto');
    let modelLoaded = false;
    let ended = false;
    // Whether a "starting"/"loading" went out with no "ready" after it: the request must end it.
    let loadShown = ownsLoad && started.announced;
    let outcome: 'failed' | 'stopped' = 'stopped';
    try {
      for (;;) {
        const event = await events.next();
        switch (event.type) {
          case 'loadProgress':
            loadShown = true;
            options.onLoadProgress?.({ modelPath: event.modelPath, phase: 'loading', progress: event.progress });
            break;
          case 'loaded':
            modelLoaded = true;
            this.loadedContextSize = event.info.contextSize;
            loadShown = false;
            options.onLoadProgress?.({
              modelPath: event.info.modelPath,
              phase: 'ready',
              progress: 1,
              info: event.info,
            });
            break;
          case 'start':
            modelLoaded = true;
            splitter = new ThinkSplitter(event.thinkingForced ? 'reasoning' : 'auto');
            break;
          case 'text':
            yield* splitter.push(event.text);
            break;
          case 'done':
            ended = true;
            yield* splitter.end();
            yield {
              type: 'usage',
              usage: {
                promptTokens: event.usage.promptTokens,
                completionTokens: event.usage.completionTokens,
                reasoningTokens: event.usage.reasoningTokens,
                cachedPromptTokens: Math.max(0, event.usage.promptTokens - event.usage.evaluatedPromptTokens),
                ...(event.usage.speculative && { speculative: event.usage.speculative }),
              },
            };
            if (event.usage.speculative) options.onSpeculation?.(event.usage.speculative);
            yield { type: 'finish', reason: event.reason satisfies FinishReason };
            return;
          case 'failed':
            ended = true;
            outcome = 'failed';
            yield* splitter.end();
            yield { type: 'error', error: fromWorkerError(event.error) };
            return;
          case 'exit':
            ended = true;
            outcome = 'failed';
            if (this.worker === worker) this.worker = undefined;
            yield* splitter.end();
            yield { type: 'error', error: crashError(worker.output, event, modelPath, modelLoaded) };
            return;
          case 'aborted':
            ended = true;
            worker.send({ type: 'abort', id });
            yield* splitter.end();
            yield { type: 'finish', reason: 'aborted' };
            return;
          default:
            break; // ready, log, inspected: not for this request
        }
      }
    } finally {
      // Also reached when the consumer stops iterating early: the worker must stop generating too.
      if (!ended) worker.send({ type: 'abort', id });
      active.release();
      this.active.delete(active);
      this.armIdleTimer();
      if (loadShown) endLoad(options, modelPath, outcome);
    }
  }

  /**
   * The preview budget of one question (the chips' estimate): the share of the window for the
   * prompt, from the loaded context size once known, else the configured cap.
   */
  contextBudget(): number {
    const cap = Math.max(
      LOCAL_DEFAULTS.minContextSizeCap,
      Math.floor(this.options.contextSizeCap ?? LOCAL_DEFAULTS.contextSizeCap),
    );
    return localContextBudget(Math.min(cap, this.loadedContextSize ?? cap));
  }

  /**
   * Builds the question's message in the worker, which holds the model: counted with the model's
   * own tokenizer, within its real context size less the earlier turns and room for the thought and
   * the answer. Loads the model when needed (the load shows like a request's). Rejects when the
   * model cannot be loaded; the caller then falls back to the estimate and the stream says why.
   */
  async buildContext(request: ContextRequest, signal?: AbortSignal): Promise<ContextBuildResult> {
    const options = this.options;
    const modelPath = options.modelPath.trim();
    if (!modelPath) throw new Error(noModelSelectedError().message);
    this.clearIdleTimer();
    const started = this.ensureWorker();
    if ('error' in started) {
      if (started.announced) endLoad(options, modelPath, 'failed');
      throw new Error(started.error.message);
    }
    const worker = started.worker;
    let loadShown = started.announced;
    try {
      return await buildContextInWorker(
        worker,
        this.nextId++,
        modelSettings(options, modelPath),
        request,
        {
          onLoadProgress: (progress) => {
            loadShown = true;
            options.onLoadProgress?.({ modelPath, phase: 'loading', progress });
          },
          onLoaded: (info) => {
            loadShown = false;
            this.loadedContextSize = info.contextSize;
            options.onLoadProgress?.({ modelPath: info.modelPath, phase: 'ready', progress: 1, info });
          },
          onExit: () => {
            if (this.worker === worker) this.worker = undefined;
          },
        },
        signal,
      );
    } finally {
      if (!this.active) this.armIdleTimer();
      if (loadShown) endLoad(options, modelPath, 'failed');
    }
  }

  /** Describes a GGUF file (size, quantization, parameters, whether it fits) without loading it. */
  async inspect(modelPath: string): Promise<InspectResult> {
    this.clearIdleTimer();
    const started = this.ensureWorker();
    if ('error' in started) {
      if (started.announced) endLoad(this.options, modelPath, 'failed');
      return { error: started.error };
    }
    const worker = started.worker;
    const id = this.nextId++;
    try {
      return await new Promise<InspectResult>((resolve) => {
        const unsubscribe = worker.subscribe((event) => {
          if (event.type === 'exit') {
            if (this.worker === worker) this.worker = undefined;
            resolve({ error: crashError(worker.output, event, modelPath, false) });
          } else if (event.type === 'inspected' && event.id === id) {
            resolve({ inspection: event.result });
          } else if (event.type === 'failed' && event.id === id) {
            resolve({ error: fromWorkerError(event.error) });
          } else {
            return;
          }
          unsubscribe();
        });
        worker.send({ type: 'inspect', id, modelPath });
      });
    } finally {
      if (this.active.size === 0) this.armIdleTimer();
      // Inspecting loads no model, so a worker it started leaves nothing "starting".
      if (started.announced) endLoad(this.options, modelPath, 'stopped');
    }
  }

  /** Stops any generation and the worker (freeing the model); a later request starts a new one. */
  dispose(): void {
    this.cancelActive();
    this.clearIdleTimer();
    this.stopWorker();
  }

  /** `announced`: a "starting" progress event went out, which the caller must end. */
  private ensureWorker(): { worker: WorkerHandle; announced: boolean } | { error: R1Error; announced: boolean } {
    if (this.worker && !this.worker.exited && !this.worker.stopping) return { worker: this.worker, announced: false };
    const workerPath = this.options.workerPath ?? join(__dirname, 'localWorker.js');
    if (!existsSync(workerPath)) {
      return { error: workerMissingError(workerPath), announced: false };
    }
    this.options.onLoadProgress?.({ modelPath: this.options.modelPath, phase: 'starting', progress: 0 });
    let child: ChildProcess;
    try {
      child = forkWorker(workerPath, this.options.workerExecArgv ?? []);
    } catch (cause) {
      return { error: workerStartError(cause), announced: true };
    }
    const handle = new WorkerHandle(
      child,
      (this.options.gpuLayers ?? LOCAL_DEFAULTS.gpuLayers) === 0,
      this.options.onLog,
    );
    handle.subscribe((event) => {
      if (event.type === 'exit' && this.worker === handle) this.worker = undefined;
    });
    this.worker = handle;
    return { worker: handle, announced: true };
  }

  private cancelActive(): void {
    const active = [...this.active];
    this.active.clear();
    for (const request of active) request.events.push({ type: 'aborted' });
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    worker?.stop();
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    const minutes = this.options.idleMinutes ?? LOCAL_DEFAULTS.idleMinutes;
    if (minutes <= 0 || !this.worker || this.active.size > 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.active.size === 0) this.stopWorker();
    }, minutes * 60_000);
    // An idle timer must not keep a CLI process alive.
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** What identifies the model to load, from the provider's options. */
function modelSettings(options: LocalProviderOptions, modelPath: string): ModelSettings {
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

/** Ends a run of load-progress events that produced no model. */
function endLoad(options: LocalProviderOptions, modelPath: string, phase: 'failed' | 'stopped'): void {
  options.onLoadProgress?.({ modelPath, phase, progress: 0 });
}
