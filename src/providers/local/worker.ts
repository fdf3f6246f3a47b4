/**
 * The local inference worker: a child process (fork + IPC) that owns node-llama-cpp, so a llama.cpp
 * abort (GGML_ASSERT on a malformed file) or a 7B model's memory and CPU never touch the extension
 * host. Built to dist/localWorker.js; node-llama-cpp stays external and is imported on first use.
 *
 * One getLlama() per process, one model + context + sequence kept warm across requests. Requests
 * run one at a time; each streams raw model text back, and LocalProvider splits it with the shared
 * ThinkSplitter. Loading is workerModelLoad.ts, one reply workerReply.ts, Fix ×N workerBatch.ts.
 */

import type { ChatHistoryItem, Llama } from 'node-llama-cpp';
import type { ChatMessage, ContextRequest } from '../../core/provider';
import { buildContextMessage } from '../../core/context/buildContext';
import { localQuestionBudget } from '../../core/context/defaults';
import { inspectModelFile } from './ggufInspect';
import { contextFullError, toWorkerError } from './localErrors';
import { generateBatch, type BatchWorker } from './workerBatch';
import { dropThoughtFromCache, renderPrompt, sameSettings, type Loaded } from './workerChat';
import { loadModel } from './workerModelLoad';
import { isHostMessage, type HostToWorker, type ModelSettings } from './workerProtocol';
import { generateReply } from './workerReply';
import { NO_USAGE, sendToHost } from './workerSend';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type GenerateRequest = Extract<HostToWorker, { type: 'generate' }>;

/**
 * Everything the worker holds between messages: the native library, the warm model, the request
 * queue. One instance per process (see the end of this file).
 */
class InferenceWorker implements BatchWorker {
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

  lib(): Promise<NodeLlamaCpp> {
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
        logger: (level, message) => sendToHost({ type: 'log', level: String(level), message: message.trimEnd() }),
      }),
    );
    return this.llamaPromise;
  }

  /** The warm model for these settings, loading it (and unloading another) when needed. */
  async ensureLoaded(settings: ModelSettings, requestId: number): Promise<{ current: Loaded; fresh: boolean }> {
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
      return await this.loadWarm(settings, requestId, controller.signal);
    } finally {
      this.loading = undefined;
    }
  }

  /** Unloads the warm model and loads these settings as the new warm one. */
  private async loadWarm(settings: ModelSettings, requestId: number, signal: AbortSignal): Promise<Loaded> {
    await this.unload();
    const nlc = await this.lib();
    this.loaded = await loadModel(nlc, () => this.getLlamaOnce(settings), settings, requestId, signal);
    this.rawAnswers.clear();
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

  toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
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
      sendToHost({
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
    sendToHost({ type: 'loaded', id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
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
    sendToHost({ type: 'start', id, thinkingForced: current.thinkingForced });
    const generated = await generateReply(
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
    sendToHost({
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
    sendToHost({ type: 'loaded', id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
    const history = this.toHistory([...request.history, { role: 'user', content: '' }]);
    const historyTokens = renderPrompt(current, history).length;
    const budgetTokens = localQuestionBudget(current.context.contextSize, historyTokens);
    const countTokens = (text: string) => current.model.tokenize(text).length;
    const { history: _history, ...input } = request;
    const result = buildContextMessage({ ...input, budgetTokens, countTokens });
    sendToHost({ type: 'contextBuilt', id, result, budgetTokens });
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
            sendToHost({ type: 'failed', id: message.id, error: toWorkerError(error) });
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
            sendToHost({ type: 'failed', id: message.id, error: toWorkerError(error) });
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
            await generateBatch(
              this,
              message,
              controllers.map((controller) => controller.signal),
            );
          } catch (error) {
            for (const sample of message.samples)
              sendToHost({ type: 'failed', id: sample.id, error: toWorkerError(error) });
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
            sendToHost({
              type: 'inspected',
              id: message.id,
              result: await inspectModelFile(nlc, message.modelPath, llama),
            });
          } catch (error) {
            sendToHost({ type: 'failed', id: message.id, error: toWorkerError(error) });
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

if (process.send) {
  const worker = new InferenceWorker();
  process.on('message', (message) => worker.onMessage(message));
  // The parent went away (extension host closed or crashed): do not linger holding gigabytes.
  process.on('disconnect', () => process.exit(0));
  sendToHost({ type: 'ready', pid: process.pid });
} else {
  process.stderr.write('The R1 Coder local worker runs as a child process (started by LocalProvider).\n');
  process.exitCode = 1;
}
