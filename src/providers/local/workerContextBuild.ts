/**
 * One `buildContext` request to the worker: the question's message built with the model's own
 * tokenizer, the model loaded first when needed (its progress reported as a request's is).
 * Resolves with the worker's result; rejects with what went wrong (the caller falls back to the
 * estimate, and the stream that follows reports the cause to the user).
 */

import type { ContextBuildResult } from '../../core/context/types';
import type { ContextRequest } from '../../core/provider';
import { crashError, fromWorkerError } from './localErrors';
import type { WorkerHandle } from './workerHandle';
import type { LoadedModelInfo, ModelSettings } from './workerProtocol';

export interface ContextBuildHooks {
  readonly onLoadProgress: (progress: number) => void;
  readonly onLoaded: (info: LoadedModelInfo) => void;
  /** The worker exited during the request. */
  readonly onExit: () => void;
}

export function buildContextInWorker(
  worker: WorkerHandle,
  id: number,
  model: ModelSettings,
  request: ContextRequest,
  hooks: ContextBuildHooks,
  signal?: AbortSignal,
): Promise<ContextBuildResult> {
  return new Promise<ContextBuildResult>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => finish(() => reject(new Error('stopped')));
    const unsubscribe = worker.subscribe((event) => {
      if (event.type === 'exit') {
        hooks.onExit();
        finish(() => reject(new Error(crashError(worker.output, event, model.modelPath, false).message)));
      } else if (!('id' in event) || event.id !== id) {
        return;
      } else if (event.type === 'loadProgress') {
        hooks.onLoadProgress(event.progress);
      } else if (event.type === 'loaded') {
        hooks.onLoaded(event.info);
      } else if (event.type === 'contextBuilt') {
        finish(() => resolve(event.result));
      } else if (event.type === 'failed') {
        finish(() => reject(new Error(fromWorkerError(event.error).message)));
      }
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.send({ type: 'buildContext', id, model, request });
  });
}
