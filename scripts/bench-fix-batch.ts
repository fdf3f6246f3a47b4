/**
 * npm run bench:fix-batch — Fix ×N on a local model: 4 samples of one prompt generated as 4
 * sequences of one context (LocalProvider.streamSamples, what Fix ×N and `r1-coder fix --local`
 * use) against the same 4 samples one after another (LocalProvider.stream, each with the seed the
 * batch gives that sample). Model: the exact DeepSeek-R1-Distill-Qwen-1.5B shape with random Q4_0
 * weights (synthesized once into .bench-cache/). Target: batched / one-after-another wall clock ≤ 0.5
 * (generation is memory-bound, so a batch of 4 costs far less than 4 runs).
 *
 * The one-after-another runs reuse the prompt from the KV cache after the first (as a warm single
 * sequence does), so the comparison does not favour the batch. Environment: BENCH_ROUNDS (default
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

/** Reads one stream to its end; its completion tokens. */
async function drain(stream: AsyncIterable<StreamChunk>): Promise<number> {
  let completion = 0;
  for await (const chunk of stream) {
    if (chunk.type === 'usage') completion = chunk.usage.completionTokens;
    if (chunk.type === 'error') throw new Error(chunk.error.message);
  }
  return completion;
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
    let tokensSequential = 0;
    let tokensBatched = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      tokensSequential = 0;
      for (let sample = 0; sample < SAMPLES; sample++) {
        provider.configure({ ...options, seed: SEED + sample });
        tokensSequential += await drain(provider.stream(request()));
      }
      sequential.push(performance.now() - t0);
      console.log(`round ${round + 1}: one after another ${(sequential.at(-1)! / 1000).toFixed(2)} s`);
      provider.configure({ ...options, seed: SEED });
      t0 = performance.now();
      const counts = await Promise.all(
        provider.streamSamples(Array.from({ length: SAMPLES }, request)).map((stream) => drain(stream)),
      );
      batched.push(performance.now() - t0);
      console.log(`round ${round + 1}: batched ${(batched.at(-1)! / 1000).toFixed(2)} s`);
      tokensBatched = counts.reduce((sum, count) => sum + count, 0);
    }
    const best = (values: number[]) => Math.min(...values) / 1000;
    const ratio = best(batched) / best(sequential);
    console.log(`model: ${modelPath}, ${THREADS} threads, ${SAMPLES} samples × ≤${GENERATED_TOKENS} tokens`);
    console.log(`one after another: ${best(sequential).toFixed(2)} s (${tokensSequential} tokens)`);
    console.log(`batched:           ${best(batched).toFixed(2)} s (${tokensBatched} tokens)`);
    row('4 samples one after another', best(sequential), 's');
    row('4 samples batched (4 sequences, 1 context)', best(batched), 's');
    row('batched / one after another', ratio, 'ratio');
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
