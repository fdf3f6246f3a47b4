/**
 * Local GGUF models through node-llama-cpp, with no server to install. The model runs in a worker
 * child process (dist/localWorker.js): a llama.cpp abort or a 7B model's memory never takes the
 * extension host down. If the worker dies, the stream ends with an error that says why, what arrived
 * stays, and the next request starts a fresh worker.
 *
 * Raw model text from the worker goes through the one ThinkSplitter, so local thoughts reach the
 * panel exactly like cloud ones.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FinishReason, StreamChunk } from '../../core/chunks';
import type { R1Error, R1ErrorAction } from '../../core/errors';
import type { ChatProvider, ChatRequest } from '../../core/provider';
import { ThinkSplitter } from '../../core/thinkSplitter';
import {
  isWorkerMessage,
  type GgufInspection,
  type HostToWorker,
  type LoadedModelInfo,
  type WorkerError,
  type WorkerToHost,
} from './workerProtocol';

export interface LocalProviderOptions {
  /** The GGUF file to run (r1Coder.local.modelPath). */
  readonly modelPath: string;
  /** CPU threads; 0 or unset = the physical core count (r1Coder.local.threads). */
  readonly threads?: number;
  /** Layers to offload to the GPU: 'auto' fits what GPU memory allows, 0 = CPU only. */
  readonly gpuLayers?: 'auto' | number;
  /** Upper bound on the context size in tokens; the size itself is chosen to fit memory. Default 8192. */
  readonly contextSizeCap?: number;
  /** Stop the worker (freeing the model's memory) after this many idle minutes; 0 = never. Default 10. */
  readonly idleMinutes?: number;
  /** Most thought tokens before the model must answer; 0 or unset = no explicit budget. */
  readonly thinkingBudget?: number;
  /** R1's guidance: 0.6 and 0.95. */
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed?: number;
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

export const LOCAL_DEFAULTS = {
  gpuLayers: 'auto',
  contextSizeCap: 8192,
  idleMinutes: 10,
  temperature: 0.6,
  topP: 0.95,
  // Not in R1's guidance, but llama.cpp's default: it keeps top-p from sorting all 152k logits.
  topK: 40,
} as const;

type WorkerEvent =
  WorkerToHost | { readonly type: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null };

/** One worker process and what it printed recently (for crash messages). */
class WorkerHandle {
  readonly output: string[] = [];
  exited = false;
  stopping = false;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor(
    readonly child: ChildProcess,
    readonly cpuOnly: boolean,
    private readonly onLog: ((line: string) => void) | undefined,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (data: string) => {
        pending += data;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.record(line);
      });
      stream?.on('end', () => {
        if (pending) this.record(pending);
        pending = '';
      });
    }
    child.on('message', (message) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'log') this.record(message.message);
      this.emit(message);
    });
    child.on('error', (error) => this.record(`worker process error: ${error.message}`));
    child.on('exit', (code, signal) => {
      this.exited = true;
      // Let the pipes drain so the crash message can quote llama.cpp's last words.
      setTimeout(() => this.emit({ type: 'exit', code, signal }), 50);
    });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  send(message: HostToWorker): boolean {
    if (this.exited || !this.child.connected) return false;
    try {
      this.child.send(message);
      return true;
    } catch {
      return false;
    }
  }

  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the worker to exit, and kills it if it does not. */
  stop(): void {
    if (this.exited || this.stopping) return;
    this.stopping = true;
    if (!this.send({ type: 'exit' })) this.child.kill('SIGKILL');
    setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, 3000).unref();
  }

  private record(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed) return;
    this.output.push(trimmed);
    if (this.output.length > 60) this.output.shift();
    this.onLog?.(trimmed);
  }

  private emit(event: WorkerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** A tiny async queue: the IPC listener pushes, the stream generator awaits. */
class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T) => void) | undefined;

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

type RequestEvent = WorkerEvent | { readonly type: 'aborted' };

interface ActiveRequest {
  readonly id: number;
  readonly events: EventQueue<RequestEvent>;
}

export class LocalProvider implements ChatProvider {
  private options: LocalProviderOptions;
  private worker: WorkerHandle | undefined;
  private active: ActiveRequest | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(options: LocalProviderOptions) {
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? `Local · ${basename(this.options.modelPath).replace(/\.gguf$/i, '') || 'no model'}`;
  }

  /**
   * Why a local answer that ended with "length" stopped: the context ran out (a request without
   * maxTokens has no other limit), so Retry alone would hit the same wall.
   */
  get lengthError(): R1Error {
    return error(
      'contextFull',
      'The answer reached the end of the local model’s context and is incomplete. Start a New Chat to free the context, raise r1Coder.local.contextSize, or lower r1Coder.local.thinkingBudget so the thought leaves more room for the answer.',
    );
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

  async *stream(request: ChatRequest): AsyncIterable<StreamChunk> {
    const options = this.options;
    const modelPath = options.modelPath.trim();
    if (!modelPath) {
      yield {
        type: 'error',
        error: error(
          'modelFile',
          'No local model is selected. Choose a GGUF file (e.g. DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf) with "R1: Select Local Model" or set r1Coder.local.modelPath.',
        ),
      };
      return;
    }
    if (request.signal.aborted) {
      yield { type: 'finish', reason: 'aborted' };
      return;
    }
    this.cancelActive();
    this.clearIdleTimer();
    const started = this.ensureWorker();
    if ('error' in started) {
      if (started.announced) endLoad(options, modelPath, 'failed');
      yield { type: 'error', error: started.error };
      return;
    }
    if (request.signal.aborted) {
      // Stopped from onLoadProgress('starting'): the abort listener below would never fire for it,
      // and the request would load the model and answer anyway.
      this.armIdleTimer();
      if (started.announced) endLoad(options, modelPath, 'stopped');
      yield { type: 'finish', reason: 'aborted' };
      return;
    }
    const worker = started.worker;
    const id = this.nextId++;
    const events = new EventQueue<RequestEvent>();
    const active: ActiveRequest = { id, events };
    this.active = active;
    const unsubscribe = worker.subscribe((event) => {
      if (event.type === 'exit' || ('id' in event && event.id === id)) events.push(event);
    });
    const onAbort = () => events.push({ type: 'aborted' });
    request.signal.addEventListener('abort', onAbort, { once: true });

    let splitter = new ThinkSplitter('auto');
    let modelLoaded = false;
    let ended = false;
    // Whether a "starting"/"loading" went out with no "ready" after it: the request must end it.
    let loadShown = started.announced;
    let outcome: 'failed' | 'stopped' = 'stopped';
    try {
      worker.send({
        type: 'generate',
        id,
        model: {
          modelPath,
          threads: Math.max(0, Math.floor(options.threads ?? 0)),
          gpuLayers: options.gpuLayers ?? LOCAL_DEFAULTS.gpuLayers,
          contextSizeCap: Math.max(512, Math.floor(options.contextSizeCap ?? LOCAL_DEFAULTS.contextSizeCap)),
        },
        sampling: {
          temperature: options.temperature ?? LOCAL_DEFAULTS.temperature,
          topP: options.topP ?? LOCAL_DEFAULTS.topP,
          topK: options.topK ?? LOCAL_DEFAULTS.topK,
          seed: options.seed,
          thinkingBudget: Math.max(0, Math.floor(options.thinkingBudget ?? 0)),
          maxTokens: request.maxTokens,
        },
        messages: request.messages,
      });
      for (;;) {
        const event = await events.next();
        switch (event.type) {
          case 'loadProgress':
            loadShown = true;
            options.onLoadProgress?.({ modelPath: event.modelPath, phase: 'loading', progress: event.progress });
            break;
          case 'loaded':
            modelLoaded = true;
            loadShown = false;
            options.onLoadProgress?.({
              modelPath: event.info.modelPath,
              phase: 'ready',
              progress: 1,
              info: event.info,
            });
            break;
          case 'start':
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
              },
            };
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
            yield { type: 'error', error: crashError(worker, event, modelPath, modelLoaded) };
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
      unsubscribe();
      request.signal.removeEventListener('abort', onAbort);
      if (this.active === active) this.active = undefined;
      this.armIdleTimer();
      if (loadShown) endLoad(options, modelPath, outcome);
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
            resolve({ error: crashError(worker, event, modelPath, false) });
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
      if (!this.active) this.armIdleTimer();
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
      return {
        error: error(
          'unknown',
          `The local inference worker is missing (${workerPath}). Reinstall R1 Coder, or run "npm run build" in a development checkout.`,
        ),
        announced: false,
      };
    }
    this.options.onLoadProgress?.({ modelPath: this.options.modelPath, phase: 'starting', progress: 0 });
    let child: ChildProcess;
    try {
      child = fork(workerPath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: [...(this.options.workerExecArgv ?? [])],
        env: {
          ...process.env,
          // Inside VS Code, process.execPath is Electron: run it as plain Node.
          ELECTRON_RUN_AS_NODE: '1',
          // node-llama-cpp runs each decode and each sampling step as a libuv work item; with the
          // default pool of 4 threads consecutive steps hop between threads, which cost ~14% of
          // generation speed on 2 cores. One pool thread keeps llama.cpp on the same thread.
          UV_THREADPOOL_SIZE: '1',
        },
        serialization: 'json',
      });
    } catch (cause) {
      return {
        error: error('workerCrashed', `Could not start the local inference process (${String(cause)}).`),
        announced: true,
      };
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
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.events.push({ type: 'aborted' });
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    worker?.stop();
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    const minutes = this.options.idleMinutes ?? LOCAL_DEFAULTS.idleMinutes;
    if (minutes <= 0 || !this.worker || this.active) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.active) this.stopWorker();
    }, minutes * 60_000);
    // An idle timer must not keep a CLI process alive.
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** Ends a run of load-progress events that produced no model. */
function endLoad(options: LocalProviderOptions, modelPath: string, phase: 'failed' | 'stopped'): void {
  options.onLoadProgress?.({ modelPath, phase, progress: 0 });
}

const SELECT_MODEL: R1ErrorAction = { kind: 'selectLocalModel' };
const RETRY: R1ErrorAction = { kind: 'retry' };

function error(kind: R1Error['kind'], message: string): R1Error {
  const actions: R1ErrorAction[] =
    kind === 'modelFile'
      ? [SELECT_MODEL, { kind: 'openSettings', query: 'r1Coder.local.modelPath' }]
      : kind === 'memory'
        ? [SELECT_MODEL, { kind: 'openSettings', query: 'r1Coder.local' }]
        : kind === 'contextFull'
          ? // Retrying the same conversation cannot fit: a fresh one, or a larger context.
            [{ kind: 'newChat' }, { kind: 'openSettings', query: 'r1Coder.local.contextSize' }]
          : [RETRY];
  return { kind, transient: false, message, actions };
}

function fromWorkerError(workerError: WorkerError): R1Error {
  return error(workerError.kind, workerError.message);
}

/** Why the worker died, in words, quoting llama.cpp's last line when there is one. */
function crashError(
  worker: WorkerHandle,
  exit: Extract<WorkerEvent, { type: 'exit' }>,
  modelPath: string,
  modelLoaded: boolean,
): R1Error {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const last = [...worker.output].reverse().find((line) => /GGML_ASSERT|error|abort|terminate|exception/i.test(line));
  // "…/llama-vocab.cpp:2539: GGML_ASSERT(x) failed" reads better without the build machine's path.
  const quoted = last?.includes('GGML_ASSERT') ? last.slice(last.indexOf('GGML_ASSERT')) : last;
  const detail = quoted ? `: ${quoted.length > 300 ? `${quoted.slice(0, 300)}…` : quoted}` : '';
  if (!modelLoaded && exit.signal === 'SIGKILL') {
    return error(
      'memory',
      `The local model process was killed while loading "${modelPath}" (${how}), most likely because the system ran out of memory. Choose a smaller model or quantization, or close other programs.`,
    );
  }
  if (!modelLoaded) {
    return error(
      'modelFile',
      `llama.cpp aborted while loading "${modelPath}" (${how}${detail}). The file is damaged or not supported by this llama.cpp build; choose another GGUF file.`,
    );
  }
  return error(
    'workerCrashed',
    `The local model process stopped unexpectedly (${how}${detail}). What arrived is kept; the next request starts a fresh process.`,
  );
}
