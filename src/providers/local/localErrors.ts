/**
 * Every error a local model can end with, in words a user can act on: a missing or unreadable
 * file, not a GGUF, truncated, too large for this machine, a full context, an answer cut at the
 * context's end, a missing or crashed worker.
 *
 * The worker throws LocalModelError (its kind and message cross IPC as a WorkerError); the
 * provider turns those, and its own failures, into R1Errors with the actions that fix them.
 * Runtime imports: none, so both the worker bundle and the host can use this module.
 */

import type { R1Error, R1ErrorAction } from '../../core/errors';
import type { WorkerExit } from './workerHandle';
import type { WorkerError, WorkerErrorKind } from './workerProtocol';

// Worker side: thrown where a check fails.

/** An expected, explainable failure (bad file, not enough memory), as opposed to a bug. */
export class LocalModelError extends Error {
  constructor(
    readonly kind: WorkerErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'LocalModelError';
  }
}

const PICK_ANOTHER = 'Choose a GGUF model file with "R1: Select Local Model" or set r1Coder.local.modelPath.';

export function notAFileError(path: string): LocalModelError {
  return new LocalModelError('modelFile', `"${path}" is not a file. ${PICK_ANOTHER}`);
}

/** The file cannot be opened: `code` is the errno code (ENOENT: it does not exist). */
export function unreadableFileError(path: string, code: string): LocalModelError {
  return new LocalModelError(
    'modelFile',
    code === 'ENOENT'
      ? `The local model file "${path}" does not exist. ${PICK_ANOTHER}`
      : `The local model file "${path}" cannot be read (${code}). Check its permissions. ${PICK_ANOTHER}`,
  );
}

export function notGgufError(path: string): LocalModelError {
  return new LocalModelError(
    'modelFile',
    `"${path}" is not a GGUF model file (it does not start with the GGUF signature). R1 Coder runs GGUF files such as DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf. ${PICK_ANOTHER}`,
  );
}

export function unreadableGgufError(path: string, cause: unknown): LocalModelError {
  return new LocalModelError(
    'modelFile',
    `"${path}" could not be read as a GGUF file (${messageOf(cause)}). It is damaged or truncated; download it again. ${PICK_ANOTHER}`,
  );
}

export function truncatedError(path: string, declaredBytes: number, sizeBytes: number): LocalModelError {
  return new LocalModelError(
    'modelFile',
    `"${path}" is truncated: its header declares ${formatBytes(declaredBytes)} of data but the file has ${formatBytes(sizeBytes)}. The download probably did not finish; download the file again.`,
  );
}

export function tooLargeError(path: string, neededBytes: number, ramBytes: number, vramBytes: number): LocalModelError {
  const where =
    vramBytes > 0
      ? `${formatBytes(ramBytes)} of RAM and ${formatBytes(vramBytes)} of GPU memory`
      : `${formatBytes(ramBytes)} of RAM`;
  return new LocalModelError(
    'memory',
    `"${path}" needs about ${formatBytes(neededBytes)} of memory for its weights, but this machine has ${where}. Choose a smaller model or quantization (for example a 7B or 1.5B Q4_K_M).`,
  );
}

/** The conversation alone fills the context: no room is left for an answer. */
export function contextFullError(promptTokens: number, contextSize: number): LocalModelError {
  return new LocalModelError(
    'contextFull',
    `This conversation (${promptTokens} tokens) already fills the local model’s context (${contextSize} tokens), so there is no room for an answer. Start a New Chat, or raise r1Coder.local.contextSize.`,
  );
}

/** What llama.cpp's failure to load a model or create its context means. */
export function classifyLoadError(path: string, error: unknown): LocalModelError {
  if (error instanceof LocalModelError) return error;
  const text = messageOf(error);
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

/** The draft model (r1Coder.local.draftModelPath) cannot draft for the main model. */
export function draftVocabularyError(draftPath: string, modelPath: string, reason: string): LocalModelError {
  return new LocalModelError(
    'modelFile',
    `The draft model "${draftPath}" cannot draft for "${modelPath}": ${reason}. A draft model must use the main model's vocabulary (DeepSeek-R1-Distill-Qwen-1.5B drafts for the 7B, 14B and 32B Qwen distills, not for the Llama ones). Choose another file in r1Coder.local.draftModelPath, or clear it to use input lookup.`,
  );
}

/** What the worker sends the host for a failed request. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof LocalModelError) return { kind: error.kind, message: error.message };
  return { kind: 'unknown', message: `Local inference failed: ${messageOf(error)}` };
}

// Host side: what a request's stream ends with.

const SELECT_MODEL: R1ErrorAction = { kind: 'selectLocalModel' };
const RETRY: R1ErrorAction = { kind: 'retry' };

/** A local error with the actions that fix its kind. */
export function localError(kind: R1Error['kind'], message: string): R1Error {
  const actions: R1ErrorAction[] =
    kind === 'modelFile'
      ? [SELECT_MODEL, { kind: 'openSettings', query: 'r1Coder.local.modelPath' }]
      : kind === 'memory'
        ? [SELECT_MODEL, { kind: 'openSettings', query: 'r1Coder.local' }]
        : kind === 'contextFull'
          ? // Retrying the same conversation cannot fit: a fresh one, or a larger context.
            [{ kind: 'newChat' }, { kind: 'openSettings', query: 'r1Coder.local.contextSize' }]
          : [RETRY];
  return { kind, transient: false, message, actions };
}

export function fromWorkerError(workerError: WorkerError): R1Error {
  return localError(workerError.kind, workerError.message);
}

export function noModelSelectedError(): R1Error {
  return localError(
    'modelFile',
    'No local model is selected. Choose a GGUF file (e.g. DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf) with "R1: Select Local Model" or set r1Coder.local.modelPath.',
  );
}

export function workerMissingError(workerPath: string): R1Error {
  return localError(
    'unknown',
    `The local inference worker is missing (${workerPath}). Reinstall R1 Coder, or run "npm run build" in a development checkout.`,
  );
}

export function workerStartError(cause: unknown): R1Error {
  return localError('workerCrashed', `Could not start the local inference process (${String(cause)}).`);
}

/**
 * Why a local answer that ended with "length" stopped: the context ran out (a request without
 * maxTokens has no other limit), so Retry alone would hit the same wall.
 */
export function lengthError(): R1Error {
  return localError(
    'contextFull',
    'The answer reached the end of the local model’s context and is incomplete. Start a New Chat to free the context, raise r1Coder.local.contextSize, or lower r1Coder.local.thinkingBudget so the thought leaves more room for the answer.',
  );
}

/** Why the worker died, in words, quoting llama.cpp's last line (from `output`) when there is one. */
export function crashError(
  output: readonly string[],
  exit: WorkerExit,
  modelPath: string,
  modelLoaded: boolean,
): R1Error {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const last = [...output].reverse().find((line) => /GGML_ASSERT|error|abort|terminate|exception/i.test(line));
  // "…/llama-vocab.cpp:2539: GGML_ASSERT(x) failed" reads better without the build machine's path.
  const quoted = last?.includes('GGML_ASSERT') ? last.slice(last.indexOf('GGML_ASSERT')) : last;
  const detail = quoted ? `: ${quoted.length > 300 ? `${quoted.slice(0, 300)}…` : quoted}` : '';
  if (!modelLoaded && exit.signal === 'SIGKILL') {
    return localError(
      'memory',
      `The local model process was killed while loading "${modelPath}" (${how}), most likely because the system ran out of memory. Choose a smaller model or quantization, or close other programs.`,
    );
  }
  if (!modelLoaded) {
    return localError(
      'modelFile',
      `llama.cpp aborted while loading "${modelPath}" (${how}${detail}). The file is damaged or not supported by this llama.cpp build; choose another GGUF file.`,
    );
  }
  return localError(
    'workerCrashed',
    `The local model process stopped unexpectedly (${how}${detail}). What arrived is kept; the next request starts a fresh process.`,
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
