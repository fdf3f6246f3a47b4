/**
 * npm run bench:local — prompt and generation speed of a model of the exact
 * DeepSeek-R1-Distill-Qwen-1.5B shape (random Q4_0 weights, synthesized once into .bench-cache/),
 * through (a) node-llama-cpp used directly in this process and (b) R1 Coder's LocalProvider (worker
 * process, IPC, ThinkSplitter). Same settings on both sides; runs alternate so machine noise hits
 * both alike. Target: (b)/(a) ≥ 0.98.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_THREADS (default: physical cores, as the provider),
 * LLAMA_BENCH=/path/to/llama-bench to add llama.cpp's own figures (same model, same threads).
 * Prints a table and BENCH_JSON rows for `npm run bench`.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { StreamChunk } from '../src/core/chunks';
import { physicalCoreCount } from '../src/providers/local/cpuCores';
import { LOCAL_DEFAULTS, LocalProvider } from '../src/providers/local/localProvider';
import { ensureShapedModel } from '../test/gguf/shapedModel';
import { buildLocalWorker } from '../test/support/localWorkerBundle';

const root = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const THREADS = Number(process.env.BENCH_THREADS ?? 0) || physicalCoreCount();
const PROMPT_TOKENS = 512;
const GENERATED_TOKENS = 128;
const CONTEXT_CAP = 2048;

interface Run {
  /** Prompt tokens evaluated per second (time to the first generated token). */
  readonly prompt: number;
  /** Generated tokens per second after the first. */
  readonly generation: number;
}

/** ASCII text costs one token per character with the shaped model's byte-level vocabulary. */
function question(round: number, tokens: number): string {
  const head = `Run ${round}: explain this code. `;
  const filler = 'for (let i = 0; i < n; i++) total += values[i];\n';
  let text = head;
  while (text.length < tokens) text += filler;
  return text.slice(0, tokens);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const started = Date.now();
  const { path: modelPath, created } = ensureShapedModel(root);
  console.log(`model: ${modelPath}${created ? ` (synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s)` : ' (cached)'}`);
  const workerPath = await buildLocalWorker(join(root, 'out', 'bench', 'localWorker.js'));
  console.log(`threads: ${THREADS}, rounds: ${ROUNDS}, prompt ${PROMPT_TOKENS} tokens, generation ${GENERATED_TOKENS} tokens\n`);

  // (a) node-llama-cpp directly, configured as the worker configures it.
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: 'auto', maxThreads: 0, logLevel: nlc.LlamaLogLevel.error });
  let loadStarted = Date.now();
  const model = await llama.loadModel({ modelPath, gpuLayers: 'auto' });
  const context = await model.createContext({ contextSize: { min: CONTEXT_CAP, max: CONTEXT_CAP }, threads: THREADS, flashAttention: false });
  const directLoadMs = Date.now() - loadStarted;
  const direct = async (round: number): Promise<Run> => {
    const sequence = context.getSequence();
    const chat = new nlc.LlamaChat({ contextSequence: sequence });
    const text = question(round, PROMPT_TOKENS - 3); // + BOS, <｜User｜>, <｜Assistant｜>
    const t0 = performance.now();
    let first = 0;
    let tokens = 0;
    await chat.generateResponse([{ type: 'user', text }, { type: 'model', response: [] }], {
      temperature: LOCAL_DEFAULTS.temperature,
      topP: LOCAL_DEFAULTS.topP,
      topK: LOCAL_DEFAULTS.topK,
      repeatPenalty: false,
      maxTokens: GENERATED_TOKENS,
      onResponseChunk: (chunk) => {
        if (chunk.tokens.length > 0 && first === 0) first = performance.now();
        tokens += chunk.tokens.length;
      },
    });
    const end = performance.now();
    chat.dispose();
    await sequence.dispose();
    return { prompt: PROMPT_TOKENS / ((first - t0) / 1000), generation: (tokens - 1) / ((end - first) / 1000) };
  };

  // (b) the provider: worker process, IPC, ThinkSplitter, forced "<think>\n".
  loadStarted = Date.now();
  const provider = new LocalProvider({ modelPath, workerPath, threads: THREADS, contextSizeCap: CONTEXT_CAP, idleMinutes: 0 });
  let providerLoadMs = 0;
  const throughProvider = async (round: number): Promise<Run> => {
    const text = question(round, PROMPT_TOKENS - 5); // + BOS, <｜User｜>, <｜Assistant｜>, <think>, \n
    const t0 = performance.now();
    let first = 0;
    let completion = 0;
    let failure: string | undefined;
    for await (const chunk of provider.stream({
      messages: [{ role: 'user', content: text }],
      signal: new AbortController().signal,
      maxTokens: GENERATED_TOKENS,
    }) as AsyncIterable<StreamChunk>) {
      if ((chunk.type === 'reasoning' || chunk.type === 'answer') && first === 0) first = performance.now();
      if (chunk.type === 'usage') completion = chunk.usage.completionTokens;
      if (chunk.type === 'error') failure = chunk.error.message;
    }
    const end = performance.now();
    if (failure) throw new Error(failure);
    return { prompt: PROMPT_TOKENS / ((first - t0) / 1000), generation: (completion - 1) / ((end - first) / 1000) };
  };
  // Warm-up: loads the model in the worker, and touches every weight page on both sides.
  await throughProvider(-1);
  providerLoadMs = Date.now() - loadStarted;
  await direct(-1);

  const llamaBench = process.env.LLAMA_BENCH;
  const results: Record<string, Run[]> = { direct: [], provider: [], llamaBench: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so drift in machine load favours neither side.
    const order = round % 2 === 0 ? (['direct', 'provider'] as const) : (['provider', 'direct'] as const);
    for (const side of order) results[side]!.push(side === 'direct' ? await direct(round) : await throughProvider(round));
    if (llamaBench) results.llamaBench!.push(runLlamaBench(llamaBench, modelPath));
    process.stderr.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  provider.dispose();
  await context.dispose();
  await model.dispose();

  const summary = (runs: readonly Run[]) => ({ prompt: median(runs.map((run) => run.prompt)), generation: median(runs.map((run) => run.generation)) });
  const a = summary(results.direct!);
  const b = summary(results.provider!);
  const rows: [string, number, number, number][] = [
    ['prompt (512 tokens), tok/s', a.prompt, b.prompt, b.prompt / a.prompt],
    ['generation (128 tokens), tok/s', a.generation, b.generation, b.generation / a.generation],
  ];
  console.log('\n' + ['', '(a) node-llama-cpp', '(b) LocalProvider', '(b)/(a)'].map((cell, i) => cell.padEnd(i === 0 ? 32 : 20)).join(''));
  for (const [name, left, right, ratio] of rows) {
    console.log([name.padEnd(32), left.toFixed(1).padEnd(20), right.toFixed(1).padEnd(20), ratio.toFixed(3)].join(''));
  }
  console.log(`medians of ${ROUNDS} alternating runs; all runs (a): ${format(results.direct!)}  (b): ${format(results.provider!)}`);
  console.log(`load: (a) ${directLoadMs} ms in process, (b) ${providerLoadMs} ms including worker start and the first request`);
  const verdict = Math.min(rows[0]![3], rows[1]![3]) >= 0.98 ? 'meets' : 'misses';
  console.log(`target (b)/(a) ≥ 0.98: ${verdict}`);

  const json = (metric: string, value: number, unit: string) => console.log(`BENCH_JSON ${JSON.stringify({ bench: 'local', metric, value, unit })}`);
  json('prompt 512, node-llama-cpp', a.prompt, 'tok/s');
  json('prompt 512, LocalProvider', b.prompt, 'tok/s');
  json('prompt ratio provider/node-llama-cpp', rows[0]![3], 'x');
  json('generation 128, node-llama-cpp', a.generation, 'tok/s');
  json('generation 128, LocalProvider', b.generation, 'tok/s');
  json('generation ratio provider/node-llama-cpp', rows[1]![3], 'x');
  if (results.llamaBench!.length) {
    const c = summary(results.llamaBench!);
    console.log(`llama-bench (same model, ${THREADS} threads): pp512 ${c.prompt.toFixed(1)} tok/s, tg128 ${c.generation.toFixed(1)} tok/s; provider/llama-bench: prompt ${(b.prompt / c.prompt).toFixed(3)}, generation ${(b.generation / c.generation).toFixed(3)}`);
    json('prompt 512, llama-bench', c.prompt, 'tok/s');
    json('generation 128, llama-bench', c.generation, 'tok/s');
  }
  console.log(`BENCH_SUMMARY ${JSON.stringify({ bench: 'local', threads: THREADS, rounds: ROUNDS, prompt: { nodeLlamaCpp: a.prompt, provider: b.prompt, ratio: rows[0]![3] }, generation: { nodeLlamaCpp: a.generation, provider: b.generation, ratio: rows[1]![3] } })}`);
}

function runLlamaBench(binary: string, modelPath: string): Run {
  const output = execFileSync(binary, ['-m', modelPath, '-t', String(THREADS), '-p', String(PROMPT_TOKENS), '-n', String(GENERATED_TOKENS), '-r', '1', '--no-warmup', '-o', 'json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const tests = JSON.parse(output) as { n_prompt: number; avg_ts: number }[];
  return { prompt: tests.find((test) => test.n_prompt > 0)?.avg_ts ?? NaN, generation: tests.find((test) => test.n_prompt === 0)?.avg_ts ?? NaN };
}

function format(runs: readonly Run[]): string {
  return runs.map((run) => `${run.prompt.toFixed(0)}/${run.generation.toFixed(1)}`).join(' ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
