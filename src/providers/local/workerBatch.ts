/**
 * Fix ×N in the worker: the samples of one prompt generated together as sequences of one context
 * made for the batch, each streamed under its own id.
 */

import type { ChatHistoryItem, LlamaContext } from 'node-llama-cpp';
import type { ChatMessage } from '../../core/provider';
import { classifyLoadError, contextFullError, toWorkerError } from './localErrors';
import { renderPrompt, type Loaded } from './workerChat';
import type { HostToWorker, ModelSettings } from './workerProtocol';
import { generateReply } from './workerReply';
import { NO_USAGE, sendToHost } from './workerSend';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type BatchRequest = Extract<HostToWorker, { type: 'generateBatch' }>;

/** What a batch needs from the worker that holds the warm model. */
export interface BatchWorker {
  ensureLoaded(settings: ModelSettings, requestId: number): Promise<{ current: Loaded; fresh: boolean }>;
  lib(): Promise<NodeLlamaCpp>;
  toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[];
}

/**
 * Fix ×N: N samples of one prompt as N sequences of one context, so llama.cpp evaluates them in
 * the same batches (generation is memory-bound: N sequences cost far less than N runs). The
 * context is made for this batch and freed after it; the warm single sequence keeps its cache.
 * Each sample streams under its own id, and an abort of one id stops that sample only.
 */
export async function generateBatch(
  worker: BatchWorker,
  request: BatchRequest,
  signals: readonly AbortSignal[],
): Promise<void> {
  const first = request.samples[0]!;
  const stoppedAll = () => {
    request.samples.forEach((sample, index) => {
      if (!ended[index]) sendToHost({ type: 'done', id: sample.id, reason: 'aborted', usage: NO_USAGE });
      ended[index] = true;
    });
  };
  const ended = request.samples.map(() => false);
  if (signals.every((signal) => signal.aborted)) return stoppedAll();
  let ensured: { current: Loaded; fresh: boolean };
  try {
    ensured = await worker.ensureLoaded(request.model, first.id);
  } catch (error) {
    if (!signals.every((signal) => signal.aborted)) throw error;
    return stoppedAll();
  }
  const { current, fresh } = ensured;
  sendToHost({ type: 'loaded', id: first.id, info: fresh ? current.info : { ...current.info, loadMs: 0 } });
  const nlc = await worker.lib();
  const history = worker.toHistory(request.messages);
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
          sendToHost({ type: 'start', id: sample.id, thinkingForced: current.thinkingForced });
          const sampling = { ...request.sampling, seed: sample.seed };
          const generated = await generateReply(
            chat,
            history,
            sample.id,
            current.thinkingForced,
            sampling,
            roomLeft,
            signal,
          );
          ended[index] = true;
          sendToHost({
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
          sendToHost({ type: 'failed', id: sample.id, error: toWorkerError(error) });
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
