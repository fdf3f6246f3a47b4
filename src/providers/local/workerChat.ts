/**
 * What R1 needs from node-llama-cpp once a model is loaded, for the worker: the chat wrapper that
 * opens the thought itself, the prompt as LlamaChat evaluates it, the sampling options, and
 * dropping a finished thought from the KV cache so a follow-up reuses it.
 */

import type {
  ChatHistoryItem,
  ChatWrapper,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import type { SpeculativePredictor } from './speculativePredictor';
import type { LoadedModelInfo, ModelSettings, SamplingSettings } from './workerProtocol';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/** The warm model with its context, sequence and chat. */
export interface Loaded {
  readonly settings: ModelSettings;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  /** The prompt ends in `<think>\n`, so generation starts inside the thought (R1's guidance). */
  readonly thinkingForced: boolean;
  readonly thought?: { readonly open: readonly Token[]; readonly close: readonly Token[] };
  readonly info: LoadedModelInfo;
  /** The predictor on the sequence, when speculative decoding is on. */
  readonly speculation?: SpeculativePredictor;
  /** The draft model and its context, disposed with the main model. */
  readonly draft?: { readonly model: LlamaModel; readonly context: LlamaContext };
}

export function sameSettings(a: ModelSettings, b: ModelSettings): boolean {
  return (
    a.modelPath === b.modelPath &&
    a.threads === b.threads &&
    a.gpuLayers === b.gpuLayers &&
    a.contextSizeCap === b.contextSizeCap &&
    (a.speculative ?? false) === (b.speculative ?? false) &&
    (a.draftModelPath ?? '') === (b.draftModelPath ?? '')
  );
}

export function forcedThoughtWrapper(nlc: NodeLlamaCpp) {
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

export function renderPrompt(current: Loaded, history: ChatHistoryItem[]): Token[] {
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
export async function dropThoughtFromCache(current: Loaded, promptLength: number): Promise<void> {
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

export function samplingOptions(sampling: SamplingSettings, roomLeft: number) {
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
