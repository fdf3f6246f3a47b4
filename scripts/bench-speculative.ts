/**
 * npm run bench:speculative — speculative decoding in R1 Coder's LocalProvider (worker process,
 * IPC, ThinkSplitter), on workloads built so that acceptance means something:
 *
 *   fix answer      a chain model (test/gguf/chainModel.ts) whose fixed answer copies a 60-line
 *                   function from its prompt with one line changed, with the per-token cost of
 *                   R1-Distill-Qwen-1.5B, the smallest R1 distill (BENCH_SPEC_SHAPE=0.5b: a
 *                   Qwen2.5-0.5B shape, where fixed per-step costs weigh more).
 *                   Modes: none, input lookup, and a tiny draft model that agrees with the main model
 *                   on 3 of 4 states (a synthetic acceptance rate, chosen, not measured).
 *   no acceptance   the 1.5B-shaped random model (test/gguf/shapedModel.ts): input lookup, and a draft
 *                   with its vocabulary that always proposes a token the model never emits (every
 *                   draft refuted), against none. Speculation must switch itself off here.
 *
 * Figures: answer tok/s (tokens after the first answer token, timed where the stream arrives),
 * acceptance (accepted / drafted), medians of BENCH_ROUNDS rounds that alternate the modes' order so
 * machine noise hits all alike. The chain models' acceptance rates are properties of the synthetic
 * workload, not of real models.
 *
 *   --pair          instead: a draft model at a real size ratio, a 1.5B-shaped chain model drafting
 *                   for a 7B-shaped one (slow on a CPU: about a minute per turn on 2 cores).
 *
 * Environment: BENCH_ROUNDS (default 3; at least 5 for the short no-acceptance turns),
 * BENCH_THREADS (default: physical cores, as the provider),
 * BENCH_SPEC_SHAPE (1.5b | 0.5b),
 * LLAMA_SERVER=/path/to/llama-server adds llama.cpp's server on the same fix workload, in the same
 * rounds (how to build it with node-llama-cpp's kernels: scripts/benchLlamaServer.ts): no
 * speculation, `--spec-type ngram-simple` at its defaults and two tuned n-gram sizes, and the draft
 * model; prints `fix answer, R1 Coder / llama-server best` (our best mode / its best mode).
 */

import { join } from 'node:path';
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
import { llamaServerTurn, type ServerTurn } from './benchLlamaServer';

const root = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = Number(process.env.BENCH_THREADS ?? 0) || physicalCoreCount();
const QWEN_0_5B_SHAPE: ChainShape = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, ffn: 4864 };
const MAIN_SHAPE = process.env.BENCH_SPEC_SHAPE === '0.5b' ? QWEN_0_5B_SHAPE : DISTILL_1_5B_CHAIN_SHAPE;
const VOCAB = R1_DISTILL_1_5B_SHAPE.vocab;
const CONTEXT_SIZE = 2048;
/** The draft agrees with the main model on 1 - 1/4 of its states. */
const DISAGREE_EVERY = 4;
const NO_ACCEPTANCE_TOKENS = 128;
const ZERO_ROUNDS = Math.max(ROUNDS, 5);

interface Turn {
  readonly answerTps: number;
  /** Answer tokens (all tokens when the workload counts the thought too). */
  readonly tokens: number;
  /** Thought and answer. */
  readonly completionTokens: number;
  readonly speculative?: Pick<SpeculativeUsage, 'accepted' | 'drafted'>;
}

async function turn(
  provider: LocalProvider,
  prompt: string,
  maxTokens: number | undefined,
  countAll: boolean,
): Promise<Turn> {
  let first = 0;
  let tokens = 0;
  let completionTokens = 0;
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
      completionTokens = chunk.usage.completionTokens;
      tokens = countAll ? completionTokens : completionTokens - (chunk.usage.reasoningTokens ?? 0);
      speculative = chunk.usage.speculative;
    }
    if (chunk.type === 'error') failure = chunk.error.message;
  }
  const end = performance.now();
  if (failure) throw new Error(failure);
  return { answerTps: (tokens - 1) / ((end - first) / 1000), tokens, completionTokens, speculative };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

type Mode =
  | { readonly name: string; readonly provider: Partial<LocalProviderOptions> }
  | { readonly name: string; readonly server: readonly string[] };

/**
 * Each mode fresh per measured turn (a new worker, or a new llama-server), loaded by a tiny turn
 * first, so the prompt is evaluated in full and no KV cache is shared; rounds alternate the order.
 */
async function measure(
  rounds: number,
  workerPath: string,
  modelPath: string,
  modes: readonly Mode[],
  prompt: string,
  maxTokens: number | undefined,
  countAll: boolean,
): Promise<Map<string, Turn[]>> {
  const results = new Map<string, Turn[]>(modes.map((mode) => [mode.name, []]));
  const serverTurns = new Map<string, ServerTurn[]>();
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const question = `${prompt}\n\n(run ${round})`;
      if ('server' in mode) {
        const options = { binary: process.env.LLAMA_SERVER!, modelPath, threads: THREADS, contextSize: CONTEXT_SIZE };
        const turns = serverTurns.get(mode.name) ?? [];
        turns.push(await llamaServerTurn({ ...options, args: mode.server }, question));
        serverTurns.set(mode.name, turns);
      } else {
        const provider = new LocalProvider({
          modelPath,
          workerPath,
          gpuLayers: 0,
          threads: THREADS,
          contextSizeCap: CONTEXT_SIZE,
          seed: 1,
          ...mode.provider,
        });
        try {
          await turn(provider, 'Hi', 4, true);
          results.get(mode.name)!.push(await turn(provider, question, maxTokens, countAll));
        } finally {
          provider.dispose();
        }
      }
      process.stderr.write(`  ${mode.name}: round ${round + 1}/${rounds}\x1b[K\r`);
    }
  }
  // The server streams the same reply (the chain model's is fixed): its answer has as many tokens
  // as ours, which it does not report apart from the thought. It generates the opening `<think>\n`
  // itself (2 tokens) where R1 Coder puts it in the prompt.
  const ours = [...results.values()].flat()[0];
  for (const [name, turns] of serverTurns) {
    results.set(
      name,
      turns.map((server) => {
        if (ours && Math.abs(server.predicted - ours.completionTokens) > 2) {
          throw new Error(
            `${name}: llama-server generated ${server.predicted} tokens, R1 Coder ${ours.completionTokens}`,
          );
        }
        const tokens = ours?.tokens ?? NaN;
        return {
          answerTps: (tokens - 1) / (server.answerMs / 1000),
          tokens,
          completionTokens: server.predicted,
          speculative: { drafted: server.drafted, accepted: server.accepted },
        };
      }),
    );
  }
  return results;
}

function row(label: string, turns: readonly Turn[], baseline?: number): number {
  const tps = median(turns.map((t) => t.answerTps));
  const spec = turns.at(-1)?.speculative;
  const acceptance =
    spec && spec.drafted > 0 ? `${((100 * spec.accepted) / spec.drafted).toFixed(0)}% of ${spec.drafted}` : '—';
  const ratio = baseline ? (tps / baseline).toFixed(2) : '1.00';
  const spread = turns.length > 1 ? ` (${turns.map((t) => t.answerTps.toFixed(1)).join(', ')})` : '';
  console.log(`${label.padEnd(52)}${tps.toFixed(2).padEnd(10)}${ratio.padEnd(9)}${acceptance.padEnd(16)}${spread}`);
  return tps;
}

function json(metric: string, value: number, unit: string): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'speculative', metric, value, unit })}`);
}

function verdict(what: string, value: number, target: number): void {
  console.log(`${value >= target ? 'PASS' : 'FAIL'} ${what}: ${value.toFixed(2)} (target ≥ ${target})`);
}

/** R1 Coder's modes: no speculation, input lookup, and a draft model. */
function providerModes(draftModelPath: string): Mode[] {
  return [
    { name: 'none', provider: { speculative: false } },
    { name: 'input lookup', provider: { speculative: true } },
    { name: 'draft', provider: { speculative: true, draftModelPath } },
  ];
}

/** llama-server's speculative modes on the fix workload: its defaults, two tuned n-gram sizes, the draft. */
function serverModes(draftPath: string): Mode[] {
  if (!process.env.LLAMA_SERVER) return [];
  const ngram = (n: number, m: number) => [
    '--spec-type',
    'ngram-simple',
    '--spec-ngram-simple-size-n',
    String(n),
    '--spec-ngram-simple-size-m',
    String(m),
  ];
  return [
    { name: 'llama-server none', server: [] },
    { name: 'llama-server ngram-simple', server: ['--spec-type', 'ngram-simple'] },
    { name: 'llama-server ngram-simple n2 m16', server: ngram(2, 16) },
    { name: 'llama-server ngram-simple n4 m32', server: ngram(4, 32) },
    { name: 'llama-server draft', server: ['-md', draftPath, '--spec-type', 'draft-simple'] },
  ];
}

async function main(): Promise<void> {
  const workerPath = await buildLocalWorker(join(root, 'out', 'bench', 'localWorker.js'));
  const fix = fixWorkload(60);
  if (process.argv.includes('--pair')) return draftPair(workerPath, fix);
  const shapeTag = MAIN_SHAPE === QWEN_0_5B_SHAPE ? '0.5b' : '1.5b';
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
    `threads ${THREADS}, median of ${ROUNDS} round(s) (no acceptance: ${ZERO_ROUNDS}); fix answer on a ${shapeTag}-shaped chain model, no acceptance on the 1.5B-shaped random model`,
  );
  console.log(`${'answer tok/s'.padEnd(52)}${'tok/s'.padEnd(10)}${'× none'.padEnd(9)}${'accepted'.padEnd(16)}(rounds)`);

  const servers = serverModes(draft.path);
  const fixResults = await measure(
    ROUNDS,
    workerPath,
    main.path,
    [...providerModes(draft.path), ...servers],
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
  const serverFigures = servers.map((mode) => row(`fix answer, ${mode.name}`, fixResults.get(mode.name)!, fixNone));

  // One token per character with the shaped model's byte-level vocabulary: 20 lines fit the context.
  const code = fix.prompt.split('```ts\n')[1]!.split('\n').slice(0, 20).join('\n');
  const question = `Explain this function:\n\n\`\`\`ts\n${code}\n\`\`\``;
  // Short turns, and a ratio judged against 0.95: more rounds.
  const zero = await measure(
    ZERO_ROUNDS,
    workerPath,
    shaped.path,
    providerModes(wrongDraft.path),
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
  const zeroWorst = Math.min(zeroLookup, zeroDraft) / zeroNone;
  json('no acceptance, speculative / none', zeroWorst, 'ratio');

  verdict('fix answer, input lookup / none', fixLookup / fixNone, 1.5);
  verdict('no acceptance, speculative / none', zeroWorst, 0.95);
  if (servers.length) {
    const best = Math.max(fixLookup, fixDraft);
    const serverBest = Math.max(...serverFigures.slice(1));
    json('fix answer, llama-server none', serverFigures[0]!, 'tok/s');
    json('fix answer, llama-server best', serverBest, 'tok/s');
    json('fix answer, R1 Coder none / llama-server none', fixNone / serverFigures[0]!, 'ratio');
    json('fix answer, R1 Coder / llama-server best', best / serverBest, 'ratio');
    verdict('fix answer, R1 Coder / llama-server best', best / serverBest, 1.0);
  } else {
    console.log('LLAMA_SERVER not set: no llama-server figures (see scripts/benchLlamaServer.ts to build one)');
  }
}

/** R1-Distill-Qwen-7B's shape (Qwen2.5-7B), with the 1.5B's vocabulary: what the 1.5B drafts for. */
const DISTILL_7B_CHAIN_SHAPE: ChainShape = { hidden: 3584, layers: 28, heads: 28, kvHeads: 4, ffn: 18944 };

/**
 * --pair: a draft model at a real size ratio, a 1.5B-shaped chain model drafting for a 7B-shaped one
 * (agreeing on 3 of 4 states, synthetic), where the draft's own steps cost a fifth of the main
 * model's rather than about as much as node-llama-cpp's fixed per-step cost.
 */
async function draftPair(workerPath: string, fix: ReturnType<typeof fixWorkload>): Promise<void> {
  const main = ensureChainModel(root, 'fix-7b', fix.script, { shape: DISTILL_7B_CHAIN_SHAPE, vocabularySize: VOCAB });
  const draft = ensureChainModel(root, 'fix-draft-1.5b', fix.script, {
    shape: DISTILL_1_5B_CHAIN_SHAPE,
    vocabularySize: VOCAB,
    disagreeEvery: DISAGREE_EVERY,
  });
  console.log(`threads ${THREADS}, median of ${ROUNDS} round(s); fix answer on a 7B-shaped chain model`);
  const results = await measure(ROUNDS, workerPath, main.path, providerModes(draft.path), fix.prompt, undefined, false);
  const none = row('fix answer, 7B-shaped, none', results.get('none')!);
  const lookup = row('fix answer, 7B-shaped, input lookup', results.get('input lookup')!, none);
  const drafted = row('fix answer, 7B-shaped, draft 1.5B-shaped (75%, synthetic)', results.get('draft')!, none);
  json('fix answer 7B, input lookup / none', lookup / none, 'ratio');
  json('fix answer 7B, draft 1.5B (synthetic 75% agreement) / none', drafted / none, 'ratio');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
