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
  ChatWrapper,
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import type { ChatMessage } from '../../core/provider';
import { physicalCoreCount } from './cpuCores';
import { checkFitsInMemory, checkNotTruncated, inspectModelFile, LocalModelError, readModelFile } from './ggufInspect';
import {
  isHostMessage,
  type HostToWorker,
  type LoadedModelInfo,
  type ModelSettings,
  type SamplingSettings,
  type WorkerError,
  type WorkerFinishReason,
  type WorkerToHost,
} from './workerProtocol';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type GenerateRequest = Extract<HostToWorker, { type: 'generate' }>;

interface Loaded {
  readonly settings: ModelSettings;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  /** The prompt ends in `<think>\n`, so generation starts inside the thought (R1's guidance). */
  readonly thinkingForced: boolean;
  readonly thought?: { readonly open: readonly Token[]; readonly close: readonly Token[] };
  readonly info: LoadedModelInfo;
}

const send = (message: WorkerToHost) => process.send?.(message);

let libPromise: Promise<NodeLlamaCpp> | undefined;
let llamaPromise: Promise<Llama> | undefined;
let loaded: Loaded | undefined;
/** Requests run strictly one after another. */
let queue: Promise<void> = Promise.resolve();
const requests = new Map<number, { readonly controller: AbortController; readonly model: ModelSettings }>();
/** The model load in progress, abandoned once no request that is still wanted needs it. */
let loading: { readonly settings: ModelSettings; readonly controller: AbortController } | undefined;
/** Raw answers this worker generated, by their trimmed text: follow-ups send answers back trimmed,
 * and re-rendering the exact raw text keeps the KV cache valid. */
const rawAnswers = new Map<string, string>();

function lib(): Promise<NodeLlamaCpp> {
  // Lazy: the native library loads only when a local model is first used.
  libPromise ??= import('node-llama-cpp');
  return libPromise;
}

async function getLlamaOnce(settings: ModelSettings): Promise<Llama> {
  llamaPromise ??= lib().then((nlc) =>
    nlc.getLlama({
      // gpuLayers 0 means CPU only: skip probing GPU backends (and their drivers) entirely.
      gpu: settings.gpuLayers === 0 ? false : 'auto',
      // No global cap: each context uses exactly the threads it asks for.
      maxThreads: 0,
      logLevel: nlc.LlamaLogLevel.warn,
      logger: (level, message) => send({ type: 'log', level: String(level), message: message.trimEnd() }),
    }),
  );
  return llamaPromise;
}

function sameSettings(a: ModelSettings, b: ModelSettings): boolean {
  return (
    a.modelPath === b.modelPath &&
    a.threads === b.threads &&
    a.gpuLayers === b.gpuLayers &&
    a.contextSizeCap === b.contextSizeCap
  );
}

/** The warm model for these settings, loading it (and unloading another) when needed. */
async function ensureLoaded(settings: ModelSettings, requestId: number): Promise<{ current: Loaded; fresh: boolean }> {
  if (loaded && sameSettings(loaded.settings, settings)) return { current: loaded, fresh: false };
  return { current: await load(settings, requestId), fresh: true };
}

/**
 * A stop during a load stops the load (llama.cpp checks between tensors): otherwise the worker stays
 * busy for seconds and then holds a model nobody asked to keep, and the next request for another
 * model waits for it. A newer request for the same model keeps it loading.
 */
function abandonUnwantedLoad(): void {
  const current = loading;
  if (!current) return;
  for (const request of requests.values()) {
    if (!request.controller.signal.aborted && sameSettings(request.model, current.settings)) return;
  }
  current.controller.abort();
}

async function load(settings: ModelSettings, requestId: number): Promise<Loaded> {
  const controller = new AbortController();
  loading = { settings, controller };
  try {
    return await loadModel(settings, requestId, controller.signal);
  } finally {
    loading = undefined;
  }
}

async function loadModel(settings: ModelSettings, requestId: number, signal: AbortSignal): Promise<Loaded> {
  await unload();
  const started = Date.now();
  const nlc = await lib();
  const { info, sizeBytes } = await readModelFile(nlc, settings.modelPath);
  const llama = await getLlamaOnce(settings);
  // A file that claims more than this machine has is refused before llama.cpp maps it.
  await checkFitsInMemory(nlc, settings.modelPath, info, llama);
  checkNotTruncated(settings.modelPath, info, sizeBytes);

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
  const sequence = context.getSequence();
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
  loaded = {
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
    },
  };
  rawAnswers.clear();
  progress(1);
  return loaded;
}

function forcedThoughtWrapper(nlc: NodeLlamaCpp) {
  const wrapper = new nlc.DeepSeekChatWrapper();
  const settings = wrapper.settings;
  const thought = settings.segments?.thought;
  if (!thought || typeof thought.prefix !== 'object' || !nlc.isLlamaText(thought.prefix) || !thought.suffix)
    return undefined;
  const open = nlc.LlamaText([thought.prefix, '\n']);
  const close = nlc.LlamaText(thought.suffix);
  const forced: ChatWrapper['settings'] = {
    ...settings,
    segments: { ...settings.segments, thought: { ...thought, prefix: open, openOnResponseStart: true } },
  };
  Object.defineProperty(wrapper, 'settings', { value: forced, enumerable: true });
  return { wrapper, open, close };
}

async function unload(): Promise<void> {
  const current = loaded;
  loaded = undefined;
  rawAnswers.clear();
  if (!current) return;
  current.chat.dispose();
  await current.context.dispose();
  await current.model.dispose();
}

function classifyLoadError(path: string, error: unknown): LocalModelError {
  if (error instanceof LocalModelError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/memory|VRAM|RAM\b|alloc/i.test(text)) {
    return new LocalModelError(
      'memory',
      `Not enough memory to load "${path}" (${text}). Close other programs, lower r1Coder.local.contextSize, or choose a smaller model or quantization.`,
    );
  }
  return new LocalModelError(
    'modelFile',
    `llama.cpp could not load "${path}" (${text}). The file is damaged or its architecture is not supported by this llama.cpp build; choose another GGUF file.`,
  );
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) =>
    message.role === 'user'
      ? { type: 'user', text: message.content }
      : { type: 'model', response: [rawAnswers.get(message.content.trim()) ?? message.content] },
  );
  // R1: no system prompt; the empty model item is the reply to generate.
  history.push({ type: 'model', response: [] });
  return history;
}

async function generate(request: GenerateRequest, signal: AbortSignal): Promise<void> {
  const { id, sampling } = request;
  const stopped = (): void => {
    send({
      type: 'done',
      id,
      reason: 'aborted',
      usage: { promptTokens: 0, evaluatedPromptTokens: 0, completionTokens: 0, reasoningTokens: 0 },
    });
  };
  // Stopped while it waited behind another request: load nothing for it.
  if (signal.aborted) return stopped();
  let ensured: Awaited<ReturnType<typeof ensureLoaded>>;
  try {
    ensured = await ensureLoaded(request.model, id);
  } catch (error) {
    if (!signal.aborted) throw error;
    return stopped(); // the load was abandoned for this stop
  }
  const { current, fresh } = ensured;
  send({ type: 'loaded', id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
  if (signal.aborted) return stopped();
  const { chat, sequence } = current;
  const history = toHistory(request.messages);
  // The prompt as LlamaChat will evaluate it; the part already in the KV cache is not evaluated again.
  const prompt = renderPrompt(current, history);
  const cached = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, Math.max(0, prompt.length - 1));
  const roomLeft = current.context.contextSize - prompt.length;
  if (roomLeft <= 0) {
    // Generating anyway would make node-llama-cpp shift the conversation out of the context.
    throw new LocalModelError(
      'contextFull',
      `This conversation (${prompt.length} tokens) already fills the local model’s context (${current.context.contextSize} tokens), so there is no room for an answer. Start a New Chat, or raise r1Coder.local.contextSize.`,
    );
  }
  let completionTokens = 0;
  let reasoningTokens = 0;
  let thoughtOpen = current.thinkingForced;
  let answer = '';
  send({ type: 'start', id, thinkingForced: current.thinkingForced });
  const emit = (text: string) => {
    if (text) send({ type: 'text', id, text });
  };
  let reason: WorkerFinishReason = 'stop';
  try {
    const result = await chat.generateResponse(history, {
      ...samplingOptions(sampling, roomLeft),
      signal,
      stopOnAbortSignal: true,
      onResponseChunk(chunk) {
        completionTokens += chunk.tokens.length;
        if (chunk.type === 'segment' && chunk.segmentType === 'thought') {
          reasoningTokens += chunk.tokens.length;
          // Thoughts the model opens itself go inline, so the splitter sees what the model wrote.
          if (!thoughtOpen) emit('<think>');
          thoughtOpen = true;
          emit(chunk.text);
          if (chunk.segmentEndTime) {
            emit('</think>');
            thoughtOpen = false;
          }
        } else {
          if (chunk.type === undefined) answer += chunk.text;
          emit(chunk.text);
        }
      },
    });
    const stop = result.metadata.stopReason;
    reason = stop === 'abort' ? 'aborted' : stop === 'maxTokens' ? 'length' : 'stop';
    if (reason !== 'aborted' && answer.trim()) {
      rawAnswers.set(answer.trim(), answer);
      if (rawAnswers.size > 32) rawAnswers.delete(rawAnswers.keys().next().value!);
      await dropThoughtFromCache(current, prompt.length);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
    reason = 'aborted'; // aborted before the first token (node-llama-cpp throws then)
  }
  send({
    type: 'done',
    id,
    reason,
    usage: {
      promptTokens: prompt.length,
      evaluatedPromptTokens: prompt.length - cached,
      completionTokens,
      reasoningTokens,
    },
  });
}

function renderPrompt(current: Loaded, history: ChatHistoryItem[]): Token[] {
  const rendered = current.thinkingForced
    ? [
        ...history.slice(0, -1),
        {
          type: 'model' as const,
          response: [{ type: 'segment' as const, segmentType: 'thought' as const, text: '', ended: false }],
        },
      ]
    : history;
  const { contextText } = current.chat.chatWrapper.generateContextState({ chatHistory: rendered });
  return contextText.tokenize(current.model.tokenizer);
}

/**
 * R1's template drops earlier thoughts from the conversation. Erasing this turn's thought from the
 * KV cache now (llama.cpp shifts the answer's cells back) makes the cache match the next prompt,
 * so a follow-up evaluates only its new tokens instead of re-reading the whole previous answer.
 */
async function dropThoughtFromCache(current: Loaded, promptLength: number): Promise<void> {
  const thought = current.thought;
  if (!thought || !current.thinkingForced) return;
  const tokens = current.sequence.contextTokens;
  const openStart = promptLength - thought.open.length;
  if (openStart < 0 || !thought.open.every((token, index) => tokens[openStart + index] === token)) return;
  const closeAt = findSequence(tokens, thought.close, promptLength);
  if (closeAt < 0) return;
  await current.sequence.eraseContextTokenRanges([{ start: openStart, end: closeAt + thought.close.length }]);
}

function findSequence(tokens: readonly Token[], needle: readonly Token[], from: number): number {
  if (needle.length === 0) return -1;
  for (let i = Math.max(0, from); i + needle.length <= tokens.length; i++) {
    if (needle.every((token, offset) => tokens[i + offset] === token)) return i;
  }
  return -1;
}

function samplingOptions(sampling: SamplingSettings, roomLeft: number) {
  return {
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    seed: sampling.seed,
    // R1's guidance is temperature and top-p only. node-llama-cpp's default repeat penalty would
    // change the output, and it costs a hash lookup per vocabulary entry (152k) on every token.
    repeatPenalty: false as const,
    // Stop at the end of the context ("length") rather than let node-llama-cpp shift the
    // conversation out from under a reply that is still being written (generate refuses roomLeft <= 0).
    maxTokens: Math.min(sampling.maxTokens ?? Infinity, roomLeft),
    // 0 = node-llama-cpp's default thought budget (half the context below 8192 tokens, three
    // quarters above), which always leaves room for the answer; passing no budgets at all to
    // LlamaChat would mean no limit.
    budgets: { thoughtTokens: sampling.thinkingBudget > 0 ? sampling.thinkingBudget : undefined },
  };
}

function toWorkerError(error: unknown): WorkerError {
  if (error instanceof LocalModelError) return { kind: error.kind, message: error.message };
  const text = error instanceof Error ? error.message : String(error);
  return { kind: 'unknown', message: `Local inference failed: ${text}` };
}

function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task, task);
}

function onMessage(message: unknown): void {
  if (!isHostMessage(message)) return;
  switch (message.type) {
    case 'generate': {
      // A new request stops the running one: one generation at a time.
      for (const { controller } of requests.values()) controller.abort();
      const controller = new AbortController();
      requests.set(message.id, { controller, model: message.model });
      abandonUnwantedLoad();
      enqueue(async () => {
        try {
          await generate(message, controller.signal);
        } catch (error) {
          send({ type: 'failed', id: message.id, error: toWorkerError(error) });
        } finally {
          requests.delete(message.id);
        }
      });
      return;
    }
    case 'abort':
      requests.get(message.id)?.controller.abort();
      abandonUnwantedLoad();
      return;
    case 'inspect':
      enqueue(async () => {
        try {
          const nlc = await lib();
          const llama = await getLlamaOnce({
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
      for (const { controller } of requests.values()) controller.abort();
      abandonUnwantedLoad();
      enqueue(async () => {
        await unload().catch(() => undefined);
        process.exit(0);
      });
      return;
  }
}

if (process.send) {
  process.on('message', onMessage);
  // The parent went away (extension host closed or crashed): do not linger holding gigabytes.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
} else {
  process.stderr.write('The R1 Coder local worker runs as a child process (started by LocalProvider).\n');
  process.exitCode = 1;
}
