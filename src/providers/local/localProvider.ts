/**
 * Local GGUF models through node-llama-cpp, with no server to install. The model runs in a worker
 * child process (dist/localWorker.js): a llama.cpp abort or a 7B model's memory never takes the
 * extension host down. If the worker dies, the stream ends with an error that says why, what arrived
 * stays, and the next request starts a fresh worker.
 *
 * Raw model text from the worker goes through the one ThinkSplitter, so local thoughts reach the
 * panel exactly like cloud ones (localSampleStream.ts). The options and the settings derived from
 * them are localProviderOptions.ts; the worker process itself is workerHandle.ts; the errors a local
 * request ends with are localErrors.ts.
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StreamChunk } from '../../core/chunks';
import type { R1Error } from '../../core/errors';
import type { ChatProvider, ChatRequest, ContextRequest } from '../../core/provider';
import { localContextBudget } from '../../core/context/defaults';
import type { ContextBuildResult } from '../../core/context/types';
import { LOCAL_DEFAULTS } from './localDefaults';
import {
  crashError,
  fromWorkerError,
  lengthError,
  noModelSelectedError,
  workerMissingError,
  workerStartError,
} from './localErrors';
import { endLoad, modelSettings, samplingSettings, type LocalProviderOptions } from './localProviderOptions';
import { followSample, type ActiveRequest, type RequestEvent, type StartedRequests } from './localSampleStream';
import { EventQueue, forkWorker, WorkerHandle } from './workerHandle';
import { buildContextInWorker } from './workerContextBuild';
import type { GgufInspection } from './workerProtocol';

export type InspectResult = { readonly inspection: GgufInspection } | { readonly error: R1Error };

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
  private startRequests(requests: readonly ChatRequest[]): StartedRequests {
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
    const model = modelSettings(options, modelPath);
    const sampling = samplingSettings(options, requests[0]!.maxTokens);
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
  private follow(start: () => StartedRequests, request: ChatRequest, index: number): AsyncIterable<StreamChunk> {
    return followSample(start, request, index, {
      options: () => this.options,
      onLoaded: (info) => {
        this.loadedContextSize = info.contextSize;
      },
      onWorkerExit: (worker) => {
        if (this.worker === worker) this.worker = undefined;
      },
      onEnded: (active) => {
        this.active.delete(active);
        this.armIdleTimer();
      },
    });
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
