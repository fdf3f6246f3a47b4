/**
 * npm run bench:fix-batch — Fix ×N on a local model: 4 samples of one prompt generated as 4
 * sequences of one context (LocalProvider.streamSamples, what Fix ×N and `r1-coder fix --local`
 * use) against the same 4 samples one after another (LocalProvider.stream, each with the seed the
 * batch gives that sample). Model: the exact DeepSeek-R1-Distill-Qwen-1.5B shape with random Q4_0
 * weights (synthesized once into .bench-cache/). Target: batched / one-after-another wall clock ≤ 0.5
 * (generation is memory-bound, so a batch of 4 costs far less than 4 runs).
 *
 * The one-after-another runs reuse the prompt from the KV cache (as a warm single sequence does),
 * while a batch evaluates the prompt once per sequence (node-llama-cpp 3.22 cannot copy one
 * sequence's cache to another), so the comparison does not favour the batch; the generation-only
 * ratio (after each sample's first token) is printed too. Short generations are prompt-bound:
 * R1's thoughts run to thousands of tokens, so use BENCH_TOKENS ≥ 256 for a representative figure. Environment: BENCH_ROUNDS (default
 * 1), BENCH_THREADS (default: physical cores), BENCH_TOKENS (generated per sample, default 128).
 */

import { join } from 'node:path';
import type { StreamChunk } from '../src/core/chunks';
import type { ChatRequest } from '../src/core/provider';
import { physicalCoreCount } from '../src/providers/local/cpuCores';
import { LocalProvider } from '../src/providers/local/localProvider';
import { ensureShapedModel } from '../test/gguf/shapedModel';
import { buildLocalWorker } from '../test/support/localWorkerBundle';

const root = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const THREADS = Number(process.env.BENCH_THREADS ?? 0) || physicalCoreCount();
const GENERATED_TOKENS = Number(process.env.BENCH_TOKENS ?? 128);
const SAMPLES = 4;
const SEED = 42;
const TARGET = 0.5;

/** A Fix-sized prompt: ~300 tokens of code with the byte-level vocabulary of the shaped model. */
const PROMPT = `Fix the selected code.\n\n${'for (let i = 0; i < n; i++) total += values[i];\n'.repeat(6)}`;

/** Reads one stream to its end: its completion tokens, when its first token came and when it ended. */
async function drain(stream: AsyncIterable<StreamChunk>): Promise<{ tokens: number; first: number; end: number }> {
  let tokens = 0;
  let first = 0;
  for await (const chunk of stream) {
    if ((chunk.type === 'reasoning' || chunk.type === 'answer') && first === 0) first = performance.now();
    if (chunk.type === 'usage') tokens = chunk.usage.completionTokens;
    if (chunk.type === 'error') throw new Error(chunk.error.message);
  }
  return { tokens, first, end: performance.now() };
}

function request(): ChatRequest {
  return {
    messages: [{ role: 'user', content: PROMPT }],
    signal: new AbortController().signal,
    maxTokens: GENERATED_TOKENS,
  };
}

function row(metric: string, value: number, unit: string): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'fix-batch', metric, value, unit })}`);
}

async function main(): Promise<void> {
  const { path: modelPath, created } = ensureShapedModel(root);
  if (created) console.log(`wrote ${modelPath}`);
  const workerPath = await buildLocalWorker(join(root, 'out', 'bench', 'localWorker.js'));
  const options = { modelPath, workerPath, threads: THREADS, contextSizeCap: 2048, idleMinutes: 0, speculative: false };
  const provider = new LocalProvider({ ...options, seed: SEED });
  try {
    await drain(provider.stream({ ...request(), maxTokens: 4 })); // loads the model, touches the weights
    const sequential: number[] = [];
    const batched: number[] = [];
    // Generation only (after each sample's first token): the part batching shares. The prompt is
    // evaluated once per sequence in a batch (node-llama-cpp cannot copy a sequence's cache).
    const sequentialGeneration: number[] = [];
    const batchedGeneration: number[] = [];
    let tokensSequential = 0;
    let tokensBatched = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      tokensSequential = 0;
      let generation = 0;
      for (let sample = 0; sample < SAMPLES; sample++) {
        provider.configure({ ...options, seed: SEED + sample });
        const drained = await drain(provider.stream(request()));
        tokensSequential += drained.tokens;
        generation += drained.end - drained.first;
      }
      sequentialGeneration.push(generation);
      sequential.push(performance.now() - t0);
      console.log(`round ${round + 1}: one after another ${(sequential.at(-1)! / 1000).toFixed(2)} s`);
      provider.configure({ ...options, seed: SEED });
      t0 = performance.now();
      const drained = await Promise.all(
        provider.streamSamples(Array.from({ length: SAMPLES }, request)).map((stream) => drain(stream)),
      );
      batched.push(performance.now() - t0);
      batchedGeneration.push(
        Math.max(...drained.map((each) => each.end)) - Math.max(...drained.map((each) => each.first)),
      );
      console.log(`round ${round + 1}: batched ${(batched.at(-1)! / 1000).toFixed(2)} s`);
      tokensBatched = drained.reduce((sum, each) => sum + each.tokens, 0);
    }
    const best = (values: number[]) => Math.min(...values) / 1000;
    const ratio = best(batched) / best(sequential);
    console.log(`model: ${modelPath}, ${THREADS} threads, ${SAMPLES} samples × ≤${GENERATED_TOKENS} tokens`);
    console.log(`one after another: ${best(sequential).toFixed(2)} s (${tokensSequential} tokens)`);
    console.log(`batched:           ${best(batched).toFixed(2)} s (${tokensBatched} tokens)`);
    row('4 samples one after another', best(sequential), 's');
    row('4 samples batched (4 sequences, 1 context)', best(batched), 's');
    row('batched / one after another', ratio, 'ratio');
    const generationRatio = best(batchedGeneration) / best(sequentialGeneration);
    console.log(`generation only: batched / one after another = ${generationRatio.toFixed(2)}`);
    row('generation only: batched / one after another', generationRatio, 'ratio');
    console.log(
      `${ratio <= TARGET ? 'PASS' : 'FAIL'} batched / one after another = ${ratio.toFixed(2)} (target ≤ ${TARGET})`,
    );
  } finally {
    provider.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
