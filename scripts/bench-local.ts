/**
 * npm run bench:local — prompt and generation speed of a model of the exact
 * DeepSeek-R1-Distill-Qwen-1.5B shape (random Q4_0 weights, synthesized once into .bench-cache/),
 * through (a) node-llama-cpp used directly in this process and (b) R1 Coder's LocalProvider (worker
 * process, IPC, ThinkSplitter). Same llama.cpp settings on both sides (threads, flash attention,
 * sampler chain, one libuv pool thread), so the ratio is the provider's own cost; runs alternate so
 * machine noise hits both alike. Target: (b)/(a) ≥ 0.98.
 *
 *   npm run bench:local                 the comparison above
 *   npm run bench:local -- --gap        where node-llama-cpp's defaults lose speed against llama.cpp:
 *                                       each setting R1 Coder changes, measured in its own process
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_THREADS (default: physical cores, as the provider),
 * LLAMA_BENCH=/path/to/llama-bench adds llama.cpp's own figures (same model and threads; generation
 * at depth 512, where a chat turn generates). Prints a table and BENCH_JSON rows for `npm run bench`.
 *
 * A llama-bench with exactly node-llama-cpp's kernels: build it against the prebuilt libraries
 * (B = node_modules/@node-llama-cpp/linux-x64/bins/linux-x64, S = a clone of
 * node_modules/node-llama-cpp/llama/gitRelease.bundle):
 *   g++ -O2 -DNDEBUG -std=c++17 -I$S/include -I$S/ggml/include -I$S/common -I$S/vendor \
 *     $S/tools/llama-bench/llama-bench.cpp $S/tools/llama-bench/main.cpp -o llama-bench -L$B \
 *     -l:libllama-common.so -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,$B
 *   ln -s $B/libggml-cpu-*.so .   # the CPU backends load from the binary's folder
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LLamaChatGenerateResponseOptions, LlamaContext } from 'node-llama-cpp';
import type { StreamChunk } from '../src/core/chunks';
import { physicalCoreCount } from '../src/providers/local/cpuCores';
import { LOCAL_DEFAULTS } from '../src/providers/local/localDefaults';
import { LocalProvider } from '../src/providers/local/localProvider';
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

/** R1 Coder's sampler chain (see worker.ts): temperature, top-k, top-p, no repeat penalty. */
const R1_SAMPLING = {
  temperature: LOCAL_DEFAULTS.temperature,
  topP: LOCAL_DEFAULTS.topP,
  topK: LOCAL_DEFAULTS.topK,
  repeatPenalty: false,
} as const;

/** The settings R1 Coder changes, one at a time from node-llama-cpp's defaults, and two references (--gap). */
const VARIANTS: Record<
  string,
  {
    readonly env: Record<string, string>;
    readonly flashAttention?: boolean;
    readonly sampling: LLamaChatGenerateResponseOptions;
  }
> = {
  'node-llama-cpp defaults (threads set)': { env: {}, sampling: { temperature: 0.6, topP: 0.95 } },
  '+ one libuv pool thread': { env: { UV_THREADPOOL_SIZE: '1' }, sampling: { temperature: 0.6, topP: 0.95 } },
  '+ no repeat penalty (= R1 Coder)': { env: { UV_THREADPOOL_SIZE: '1' }, sampling: R1_SAMPLING },
  'R1 Coder, flash attention off': { env: { UV_THREADPOOL_SIZE: '1' }, flashAttention: false, sampling: R1_SAMPLING },
  'R1 Coder, no top-k': { env: { UV_THREADPOOL_SIZE: '1' }, sampling: { ...R1_SAMPLING, topK: 0 } },
};

/** ASCII text costs one token per character with the shaped model's byte-level vocabulary. */
function question(round: number, tokens: number): string {
  const head = `Run ${round}: explain this code. `;
  const filler = 'for (let i = 0; i < n; i++) total += values[i];\n';
  let text = head;
  while (text.length < tokens) text += filler;
  return text.slice(0, tokens);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** One chat turn through node-llama-cpp's LlamaChat: 512 prompt tokens, then 128 generated. */
async function directRun(
  context: LlamaContext,
  round: number,
  sampling: LLamaChatGenerateResponseOptions,
): Promise<Run> {
  const nlc = await import('node-llama-cpp');
  const sequence = context.getSequence();
  const chat = new nlc.LlamaChat({ contextSequence: sequence });
  const text = question(round, PROMPT_TOKENS - 3); // + BOS, <｜User｜>, <｜Assistant｜>
  const t0 = performance.now();
  let first = 0;
  let tokens = 0;
  await chat.generateResponse(
    [
      { type: 'user', text },
      { type: 'model', response: [] },
    ],
    {
      ...sampling,
      maxTokens: GENERATED_TOKENS,
      onResponseChunk: (chunk) => {
        if (chunk.tokens.length > 0 && first === 0) first = performance.now();
        tokens += chunk.tokens.length;
      },
    },
  );
  const end = performance.now();
  chat.dispose();
  await sequence.dispose();
  return { prompt: PROMPT_TOKENS / ((first - t0) / 1000), generation: (tokens - 1) / ((end - first) / 1000) };
}

/** flashAttention undefined = node-llama-cpp's default, "auto" (what the worker passes too). */
async function openDirect(modelPath: string, flashAttention: boolean | 'auto' | undefined) {
  const nlc = await import('node-llama-cpp');
  const llama = await nlc.getLlama({ gpu: 'auto', maxThreads: 0, logLevel: nlc.LlamaLogLevel.error });
  const started = Date.now();
  const model = await llama.loadModel({ modelPath, gpuLayers: 'auto' });
  const context = await model.createContext({
    contextSize: { min: CONTEXT_CAP, max: CONTEXT_CAP },
    threads: THREADS,
    flashAttention,
  });
  return { model, context, loadMs: Date.now() - started };
}

async function compare(modelPath: string): Promise<void> {
  const workerPath = await buildLocalWorker(join(root, 'out', 'bench', 'localWorker.js'));
  // (a) node-llama-cpp directly, configured as the worker configures it.
  const direct = await openDirect(modelPath, 'auto');
  // (b) the provider: worker process, IPC, ThinkSplitter, forced "<think>\n".
  const loadStarted = Date.now();
  let readyAt = 0;
  const provider = new LocalProvider({
    modelPath,
    workerPath,
    threads: THREADS,
    contextSizeCap: CONTEXT_CAP,
    idleMinutes: 0,
    onLoadProgress: (event) => {
      if (event.phase === 'ready' && readyAt === 0) readyAt = Date.now();
    },
  });
  const throughProvider = async (round: number): Promise<Run> => {
    const text = question(round, PROMPT_TOKENS - 5); // + BOS, <｜User｜>, <｜Assistant｜>, <think>, \n
    const t0 = performance.now();
    let first = 0;
    let completion = 0;
    let failure: string | undefined;
    const stream: AsyncIterable<StreamChunk> = provider.stream({
      messages: [{ role: 'user', content: text }],
      signal: new AbortController().signal,
      maxTokens: GENERATED_TOKENS,
    });
    for await (const chunk of stream) {
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
  const providerLoadMs = Date.now() - loadStarted;
  await directRun(direct.context, -1, R1_SAMPLING);

  const llamaBench = process.env.LLAMA_BENCH;
  const results: Record<'direct' | 'provider' | 'llamaBench', Run[]> = { direct: [], provider: [], llamaBench: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so drift in machine load favours neither side.
    const order = round % 2 === 0 ? (['direct', 'provider'] as const) : (['provider', 'direct'] as const);
    for (const side of order)
      results[side].push(
        side === 'direct' ? await directRun(direct.context, round, R1_SAMPLING) : await throughProvider(round),
      );
    if (llamaBench) results.llamaBench.push(runLlamaBench(llamaBench, modelPath));
    process.stderr.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  provider.dispose();
  await direct.context.dispose();
  await direct.model.dispose();

  const a = summarize(results.direct);
  const b = summarize(results.provider);
  const promptRatio = b.prompt / a.prompt;
  const generationRatio = b.generation / a.generation;
  console.log(`\n${'tok/s'.padEnd(32)}${'(a) node-llama-cpp'.padEnd(20)}${'(b) LocalProvider'.padEnd(20)}(b)/(a)`);
  console.log(
    `${'prompt, 512 tokens'.padEnd(32)}${a.prompt.toFixed(1).padEnd(20)}${b.prompt.toFixed(1).padEnd(20)}${promptRatio.toFixed(3)}`,
  );
  console.log(
    `${'generation, 128 tokens'.padEnd(32)}${a.generation.toFixed(1).padEnd(20)}${b.generation.toFixed(1).padEnd(20)}${generationRatio.toFixed(3)}`,
  );
  console.log(
    `medians of ${ROUNDS} alternating runs (prompt/generation): (a) ${format(results.direct)}  (b) ${format(results.provider)}`,
  );
  console.log(
    `load: (a) ${direct.loadMs} ms in process; (b) ${readyAt - loadStarted} ms including the worker start ` +
      `(${providerLoadMs} ms to the end of the warm-up request: ${PROMPT_TOKENS}-token prompt, ${GENERATED_TOKENS} tokens)`,
  );
  console.log(`target (b)/(a) ≥ 0.98: ${Math.min(promptRatio, generationRatio) >= 0.98 ? 'met' : 'missed'}`);

  json('prompt 512, node-llama-cpp', a.prompt, 'tok/s');
  json('prompt 512, LocalProvider', b.prompt, 'tok/s');
  json('prompt, LocalProvider / node-llama-cpp', promptRatio, 'ratio');
  json('generation 128, node-llama-cpp', a.generation, 'tok/s');
  json('generation 128, LocalProvider', b.generation, 'tok/s');
  json('generation, LocalProvider / node-llama-cpp', generationRatio, 'ratio');
  if (results.llamaBench.length) {
    const c = summarize(results.llamaBench);
    console.log(
      `llama-bench (same model, ${THREADS} threads, pp512 and tg128 @ depth 512): ${c.prompt.toFixed(1)} / ${c.generation.toFixed(1)} tok/s; LocalProvider / llama-bench: prompt ${(b.prompt / c.prompt).toFixed(3)}, generation ${(b.generation / c.generation).toFixed(3)}`,
    );
    json('prompt 512, llama-bench', c.prompt, 'tok/s');
    json('generation 128 @ depth 512, llama-bench', c.generation, 'tok/s');
  }
  console.log(
    `BENCH_SUMMARY ${JSON.stringify({ bench: 'local', threads: THREADS, rounds: ROUNDS, prompt: { nodeLlamaCpp: a.prompt, provider: b.prompt, ratio: promptRatio }, generation: { nodeLlamaCpp: a.generation, provider: b.generation, ratio: generationRatio } })}`,
  );
}

/** --gap: each setting in its own process (the libuv pool size is per process), alternating. */
function gap(modelPath: string): void {
  const results = new Map<string, Run[]>();
  const llamaBench = process.env.LLAMA_BENCH;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--variant', name, modelPath], {
        encoding: 'utf8',
        env: { ...withoutPoolSize(process.env), ...variant.env },
      });
      const line = child.stdout.split('\n').find((candidate) => candidate.startsWith('VARIANT '));
      if (!line) throw new Error(`${name}: ${child.stderr || child.stdout}`);
      results.set(name, [...(results.get(name) ?? []), JSON.parse(line.slice('VARIANT '.length)) as Run]);
    }
    if (llamaBench)
      results.set('llama-bench (fa auto)', [
        ...(results.get('llama-bench (fa auto)') ?? []),
        runLlamaBench(llamaBench, modelPath),
      ]);
    process.stderr.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  console.log(`\n${'tok/s, medians'.padEnd(40)}${'prompt 512'.padEnd(14)}generation 128 @ depth 512`);
  for (const [name, runs] of results) {
    const { prompt, generation } = summarize(runs);
    console.log(`${name.padEnd(40)}${prompt.toFixed(1).padEnd(14)}${generation.toFixed(1)}   (${format(runs)})`);
    json(`gap: ${name}, prompt`, prompt, 'tok/s');
    json(`gap: ${name}, generation`, generation, 'tok/s');
  }
}

async function variant(name: string, modelPath: string): Promise<void> {
  const settings = VARIANTS[name];
  if (!settings) throw new Error(`unknown variant ${name}`);
  const direct = await openDirect(modelPath, settings.flashAttention);
  await directRun(direct.context, -1, settings.sampling); // warm-up
  const run = await directRun(direct.context, 0, settings.sampling);
  console.log(`VARIANT ${JSON.stringify(run)}`);
  await direct.context.dispose();
  await direct.model.dispose();
}

function runLlamaBench(binary: string, modelPath: string): Run {
  const common = ['-m', modelPath, '-t', String(THREADS), '-r', '1', '--no-warmup', '-o', 'json'];
  const run = (args: string[]) =>
    (
      JSON.parse(
        execFileSync(binary, [...common, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      ) as { avg_ts: number }[]
    )[0]?.avg_ts ?? NaN;
  // A chat turn generates after its prompt, so generation is compared at the same depth.
  return {
    prompt: run(['-p', String(PROMPT_TOKENS), '-n', '0']),
    generation: run(['-p', '0', '-n', String(GENERATED_TOKENS), '-d', String(PROMPT_TOKENS)]),
  };
}

function summarize(runs: readonly Run[]): Run {
  return { prompt: median(runs.map((run) => run.prompt)), generation: median(runs.map((run) => run.generation)) };
}

function format(runs: readonly Run[]): string {
  return runs.map((run) => `${run.prompt.toFixed(0)}/${run.generation.toFixed(1)}`).join(' ');
}

function json(metric: string, value: number, unit: string): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'local', metric, value, unit })}`);
}

function withoutPoolSize(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.UV_THREADPOOL_SIZE;
  return copy;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const variantAt = args.indexOf('--variant');
  if (variantAt >= 0) return variant(args[variantAt + 1] ?? '', args[variantAt + 2] ?? '');
  if (!args.includes('--gap') && process.env.UV_THREADPOOL_SIZE !== '1') {
    // The worker runs with one libuv pool thread (see LocalProvider) and (a) must match; the pool
    // size is fixed at its first use, so this script restarts itself with it set.
    const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    });
    process.exitCode = result.status ?? 1;
    return;
  }
  const started = Date.now();
  const { path: modelPath, created } = ensureShapedModel(root);
  console.log(
    `model: ${modelPath}${created ? ` (synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s)` : ' (cached)'}`,
  );
  console.log(
    `threads: ${THREADS}, rounds: ${ROUNDS}, prompt ${PROMPT_TOKENS} tokens, generation ${GENERATED_TOKENS} tokens`,
  );
  if (args.includes('--gap')) gap(modelPath);
  else await compare(modelPath);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
