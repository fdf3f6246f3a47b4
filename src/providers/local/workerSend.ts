/**
 * The worker's one channel to the host: the IPC of the forked process (absent when the file is run
 * directly, which the worker refuses at startup).
 */

import type { WorkerToHost, WorkerUsage } from './workerProtocol';

export const sendToHost = (message: WorkerToHost) => process.send?.(message);

/** The usage of a request that ended before generating anything. */
export const NO_USAGE: WorkerUsage = {
  promptTokens: 0,
  evaluatedPromptTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
};
