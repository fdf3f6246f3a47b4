/**
 * npm run bench:speculative — speculative decoding in R1 Coder's LocalProvider (worker process,
 * IPC, ThinkSplitter), on workloads built so that acceptance means something:
 *
 *   fix answer      a chain model (test/gguf/chainModel.ts) whose fixed answer copies a 60-line
 *                   function from its prompt with one line changed, with the per-token cost of a
 *                   Qwen2.5-0.5B-shaped model (BENCH_SPEC_SHAPE=1.5b: the R1-Distill-Qwen-1.5B shape).
 *                   Modes: none, input lookup, and a tiny draft model that agrees with the main model
 *                   on 3 of 4 states (a synthetic acceptance rate, chosen, not measured).
 *   no acceptance   the 1.5B-shaped random model (test/gguf/shapedModel.ts): input lookup, and a draft
 *                   with its vocabulary that always proposes a token the model never emits (every
 *                   draft refuted), against none. Speculation must switch itself off here.
 *
 * Figures: answer tok/s (tokens after the first answer token), acceptance (accepted / drafted). The
 * chain models' acceptance rates are properties of the synthetic workload, not of real models.
 *
 * Environment: BENCH_ROUNDS (default 1), BENCH_THREADS (default: physical cores, as the provider),
 * BENCH_SPEC_SHAPE (0.5b | 1.5b),
 * LLAMA_SERVER=/path/to/llama-server adds llama.cpp's server on the same fix workload (built from
 * node-llama-cpp's bundled llama.cpp like llama-bench, see bench-local.ts), with no speculation,
 * `--spec-type ngram-simple` and the draft model, and prints `fix answer, R1 Coder / llama-server best`.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { SpeculativeUsage, StreamChunk } from '../src/core/chunks';
import { physicalCoreCount } from '../src/providers/local/cpuCores';
import { LocalProvider } from '../src/providers/local/localProvider';
import type { LocalProviderOptions } from '../src/providers/local/localProviderOptions';
import {
  DISTILL_1_5B_CHAIN_SHAPE,
  ensureChainModel,
  fixWorkload,
  TINY_CHAIN_SHAPE,
  type ChainShape,
} from '../test/gguf/chainModel';
import { ensureShapedModel, R1_DISTILL_1_5B_SHAPE } from '../test/gguf/shapedModel';
import { buildLocalWorker } from '../test/support/localWorkerBundle';

const root = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const THREADS = Number(process.env.BENCH_THREADS ?? 0) || physicalCoreCount();
const QWEN_0_5B_SHAPE: ChainShape = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, ffn: 4864 };
const MAIN_SHAPE = process.env.BENCH_SPEC_SHAPE === '1.5b' ? DISTILL_1_5B_CHAIN_SHAPE : QWEN_0_5B_SHAPE;
const VOCAB = R1_DISTILL_1_5B_SHAPE.vocab;
/** The draft agrees with the main model on 1 - 1/4 of its states. */
const DISAGREE_EVERY = 4;
const NO_ACCEPTANCE_TOKENS = 128;

interface Turn {
  readonly answerTps: number;
  readonly tokens: number;
  readonly speculative?: SpeculativeUsage;
}

async function turn(
  provider: LocalProvider,
  prompt: string,
  maxTokens: number | undefined,
  countAll: boolean,
): Promise<Turn> {
  let first = 0;
  let tokens = 0;
  let speculative: SpeculativeUsage | undefined;
  let failure: string | undefined;
  const stream: AsyncIterable<StreamChunk> = provider.stream({
    messages: [{ role: 'user', content: prompt }],
    signal: new AbortController().signal,
    maxTokens,
  });
  for await (const chunk of stream) {
    const counts = chunk.type === 'answer' || (countAll && chunk.type === 'reasoning');
    if (counts && first === 0) first = performance.now();
    if (chunk.type === 'usage') {
      tokens = countAll
        ? chunk.usage.completionTokens
        : chunk.usage.completionTokens - (chunk.usage.reasoningTokens ?? 0);
      speculative = chunk.usage.speculative;
    }
    if (chunk.type === 'error') failure = chunk.error.message;
  }
  const end = performance.now();
  if (failure) throw new Error(failure);
  return { answerTps: (tokens - 1) / ((end - first) / 1000), tokens, speculative };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

interface Mode {
  readonly name: string;
  readonly options: Partial<LocalProviderOptions>;
}

/** Each mode in its own provider (worker), a warm-up turn first, rounds alternating between modes. */
async function measure(
  workerPath: string,
  modelPath: string,
  modes: readonly Mode[],
  prompt: string,
  maxTokens: number | undefined,
  countAll: boolean,
): Promise<Map<string, Turn[]>> {
  const results = new Map<string, Turn[]>(modes.map((mode) => [mode.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const provider = new LocalProvider({
        modelPath,
        workerPath,
        gpuLayers: 0,
        threads: THREADS,
        contextSizeCap: 2048,
        seed: 1,
        ...mode.options,
      });
      try {
        // A fresh worker per measured turn, loaded by a tiny turn first, so the prompt is evaluated
        // in full and no KV cache is shared between modes.
        await turn(provider, 'Hi', 4, true);
        results.get(mode.name)!.push(await turn(provider, `${prompt}\n\n(run ${round})`, maxTokens, countAll));
      } finally {
        provider.dispose();
      }
      process.stderr.write(`  ${mode.name}: round ${round + 1}/${ROUNDS}\r`);
    }
  }
  return results;
}

function row(label: string, turns: readonly Turn[], baseline?: number): number {
  const tps = median(turns.map((t) => t.answerTps));
  const spec = turns.at(-1)?.speculative;
  const acceptance =
    spec && spec.drafted > 0 ? `${((100 * spec.accepted) / spec.drafted).toFixed(0)}% of ${spec.drafted}` : '—';
  const ratio = baseline ? (tps / baseline).toFixed(2) : '1.00';
  console.log(`${label.padEnd(44)}${tps.toFixed(2).padEnd(12)}${ratio.padEnd(10)}${acceptance}`);
  return tps;
}

function json(metric: string, value: number, unit: string): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'speculative', metric, value, unit })}`);
}

async function main(): Promise<void> {
  const workerPath = await buildLocalWorker(join(root, 'out', 'bench', 'localWorker.js'));
  const fix = fixWorkload(60);
  const shapeTag = MAIN_SHAPE === DISTILL_1_5B_CHAIN_SHAPE ? '1.5b' : '0.5b';
  const main = ensureChainModel(root, `fix-${shapeTag}`, fix.script, { shape: MAIN_SHAPE, vocabularySize: VOCAB });
  const draft = ensureChainModel(root, 'fix-draft', fix.script, {
    shape: TINY_CHAIN_SHAPE,
    vocabularySize: VOCAB,
    disagreeEvery: DISAGREE_EVERY,
  });
  const shaped = ensureShapedModel(root);
  // The shaped model's vocabulary (no script pieces, same fillers); "wrs" (id 1000) is a filler the
  // random model practically never samples.
  const wrongDraft = ensureChainModel(root, 'always-wrong-draft', '', {
    shape: TINY_CHAIN_SHAPE,
    vocabularySize: VOCAB,
    alwaysPredict: 'wrs',
  });

  console.log(
    `threads ${THREADS}, ${ROUNDS} round(s); fix answer on a ${shapeTag}-shaped chain model, no acceptance on the 1.5B-shaped random model`,
  );
  console.log(`${'answer tok/s'.padEnd(44)}${'tok/s'.padEnd(12)}${'× none'.padEnd(10)}acceptance (accepted / drafted)`);

  const fixResults = await measure(
    workerPath,
    main.path,
    [
      { name: 'none', options: { speculative: false } },
      { name: 'input lookup', options: { speculative: true } },
      { name: 'draft', options: { speculative: true, draftModelPath: draft.path } },
    ],
    fix.prompt,
    undefined,
    false,
  );
  const fixNone = row('fix answer, none', fixResults.get('none')!);
  const fixLookup = row('fix answer, input lookup', fixResults.get('input lookup')!, fixNone);
  const fixDraft = row(
    `fix answer, draft (agrees on ${100 - 100 / DISAGREE_EVERY}%, synthetic)`,
    fixResults.get('draft')!,
    fixNone,
  );

  // One token per character with the shaped model's byte-level vocabulary: 20 lines fit the context.
  const code = fix.prompt.split('```ts\n')[1]!.split('\n').slice(0, 20).join('\n');
  const question = `Explain this function:\n\n\`\`\`ts\n${code}\n\`\`\``;
  const zero = await measure(
    workerPath,
    shaped.path,
    [
      { name: 'none', options: { speculative: false } },
      { name: 'input lookup', options: { speculative: true } },
      { name: 'draft', options: { speculative: true, draftModelPath: wrongDraft.path } },
    ],
    question,
    NO_ACCEPTANCE_TOKENS,
    true,
  );
  const zeroNone = row('no acceptance (1.5B random), none', zero.get('none')!);
  const zeroLookup = row('no acceptance, input lookup', zero.get('input lookup')!, zeroNone);
  const zeroDraft = row('no acceptance, draft always wrong', zero.get('draft')!, zeroNone);

  json('fix answer, none', fixNone, 'tok/s');
  json('fix answer, input lookup', fixLookup, 'tok/s');
  json('fix answer, draft model (synthetic 75% agreement)', fixDraft, 'tok/s');
  json('fix answer, input lookup / none', fixLookup / fixNone, 'ratio');
  json('fix answer, draft model / none', fixDraft / fixNone, 'ratio');
  const lookupSpec = fixResults.get('input lookup')!.at(-1)?.speculative;
  if (lookupSpec?.drafted)
    json('fix answer, input lookup acceptance', lookupSpec.accepted / lookupSpec.drafted, 'ratio');
  const draftSpec = fixResults.get('draft')!.at(-1)?.speculative;
  if (draftSpec?.drafted)
    json('fix answer, draft acceptance (synthetic)', draftSpec.accepted / draftSpec.drafted, 'ratio');
  json('no acceptance, input lookup / none', zeroLookup / zeroNone, 'ratio');
  json('no acceptance, draft / none', zeroDraft / zeroNone, 'ratio');
  // The worst of the two speculative modes: what a user pays when nothing is accepted.
  json('no acceptance, speculative / none', Math.min(zeroLookup, zeroDraft) / zeroNone, 'ratio');

  const best = Math.max(fixLookup, fixDraft);
  console.log(
    `targets: fix answer ≥ 1.5× none: ${fixLookup / fixNone >= 1.5 ? 'met' : 'missed'} (${(fixLookup / fixNone).toFixed(2)}×); ` +
      `no acceptance ≥ 0.95× none: ${Math.min(zeroLookup, zeroDraft) / zeroNone >= 0.95 ? 'met' : 'missed'} (${(Math.min(zeroLookup, zeroDraft) / zeroNone).toFixed(2)}×)`,
  );

  const server = process.env.LLAMA_SERVER;
  if (server) {
    const figures = [
      await llamaServer(server, main.path, [], fix.prompt),
      await llamaServer(server, main.path, ['--spec-type', 'ngram-simple'], fix.prompt),
      await llamaServer(server, main.path, ['-md', draft.path], fix.prompt),
    ];
    console.log(
      `llama-server (none, ngram-simple, draft): ${figures.map((value) => value.toFixed(2)).join(', ')} tok/s`,
    );
    json('fix answer, llama-server best', Math.max(...figures), 'tok/s');
    json('fix answer, R1 Coder / llama-server best', best / Math.max(...figures), 'ratio');
  } else {
    console.log('LLAMA_SERVER not set: no llama-server figures');
  }
}

/** Generation tok/s that llama-server reports for the fix prompt (its own timings, greedy). */
async function llamaServer(binary: string, modelPath: string, extra: string[], prompt: string): Promise<number> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(
    binary,
    ['-m', modelPath, '-t', String(THREADS), '-c', '2048', '--port', String(port), ...extra],
    {
      stdio: 'ignore',
    },
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 600; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await delay(100);
    }
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: prompt }], temperature: 0.6, top_p: 0.95, seed: 1 }),
    });
    const body = (await response.json()) as { timings?: { predicted_per_second?: number } };
    return body.timings?.predicted_per_second ?? NaN;
  } finally {
    child.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
