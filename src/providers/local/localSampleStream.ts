/**
 * The host side of one local request: the worker's events for one id (or the worker's exit)
 * turned into the stream of chunks, the raw text through the one ThinkSplitter, the model load
 * reported by the first sample of a batch.
 */

import type { FinishReason, StreamChunk } from '../../core/chunks';
import type { R1Error } from '../../core/errors';
import type { ChatRequest } from '../../core/provider';
import { ThinkSplitter } from '../../core/thinkSplitter';
import { crashError, fromWorkerError } from './localErrors';
import { endLoad, type LocalProviderOptions } from './localProviderOptions';
import type { EventQueue, WorkerEvent, WorkerHandle } from './workerHandle';
import type { LoadedModelInfo } from './workerProtocol';

export type RequestEvent = WorkerEvent | { readonly type: 'aborted' };

export interface ActiveRequest {
  readonly id: number;
  readonly events: EventQueue<RequestEvent>;
  /** Stops listening to the worker and to the request's signal. */
  readonly release: () => void;
}

/** What starting the request(s) came to: sent, or an error or a stop that each stream reports itself. */
export type StartedRequests =
  | {
      readonly kind: 'sent';
      readonly worker: WorkerHandle;
      readonly active: readonly ActiveRequest[];
      readonly announced: boolean;
    }
  | { readonly kind: 'error'; readonly error: R1Error }
  | { readonly kind: 'stopped' };

/** What a sample's stream reads from and reports to the provider that started it. */
export interface SampleStreamHooks {
  /** The provider's options as they are when the stream is first read. */
  readonly options: () => LocalProviderOptions;
  /** The model is loaded (its context size becomes the preview budget's base). */
  readonly onLoaded: (info: LoadedModelInfo) => void;
  /** The worker exited during the request. */
  readonly onWorkerExit: (worker: WorkerHandle) => void;
  /** The stream ended, however it ended: it no longer counts as active. */
  readonly onEnded: (active: ActiveRequest) => void;
}

/** One request's stream of chunks; the first sample's stream also reports the model load. */
export async function* followSample(
  start: () => StartedRequests,
  request: ChatRequest,
  index: number,
  hooks: SampleStreamHooks,
): AsyncIterable<StreamChunk> {
  const options = hooks.options();
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
          hooks.onLoaded(event.info);
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
          hooks.onWorkerExit(worker);
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
    hooks.onEnded(active);
    if (loadShown) endLoad(options, modelPath, outcome);
  }
}
