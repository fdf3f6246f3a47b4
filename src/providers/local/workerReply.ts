/**
 * One reply streamed from the worker: raw text with the thought inline, and Answer now (closing the
 * thought and continuing the same reply).
 */

import type { ChatHistoryItem, LlamaChat, LlamaChatResponseChunk } from 'node-llama-cpp';
import { samplingOptions } from './workerChat';
import type { SamplingSettings, WorkerFinishReason } from './workerProtocol';
import { sendToHost } from './workerSend';

/**
 * One reply generated on one sequence, streamed as raw text under `id`: thoughts the model opens
 * itself go inline as `<think>…</think>`, so the host's splitter sees what the model wrote.
 *
 * Answer now (`endThought`): while the thought is open, the evaluation stops and the SAME reply
 * continues from node-llama-cpp's clean history with the thought marked ended, so the chat wrapper
 * renders `</think>` after what was thought and the model goes on with the answer. The text already
 * streamed stays; the token counts cover both parts. Once the thought has ended it changes nothing.
 */
export async function generateReply(
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
    if (text) sendToHost({ type: 'text', id, text });
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
