/**
 * The local inference worker: a child process (fork + IPC) that owns node-llama-cpp, so a llama.cpp
 * abort (GGML_ASSERT on a malformed file) or a 7B model's memory and CPU never touch the extension
 * host. Built to dist/localWorker.js; node-llama-cpp stays external and is imported on first use.
 *
 * One getLlama() per process, one model + context + sequence kept warm across requests. Requests
 * run one at a time; each streams raw model text back, and LocalProvider splits it with the shared
 * ThinkSplitter.
 */

import type {
  ChatHistoryItem,
  GgufFileInfo,
  Llama,
  LlamaChat,
  LlamaChatResponseChunk,
  LlamaContext,
  LlamaModel,
} from 'node-llama-cpp';
import type { ChatMessage, ContextRequest } from '../../core/provider';
import { buildContextMessage } from '../../core/context/buildContext';
import { localQuestionBudget } from '../../core/context/defaults';
import { physicalCoreCount } from './cpuCores';
import { checkFitsInMemory, checkNotTruncated, inspectModelFile, readModelFile } from './ggufInspect';
import { classifyLoadError, contextFullError, draftVocabularyError, toWorkerError } from './localErrors';
import { vocabularyMismatch, type VocabularyInfo } from './speculation';
import { draftModelPredictor, inputLookupPredictor, type SpeculativePredictor } from './speculativePredictor';
import {
  dropThoughtFromCache,
  forcedThoughtWrapper,
  renderPrompt,
  sameSettings,
  samplingOptions,
  type Loaded,
} from './workerChat';
import {
  isHostMessage,
  type HostToWorker,
  type ModelSettings,
  type WorkerFinishReason,
  type SamplingSettings,
  type WorkerToHost,
  type WorkerUsage,
} from './workerProtocol';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type GenerateRequest = Extract<HostToWorker, { type: 'generate' }>;
type BatchRequest = Extract<HostToWorker, { type: 'generateBatch' }>;

const NO_USAGE: WorkerUsage = { promptTokens: 0, evaluatedPromptTokens: 0, completionTokens: 0, reasoningTokens: 0 };

const send = (message: WorkerToHost) => process.send?.(message);

/**
 * Everything the worker holds between messages: the native library, the warm model, the request
 * queue. One instance per process (see the end of this file).
 */
class InferenceWorker {
  private libPromise: Promise<NodeLlamaCpp> | undefined;
  private llamaPromise: Promise<Llama> | undefined;
  private loaded: Loaded | undefined;
  /** Requests run strictly one after another. */
  private queue: Promise<void> = Promise.resolve();
  private readonly requests = new Map<
    number,
    {
      readonly controller: AbortController;
      readonly model: ModelSettings;
      /** Answer now (single generations only). */
      readonly endThought?: AbortController;
    }
  >();
  /** The model load in progress, abandoned once no request that is still wanted needs it. */
  private loading: { readonly settings: ModelSettings; readonly controller: AbortController } | undefined;
  /** Raw answers this worker generated, by their trimmed text: follow-ups send answers back trimmed,
   * and re-rendering the exact raw text keeps the KV cache valid. */
  private readonly rawAnswers = new Map<string, string>();

  private lib(): Promise<NodeLlamaCpp> {
    // Lazy: the native library loads only when a local model is first used.
    this.libPromise ??= import('node-llama-cpp');
    return this.libPromise;
  }

  private async getLlamaOnce(settings: ModelSettings): Promise<Llama> {
    this.llamaPromise ??= this.lib().then((nlc) =>
      nlc.getLlama({
        // gpuLayers 0 means CPU only: skip probing GPU backends (and their drivers) entirely.
        gpu: settings.gpuLayers === 0 ? false : 'auto',
        // No global cap: each context uses exactly the threads it asks for.
        maxThreads: 0,
        logLevel: nlc.LlamaLogLevel.warn,
        logger: (level, message) => send({ type: 'log', level: String(level), message: message.trimEnd() }),
      }),
    );
    return this.llamaPromise;
  }

  /** The warm model for these settings, loading it (and unloading another) when needed. */
  private async ensureLoaded(settings: ModelSettings, requestId: number): Promise<{ current: Loaded; fresh: boolean }> {
    if (this.loaded && sameSettings(this.loaded.settings, settings)) return { current: this.loaded, fresh: false };
    return { current: await this.load(settings, requestId), fresh: true };
  }

  /**
   * A stop during a load stops the load (llama.cpp checks between tensors): otherwise the worker stays
   * busy for seconds and then holds a model nobody asked to keep, and the next request for another
   * model waits for it. A newer request for the same model keeps it loading.
   */
  private abandonUnwantedLoad(): void {
    const current = this.loading;
    if (!current) return;
    for (const request of this.requests.values()) {
      if (!request.controller.signal.aborted && sameSettings(request.model, current.settings)) return;
    }
    current.controller.abort();
  }

  private async load(settings: ModelSettings, requestId: number): Promise<Loaded> {
    const controller = new AbortController();
    this.loading = { settings, controller };
    try {
      return await this.loadModel(settings, requestId, controller.signal);
    } finally {
      this.loading = undefined;
    }
  }

  private async loadModel(settings: ModelSettings, requestId: number, signal: AbortSignal): Promise<Loaded> {
    await this.unload();
    const started = Date.now();
    const nlc = await this.lib();
    const { info, sizeBytes } = await readModelFile(nlc, settings.modelPath);
    const llama = await this.getLlamaOnce(settings);
    // A file that claims more than this machine has is refused before llama.cpp maps it.
    await checkFitsInMemory(nlc, settings.modelPath, info, llama);
    checkNotTruncated(settings.modelPath, info, sizeBytes);
    // A draft model is checked before either model loads: a wrong file costs nothing.
    const draftPath = settings.speculative ? settings.draftModelPath?.trim() : undefined;
    if (draftPath) {
      const draftFile = await readModelFile(nlc, draftPath);
      checkNotTruncated(draftPath, draftFile.info, draftFile.sizeBytes);
      const mismatch = vocabularyMismatch(vocabularyOf(info), vocabularyOf(draftFile.info));
      if (mismatch) throw draftVocabularyError(draftPath, settings.modelPath, mismatch);
    }

    let lastSent = -1;
    const progress = (value: number) => {
      if (value - lastSent < 0.01 && value < 1) return;
      lastSent = value;
      send({ type: 'loadProgress', id: requestId, modelPath: settings.modelPath, progress: value });
    };
    progress(0);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: settings.modelPath,
        gpuLayers: settings.gpuLayers === 'auto' ? 'auto' : settings.gpuLayers,
        onLoadProgress: progress,
        loadSignal: signal,
      });
    } catch (error) {
      throw classifyLoadError(settings.modelPath, error);
    }
    const threads = settings.threads > 0 ? settings.threads : physicalCoreCount();
    let context: LlamaContext;
    try {
      context = await model.createContext({
        contextSize: { min: Math.min(2048, settings.contextSizeCap), max: settings.contextSizeCap },
        threads,
        // llama.cpp enables it where the model and backend support it (CPU included): +17% prompt
        // speed on the 1.5B shape, as llama-bench's default does.
        flashAttention: 'auto',
        createSignal: signal,
      });
    } catch (error) {
      await model.dispose();
      throw classifyLoadError(settings.modelPath, error);
    }
    let speculation: SpeculativePredictor | undefined;
    let draft: Loaded['draft'];
    if (draftPath) {
      try {
        draft = await this.loadDraft(llama, draftPath, threads, context.contextSize, signal);
      } catch (error) {
        await context.dispose();
        await model.dispose();
        throw error;
      }
      speculation = draftModelPredictor(nlc, draft.context.getSequence());
    } else if (settings.speculative) {
      speculation = inputLookupPredictor(nlc);
    }
    const sequence = context.getSequence(speculation ? { tokenPredictor: speculation.predictor } : {});
    const probe = new nlc.LlamaChat({ contextSequence: sequence });
    let chat = probe;
    let thinkingForced = false;
    let thought: Loaded['thought'];
    if (probe.chatWrapper instanceof nlc.DeepSeekChatWrapper) {
      // R1: the reply must open with "<think>\n". Making the wrapper open the thought segment itself
      // (instead of a prefilled history item) keeps node-llama-cpp's thought budget working.
      const wrapper = forcedThoughtWrapper(nlc);
      if (wrapper) {
        probe.dispose({ disposeSequence: false });
        chat = new nlc.LlamaChat({ contextSequence: sequence, chatWrapper: wrapper.wrapper });
        thinkingForced = true;
        thought = { open: wrapper.open.tokenize(model.tokenizer), close: wrapper.close.tokenize(model.tokenizer) };
      }
    }
    this.loaded = {
      settings,
      model,
      context,
      sequence,
      chat,
      thinkingForced,
      thought,
      info: {
        modelPath: settings.modelPath,
        contextSize: context.contextSize,
        threads,
        gpu: llama.gpu,
        gpuLayers: model.gpuLayers,
        loadMs: Date.now() - started,
        chatWrapper: chat.chatWrapper.wrapperName,
        speculation: speculation && { kind: speculation.kind, draftModelPath: draftPath || undefined },
      },
      speculation,
      draft,
    };
    this.rawAnswers.clear();
    progress(1);
    return this.loaded;
  }

  private async unload(): Promise<void> {
    const current = this.loaded;
    this.loaded = undefined;
    this.rawAnswers.clear();
    if (!current) return;
    current.chat.dispose();
    await current.context.dispose();
    await current.model.dispose();
    await current.draft?.context.dispose();
    await current.draft?.model.dispose();
  }

  /** The draft model on the CPU threads and context size of the main one. */
  private async loadDraft(
    llama: Llama,
    path: string,
    threads: number,
    contextSize: number,
    signal: AbortSignal,
  ): Promise<NonNullable<Loaded['draft']>> {
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: 'auto', loadSignal: signal });
    } catch (error) {
      throw classifyLoadError(path, error);
    }
    try {
      const context = await model.createContext({ contextSize, threads, flashAttention: 'auto', createSignal: signal });
      return { model, context };
    } catch (error) {
      await model.dispose();
      throw classifyLoadError(path, error);
    }
  }

  private toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
    const history: ChatHistoryItem[] = messages.map((message) =>
      message.role === 'user'
        ? { type: 'user', text: message.content }
        : { type: 'model', response: [this.rawAnswers.get(message.content.trim()) ?? message.content] },
    );
    // R1: no system prompt; the empty model item is the reply to generate.
    history.push({ type: 'model', response: [] });
    return history;
  }

  private async generate(request: GenerateRequest, signal: AbortSignal, endThought: AbortSignal): Promise<void> {
    const { id, sampling } = request;
    const stopped = (): void => {
      send({
        type: 'done',
        id,
        reason: 'aborted',
        usage: NO_USAGE,
      });
    };
    // Stopped while it waited behind another request: load nothing for it.
    if (signal.aborted) return stopped();
    let ensured: { current: Loaded; fresh: boolean };
    try {
      ensured = await this.ensureLoaded(request.model, id);
    } catch (error) {
      if (!signal.aborted) throw error;
      return stopped(); // the load was abandoned for this stop
    }
    const { current, fresh } = ensured;
    send({ type: 'loaded', id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
    if (signal.aborted) return stopped();
    const { chat, sequence } = current;
    const history = this.toHistory(request.messages);
    // The prompt as LlamaChat will evaluate it; the part already in the KV cache is not evaluated again.
    const prompt = renderPrompt(current, history);
    const cached = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, Math.max(0, prompt.length - 1));
    const roomLeft = current.context.contextSize - prompt.length;
    if (roomLeft <= 0) {
      // Generating anyway would make node-llama-cpp shift the conversation out of the context.
      throw contextFullError(prompt.length, current.context.contextSize);
    }
    current.speculation?.begin(sequence, prompt);
    send({ type: 'start', id, thinkingForced: current.thinkingForced });
    const generated = await generateOn(
      chat,
      history,
      id,
      current.thinkingForced,
      sampling,
      roomLeft,
      signal,
      endThought,
    );
    if (generated.reason !== 'aborted' && generated.answer.trim()) {
      this.rawAnswers.set(generated.answer.trim(), generated.answer);
      if (this.rawAnswers.size > 32) this.rawAnswers.delete(this.rawAnswers.keys().next().value!);
      await dropThoughtFromCache(current, prompt.length);
    }
    send({
      type: 'done',
      id,
      reason: generated.reason,
      usage: {
        promptTokens: prompt.length,
        evaluatedPromptTokens: prompt.length - cached,
        completionTokens: generated.completionTokens,
        reasoningTokens: generated.reasoningTokens,
        speculative: current.speculation?.stats(),
      },
    });
  }

  /**
   * A question's message, fitted to this model: counted with its own tokenizer, within the window's
   * share for the prompt less what the earlier turns take (rendered by the chat template, as sent).
   */
  private async buildContext(id: number, model: ModelSettings, request: ContextRequest): Promise<void> {
    const { current, fresh } = await this.ensureLoaded(model, id);
    send({ type: 'loaded', id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
    const history = this.toHistory([...request.history, { role: 'user', content: '' }]);
    const historyTokens = renderPrompt(current, history).length;
    const budgetTokens = localQuestionBudget(current.context.contextSize, historyTokens);
    const countTokens = (text: string) => current.model.tokenize(text).length;
    const { history: _history, ...input } = request;
    const result = buildContextMessage({ ...input, budgetTokens, countTokens });
    send({ type: 'contextBuilt', id, result, budgetTokens });
  }

  /**
   * Fix ×N: N samples of one prompt as N sequences of one context, so llama.cpp evaluates them in
   * the same batches (generation is memory-bound: N sequences cost far less than N runs). The
   * context is made for this batch and freed after it; the warm single sequence keeps its cache.
   * Each sample streams under its own id, and an abort of one id stops that sample only.
   */
  private async generateBatch(request: BatchRequest, signals: readonly AbortSignal[]): Promise<void> {
    const first = request.samples[0]!;
    const stoppedAll = () => {
      request.samples.forEach((sample, index) => {
        if (!ended[index]) send({ type: 'done', id: sample.id, reason: 'aborted', usage: NO_USAGE });
        ended[index] = true;
      });
    };
    const ended = request.samples.map(() => false);
    if (signals.every((signal) => signal.aborted)) return stoppedAll();
    let ensured: { current: Loaded; fresh: boolean };
    try {
      ensured = await this.ensureLoaded(request.model, first.id);
    } catch (error) {
      if (!signals.every((signal) => signal.aborted)) throw error;
      return stoppedAll();
    }
    const { current, fresh } = ensured;
    send({ type: 'loaded', id: first.id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
    const nlc = await this.lib();
    const history = this.toHistory(request.messages);
    const prompt = renderPrompt(current, history);
    const perSequence = current.context.contextSize;
    if (perSequence - prompt.length <= 0) throw contextFullError(prompt.length, perSequence);
    let context: LlamaContext;
    try {
      context = await current.model.createContext({
        sequences: request.samples.length,
        // Each sequence gets its own cells: as many as the warm context has, fewer when memory is short.
        contextSize: { min: Math.min(perSequence, prompt.length + 256), max: perSequence },
        threads: current.info.threads,
        flashAttention: 'auto',
      });
    } catch (error) {
      throw classifyLoadError(current.settings.modelPath, error);
    }
    const roomLeft = context.contextSize - prompt.length;
    if (roomLeft <= 0) {
      await context.dispose();
      throw contextFullError(prompt.length, context.contextSize);
    }
    try {
      await Promise.all(
        request.samples.map(async (sample, index) => {
          const signal = signals[index]!;
          const chat = new nlc.LlamaChat({
            contextSequence: context.getSequence(),
            chatWrapper: current.chat.chatWrapper,
          });
          try {
            if (signal.aborted) return;
            send({ type: 'start', id: sample.id, thinkingForced: current.thinkingForced });
            const sampling = { ...request.sampling, seed: sample.seed };
            const generated = await generateOn(
              chat,
              history,
              sample.id,
              current.thinkingForced,
              sampling,
              roomLeft,
              signal,
            );
            ended[index] = true;
            send({
              type: 'done',
              id: sample.id,
              reason: generated.reason,
              usage: {
                promptTokens: prompt.length,
                evaluatedPromptTokens: prompt.length,
                completionTokens: generated.completionTokens,
                reasoningTokens: generated.reasoningTokens,
              },
            });
          } catch (error) {
            ended[index] = true;
            send({ type: 'failed', id: sample.id, error: toWorkerError(error) });
          } finally {
            chat.dispose({ disposeSequence: true });
          }
        }),
      );
    } finally {
      stoppedAll();
      await context.dispose();
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task, task);
  }

  onMessage(message: unknown): void {
    if (!isHostMessage(message)) return;
    switch (message.type) {
      case 'generate': {
        // A new request stops the running one: one generation at a time.
        for (const { controller } of this.requests.values()) controller.abort();
        const controller = new AbortController();
        const endThought = new AbortController();
        this.requests.set(message.id, { controller, model: message.model, endThought });
        this.abandonUnwantedLoad();
        this.enqueue(async () => {
          try {
            await this.generate(message, controller.signal, endThought.signal);
          } catch (error) {
            send({ type: 'failed', id: message.id, error: toWorkerError(error) });
          } finally {
            this.requests.delete(message.id);
          }
        });
        return;
      }
      case 'buildContext': {
        // Registered like a generation, so a stop elsewhere does not abandon the load it needs.
        this.requests.set(message.id, { controller: new AbortController(), model: message.model });
        this.enqueue(async () => {
          try {
            await this.buildContext(message.id, message.model, message.request);
          } catch (error) {
            send({ type: 'failed', id: message.id, error: toWorkerError(error) });
          } finally {
            this.requests.delete(message.id);
          }
        });
        return;
      }
      case 'generateBatch': {
        for (const { controller } of this.requests.values()) controller.abort();
        const controllers = message.samples.map((sample) => {
          const controller = new AbortController();
          this.requests.set(sample.id, { controller, model: message.model });
          return controller;
        });
        this.abandonUnwantedLoad();
        this.enqueue(async () => {
          try {
            await this.generateBatch(
              message,
              controllers.map((controller) => controller.signal),
            );
          } catch (error) {
            for (const sample of message.samples) send({ type: 'failed', id: sample.id, error: toWorkerError(error) });
          } finally {
            for (const sample of message.samples) this.requests.delete(sample.id);
          }
        });
        return;
      }
      case 'endThought':
        this.requests.get(message.id)?.endThought?.abort();
        return;
      case 'abort':
        this.requests.get(message.id)?.controller.abort();
        this.abandonUnwantedLoad();
        return;
      case 'inspect':
        this.enqueue(async () => {
          try {
            const nlc = await this.lib();
            const llama = await this.getLlamaOnce({
              modelPath: message.modelPath,
              threads: 0,
              gpuLayers: 'auto',
              contextSizeCap: 0,
            });
            send({ type: 'inspected', id: message.id, result: await inspectModelFile(nlc, message.modelPath, llama) });
          } catch (error) {
            send({ type: 'failed', id: message.id, error: toWorkerError(error) });
          }
        });
        return;
      case 'exit':
        for (const { controller } of this.requests.values()) controller.abort();
        this.abandonUnwantedLoad();
        this.enqueue(async () => {
          await this.unload().catch(() => undefined);
          process.exit(0);
        });
        return;
    }
  }
}

/**
 * One reply generated on one sequence, streamed as raw text under `id`: thoughts the model opens
 * itself go inline as `<think>…</think>`, so the host's splitter sees what the model wrote.
 *
 * Answer now (`endThought`): while the thought is open, the evaluation stops and the SAME reply
 * continues from node-llama-cpp's clean history with the thought marked ended, so the chat wrapper
 * renders `</think>` after what was thought and the model goes on with the answer. The text already
 * streamed stays; the token counts cover both parts. Once the thought has ended it changes nothing.
 */
async function generateOn(
  chat: LlamaChat,
  history: ChatHistoryItem[],
  id: number,
  thinkingForced: boolean,
  sampling: SamplingSettings,
  roomLeft: number,
  signal: AbortSignal,
  endThought?: AbortSignal,
): Promise<{ reason: WorkerFinishReason; answer: string; completionTokens: number; reasoningTokens: number }> {
  let completionTokens = 0;
  let reasoningTokens = 0;
  let thoughtOpen = thinkingForced;
  let answer = '';
  const emit = (text: string) => {
    if (text) send({ type: 'text', id, text });
  };
  // Stops one evaluation: on the request's stop, or to end the thought.
  const evaluation = new AbortController();
  /** Answer now was asked: it takes effect once at least one thought token has streamed. */
  let endWanted = false;
  let thoughtEnded = false;
  const endNow = () => {
    if (endWanted && thoughtOpen && reasoningTokens > 0 && !thoughtEnded) {
      thoughtEnded = true;
      evaluation.abort();
    }
  };
  const onStop = () => evaluation.abort();
  const onEndThought = () => {
    endWanted = true;
    endNow();
  };
  if (signal.aborted) evaluation.abort();
  else signal.addEventListener('abort', onStop, { once: true });
  endThought?.addEventListener('abort', onEndThought, { once: true });
  const onResponseChunk = (chunk: LlamaChatResponseChunk) => {
    completionTokens += chunk.tokens.length;
    if (chunk.type === 'segment' && chunk.segmentType === 'thought') {
      reasoningTokens += chunk.tokens.length;
      if (!thoughtOpen) emit('<think>');
      thoughtOpen = true;
      emit(chunk.text);
      if (chunk.segmentEndTime) {
        emit('</think>');
        thoughtOpen = false;
      }
      endNow();
    } else {
      if (chunk.type === undefined) answer += chunk.text;
      emit(chunk.text);
    }
  };
  const options = (tokensLeft: number) => ({
    ...samplingOptions(sampling, tokensLeft),
    signal: evaluation.signal,
    stopOnAbortSignal: true,
    onResponseChunk,
  });
  try {
    let result = await chat.generateResponse(history, options(roomLeft));
    if (result.metadata.stopReason === 'abort' && thoughtEnded && !signal.aborted) {
      // Answer now: the same reply goes on after the thought, with a fresh evaluation signal.
      thoughtOpen = false;
      emit('</think>');
      const continued = endOpenThought(result.lastEvaluation.cleanHistory);
      const tokensLeft = Math.min(sampling.maxTokens ?? Infinity, roomLeft) - completionTokens;
      if (continued && tokensLeft > 0) {
        const next = new AbortController();
        if (signal.aborted) next.abort();
        else signal.addEventListener('abort', () => next.abort(), { once: true });
        result = await chat.generateResponse(continued, {
          ...options(tokensLeft),
          signal: next.signal,
          lastEvaluationContextWindow: { history: endOpenThought(result.lastEvaluation.contextWindow) },
        });
      }
    }
    const stop = result.metadata.stopReason;
    const reason = stop === 'abort' ? 'aborted' : stop === 'maxTokens' ? 'length' : 'stop';
    return { reason, answer, completionTokens, reasoningTokens };
  } catch (error) {
    if (!signal.aborted) throw error;
    // Aborted before the first token (node-llama-cpp throws then).
    return { reason: 'aborted', answer, completionTokens, reasoningTokens };
  } finally {
    signal.removeEventListener('abort', onStop);
    endThought?.removeEventListener('abort', onEndThought);
  }
}

/** The history with its last model reply's open thought marked ended; undefined when it has none. */
function endOpenThought(history: readonly ChatHistoryItem[]): ChatHistoryItem[] | undefined {
  const last = history.at(-1);
  if (last?.type !== 'model') return undefined;
  const index = last.response.findLastIndex(
    (item) => typeof item === 'object' && item.type === 'segment' && item.segmentType === 'thought' && !item.ended,
  );
  if (index < 0) return undefined;
  // Without `raw` the wrapper renders the segment as prefix, text and suffix (`</think>`): raw is
  // what was generated, which has no suffix yet.
  const response = last.response.map((item, at) => {
    if (at !== index || typeof item !== 'object' || item.type !== 'segment') return item;
    const { raw: _raw, ...segment } = item;
    return { ...segment, ended: true };
  });
  return [...history.slice(0, -1), { ...last, response }];
}

function vocabularyOf(info: GgufFileInfo): VocabularyInfo {
  const ggml = info.metadata?.tokenizer?.ggml;
  return { model: ggml?.model, bosId: ggml?.bos_token_id, eosId: ggml?.eos_token_id, tokens: ggml?.tokens ?? [] };
}

if (process.send) {
  const worker = new InferenceWorker();
  process.on('message', (message) => worker.onMessage(message));
  // The parent went away (extension host closed or crashed): do not linger holding gigabytes.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
} else {
  process.stderr.write('The R1 Coder local worker runs as a child process (started by LocalProvider).\n');
  process.exitCode = 1;
}
