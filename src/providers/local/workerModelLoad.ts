/**
 * Loading a model in the worker: the file checks before llama.cpp maps anything, the weights with
 * their progress, the context, the optional draft model or input-lookup predictor, and the chat
 * that opens R1's thought itself.
 */

import type { GgufFileInfo, Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { physicalCoreCount } from './cpuCores';
import { checkFitsInMemory, checkNotTruncated, readModelFile } from './ggufInspect';
import { classifyLoadError, draftVocabularyError } from './localErrors';
import { vocabularyMismatch, type VocabularyInfo } from './speculation';
import { draftModelPredictor, inputLookupPredictor, type SpeculativePredictor } from './speculativePredictor';
import { forcedThoughtWrapper, type Loaded } from './workerChat';
import type { ModelSettings } from './workerProtocol';
import { sendToHost } from './workerSend';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * The model for these settings, loaded on `getLlama()` (one per process, created on first use),
 * reporting progress under `requestId`. `signal` abandons the load.
 */
export async function loadModel(
  nlc: NodeLlamaCpp,
  getLlama: () => Promise<Llama>,
  settings: ModelSettings,
  requestId: number,
  signal: AbortSignal,
): Promise<Loaded> {
  const started = Date.now();
  const { info, sizeBytes } = await readModelFile(nlc, settings.modelPath);
  const llama = await getLlama();
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
    sendToHost({ type: 'loadProgress', id: requestId, modelPath: settings.modelPath, progress: value });
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
      draft = await loadDraft(llama, draftPath, threads, context.contextSize, signal);
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
  const loaded: Loaded = {
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
  progress(1);
  return loaded;
}

/** The draft model on the CPU threads and context size of the main one. */
async function loadDraft(
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

function vocabularyOf(info: GgufFileInfo): VocabularyInfo {
  const ggml = info.metadata?.tokenizer?.ggml;
  return { model: ggml?.model, bosId: ggml?.bos_token_id, eosId: ggml?.eos_token_id, tokens: ggml?.tokens ?? [] };
}
