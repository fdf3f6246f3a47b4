/**
 * Defaults of the local model, shared by LocalProvider, the extension's settings (r1Coder.local.*)
 * and the benchmarks. package.json's setting defaults are checked against these by a unit test.
 */

import { R1_SAMPLING } from '../r1Sampling';

export const LOCAL_DEFAULTS = {
  gpuLayers: 'auto',
  /** Upper bound on the context size in tokens; the size itself is chosen to fit memory. */
  contextSizeCap: 8192,
  /** The smallest context size cap accepted; smaller settings are raised to it. */
  minContextSizeCap: 512,
  /** Stop the worker (freeing the model's memory) after this many idle minutes; 0 = never. */
  idleMinutes: 10,
  temperature: R1_SAMPLING.temperature,
  topP: R1_SAMPLING.topP,
  // Not in R1's guidance, but llama.cpp's default: it keeps top-p from sorting all 152k logits.
  topK: 40,
  /**
   * Speculative decoding (input lookup, or the draft model when one is set). On by default: it
   * switches itself off while drafts are rejected (see speculation.ts), and `npm run bench:speculative`
   * measures both sides.
   */
  speculative: true,
  /**
   * The thinking budget (tokens) of a question whose effort the panel picked; 0 is node-llama-cpp's
   * default (half or three quarters of the context), the most it thinks.
   */
  effortThinkingBudgets: { low: 512, medium: 2048, high: 8192, max: 0 },
} as const;
