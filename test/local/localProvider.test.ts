/**
 * LocalProvider end to end: the production worker bundle, the real node-llama-cpp, and synthesized
 * GGUF files (test/gguf) whose output is known token for token. Nothing is mocked.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/core/chatSession';
import type { StreamChunk, Usage } from '../../src/core/chunks';
import type { R1Error } from '../../src/core/errors';
import type { ChatMessage } from '../../src/core/provider';
import { linuxPhysicalCores, physicalCoreCount } from '../../src/providers/local/cpuCores';
import { LocalProvider } from '../../src/providers/local/localProvider';
import type { LocalLoadProgress, LocalProviderOptions } from '../../src/providers/local/localProviderOptions';
import { writeDuplicateTokenModel, writeHugeModel, writeNotGguf, writeTruncatedModel } from '../gguf/badFiles';
import { DEFAULT_SCRIPT, expectedSplit, longScript, writeScriptModel } from '../gguf/scriptModel';
import { writeShapedModel } from '../gguf/shapedModel';
import { buildLocalWorker } from '../support/localWorkerBundle';

// Long enough that a stop or a kill lands mid-section, short enough to generate quickly.
const LONG_THOUGHT = longScript(300, 2);
const LONG_ANSWER = longScript(2, 300);
const expected = expectedSplit(DEFAULT_SCRIPT);
const expectedLongThought = expectedSplit(LONG_THOUGHT);
const expectedLongAnswer = expectedSplit(LONG_ANSWER);

let dir: string;
let workerPath: string;
const models = {} as Record<
  'script' | 'longThought' | 'longAnswer' | 'duplicate' | 'notGguf' | 'truncated' | 'huge',
  string
>;
const providers: LocalProvider[] = [];

/**
 * CPU only and one thread: these 2 cores are shared with other builds, and ggml's threads spin-wait
 * for each other, so two threads on a busy machine crawl. The first test runs the real defaults.
 */
const TEST_DEFAULTS = { gpuLayers: 0, threads: 1 } as const;

function provider(options: Partial<LocalProviderOptions> = {}): LocalProvider {
  const created = new LocalProvider({ modelPath: models.script, workerPath, ...TEST_DEFAULTS, ...options });
  providers.push(created);
  return created;
}

/** Points a provider at another model (and options), keeping the test defaults. */
function use(target: LocalProvider, modelPath: string, options: Partial<LocalProviderOptions> = {}): void {
  target.configure({ modelPath, workerPath, ...TEST_DEFAULTS, ...options });
}

interface Collected {
  readonly chunks: StreamChunk[];
  readonly reasoning: string;
  readonly answer: string;
  readonly usage?: Usage;
  readonly finish?: string;
  readonly error?: R1Error;
}

/** Streams one request; `onChunk` may act mid-stream (abort, kill the worker). */
async function collect(
  target: LocalProvider,
  messages: readonly ChatMessage[] = [{ role: 'user', content: 'Why is the sum wrong?' }],
  onChunk?: (chunk: StreamChunk, controller: AbortController) => void,
  { controller = new AbortController(), maxTokens }: { controller?: AbortController; maxTokens?: number } = {},
): Promise<Collected> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of target.stream({ messages, signal: controller.signal, maxTokens })) {
    chunks.push(chunk);
    onChunk?.(chunk, controller);
  }
  let reasoning = '';
  let answer = '';
  for (const chunk of chunks) {
    if (chunk.type === 'reasoning') reasoning += chunk.text;
    if (chunk.type === 'answer') answer += chunk.text;
  }
  const last = chunks.at(-1);
  return {
    chunks,
    reasoning,
    answer,
    usage: chunks.find((chunk) => chunk.type === 'usage')?.usage,
    finish: last?.type === 'finish' ? last.reason : undefined,
    error: last?.type === 'error' ? last.error : undefined,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-local-'));
  workerPath = await buildLocalWorker();
  models.script = join(dir, 'script.gguf');
  models.longThought = join(dir, 'long-thought.gguf');
  models.longAnswer = join(dir, 'long-answer.gguf');
  models.duplicate = join(dir, 'duplicate-token.gguf');
  models.notGguf = join(dir, 'notes.gguf');
  models.truncated = join(dir, 'truncated.gguf');
  models.huge = join(dir, 'huge.gguf');
  writeScriptModel(models.script);
  writeScriptModel(models.longThought, LONG_THOUGHT);
  writeScriptModel(models.longAnswer, LONG_ANSWER);
  writeDuplicateTokenModel(models.duplicate);
  writeNotGguf(models.notGguf);
  writeTruncatedModel(models.truncated);
  writeHugeModel(models.huge);
});

after(() => {
  for (const created of providers) created.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalProvider: generation', () => {
  let shared: LocalProvider;
  const progress: LocalLoadProgress[] = [];
  before(() => {
    // The production defaults (gpuLayers "auto", threads = physical cores), plus the progress hook.
    shared = provider({ gpuLayers: undefined, threads: undefined, onLoadProgress: (event) => progress.push(event) });
  });

  it('streams the script model’s exact reasoning and answer, reasoning first, and reports loading', async () => {
    const result = await collect(shared);
    assert.equal(result.reasoning, expected.reasoning);
    assert.equal(result.answer, expected.answer);
    assert.equal(result.finish, 'stop');
    const firstAnswer = result.chunks.findIndex((chunk) => chunk.type === 'answer');
    const lastReasoning = result.chunks.findLastIndex((chunk) => chunk.type === 'reasoning');
    assert.ok(lastReasoning >= 0 && lastReasoning < firstAnswer, 'all reasoning arrives before the answer');
    assert.equal(result.usage?.reasoningTokens, 7);
    assert.equal(result.usage?.completionTokens, 30);
    assert.equal(result.usage?.cachedPromptTokens, 0);

    const phases = progress.map((event) => event.phase);
    assert.equal(phases[0], 'starting');
    assert.ok(phases.includes('loading'));
    const ready = progress.find((event) => event.phase === 'ready');
    assert.equal(ready?.info?.threads, physicalCoreCount());
    assert.equal(ready?.info?.chatWrapper, 'DeepSeek');
    assert.ok(ready && ready.info && ready.info.contextSize <= 8192 && ready.info.loadMs > 0);
    assert.equal(shared.label, 'Local · script');
    use(shared, models.script);
  });

  it('gives the identical output at temperature 0', async () => {
    use(shared, models.script, { temperature: 0 });
    const result = await collect(shared);
    assert.deepEqual([result.reasoning, result.answer], [expected.reasoning, expected.answer]);
    use(shared, models.script);
  });

  it('evaluates only the new tokens of a follow-up turn (the KV cache is reused)', async () => {
    const session = new ChatSession({ onEvent: () => undefined });
    const first = await session.ask('Why is the sum wrong?', shared);
    const second = await session.ask('Why?', shared);
    for (const turn of [first, second]) {
      assert.equal(turn.status, 'done');
      assert.deepEqual([turn.reasoning, turn.answer], [expected.reasoning, expected.answer]);
    }
    const usage = second.usage!;
    // New tokens: <｜end▁of▁sentence｜> <｜User｜> W h y ? <｜Assistant｜> <think> \n — nothing of turn 1.
    assert.equal(usage.promptTokens - (usage.cachedPromptTokens ?? 0), 9);
    assert.ok(usage.promptTokens > 40, 'the prompt holds the whole first turn');
  });

  it('ends the thought at the thinking budget and still answers', async () => {
    use(shared, models.script, { thinkingBudget: 2 });
    const result = await collect(shared);
    assert.equal(result.reasoning, 'The loop');
    assert.equal(result.answer, expected.answer);
    assert.equal(result.usage?.reasoningTokens, 2);
    use(shared, models.script);
  });

  it('without a budget setting, ends the thought at node-llama-cpp’s default budget so the answer fits', async () => {
    let contextSize = 0;
    use(shared, models.longThought, {
      contextSizeCap: 512,
      onLoadProgress: (event) => (contextSize = event.info?.contextSize ?? contextSize),
    });
    const result = await collect(shared);
    assert.ok(contextSize >= 512 && contextSize < 8192);
    // Half of a context under 8192 tokens; the 300-line thought would need far more.
    assert.equal(result.usage?.reasoningTokens, Math.ceil(contextSize / 2));
    assert.ok(
      expectedLongThought.reasoning.startsWith(result.reasoning) &&
        result.reasoning.length < expectedLongThought.reasoning.length,
    );
    assert.equal(result.answer, expectedLongThought.answer);
    assert.equal(result.finish, 'stop');
  });

  it('stops with "length" at the end of the context instead of shifting the conversation', async () => {
    let contextSize = 0;
    use(shared, models.longAnswer, {
      contextSizeCap: 512,
      onLoadProgress: (event) => (contextSize = event.info?.contextSize ?? contextSize),
    });
    const result = await collect(shared);
    assert.equal(result.finish, 'length');
    assert.equal(result.reasoning, expectedLongAnswer.reasoning);
    assert.ok(result.answer.length > 0 && expectedLongAnswer.answer.startsWith(result.answer));
    assert.ok(result.usage && result.usage.promptTokens + result.usage.completionTokens <= contextSize);
  });

  it('names the context settings and New Chat when an answer ends at the end of the context', async () => {
    use(shared, models.longAnswer, { contextSizeCap: 512 });
    const turn = await new ChatSession({ onEvent: () => undefined }).ask('Explain the loop.', shared);
    assert.equal(turn.status, 'incomplete');
    assert.equal(turn.finishReason, 'length');
    assert.ok(turn.answer.length > 0 && expectedLongAnswer.answer.startsWith(turn.answer));
    const message = turn.error?.message ?? '';
    for (const words of [
      /end of the local model’s context/,
      /New Chat/,
      /r1Coder\.local\.contextSize/,
      /r1Coder\.local\.thinkingBudget/,
    ]) {
      assert.match(message, words);
    }
    assert.deepEqual(
      turn.error?.actions,
      [{ kind: 'newChat' }, { kind: 'openSettings', query: 'r1Coder.local.contextSize' }],
      'no Retry: it would hit the same limit',
    );
  });

  it('refuses a conversation that already fills the context instead of shifting it, and answers the next one', async () => {
    let contextSize = 0;
    use(shared, models.script, {
      contextSizeCap: 512,
      onLoadProgress: (event) => (contextSize = event.info?.contextSize ?? contextSize),
    });
    // The script model's vocabulary has no merges: one token per byte, so 600 letters overflow 512.
    const result = await collect(shared, [{ role: 'user', content: 'x'.repeat(600) }]);
    assert.equal(contextSize, 512);
    assert.equal(result.error?.kind, 'contextFull');
    assert.match(result.error!.message, /already fills the local model’s context \(512 tokens\)/);
    assert.match(result.error!.message, /New Chat/);
    assert.match(result.error!.message, /r1Coder\.local\.contextSize/);
    assert.deepEqual(result.error!.actions, [
      { kind: 'newChat' },
      { kind: 'openSettings', query: 'r1Coder.local.contextSize' },
    ]);
    assert.equal(result.reasoning + result.answer, '', 'nothing was generated');
    assert.ok(shared.workerPid !== undefined, 'the worker stays up');

    const next = await collect(shared);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    use(shared, models.script);
  });

  it('stops mid-thought and keeps the partial thought', async () => {
    use(shared, models.longThought);
    const result = await collect(shared, undefined, (chunk, controller) => {
      if (chunk.type === 'reasoning') controller.abort();
    });
    assert.equal(result.finish, 'aborted');
    assert.ok(result.reasoning.length > 0 && result.reasoning.length < expectedLongThought.reasoning.length);
    assert.ok(expectedLongThought.reasoning.startsWith(result.reasoning));
    assert.equal(result.answer, '');
  });

  it('stops mid-answer and keeps the whole thought and the partial answer', async () => {
    use(shared, models.longAnswer);
    const result = await collect(shared, undefined, (chunk, controller) => {
      if (chunk.type === 'answer') controller.abort();
    });
    assert.equal(result.finish, 'aborted');
    assert.equal(result.reasoning, expectedLongAnswer.reasoning);
    assert.ok(result.answer.length > 0 && result.answer.length < expectedLongAnswer.answer.length);
    assert.ok(expectedLongAnswer.answer.startsWith(result.answer));
  });

  it('answers normally after a stop (ChatSession marks the stopped turn)', async () => {
    const session = new ChatSession({
      onEvent: (event) => {
        if (event.type === 'delta') void session.stop();
      },
    });
    use(shared, models.longThought);
    const stopped = await session.ask('Explain the loop.', shared);
    assert.equal(stopped.status, 'stopped');
    use(shared, models.script);
    const result = await collect(shared);
    assert.deepEqual([result.reasoning, result.answer, result.finish], [expected.reasoning, expected.answer, 'stop']);
  });

  it('describes a GGUF file without loading it', async () => {
    const result = await shared.inspect(models.script);
    assert.ok('inspection' in result);
    const { inspection } = result;
    assert.equal(inspection.architecture, 'qwen2');
    assert.equal(inspection.fileType, 'ALL_F32');
    assert.equal(inspection.trainContextSize, 4096);
    assert.ok(inspection.parameterCount > 100_000 && inspection.sizeBytes > inspection.parameterCount * 4);
    assert.equal(inspection.fitsInRam, true);
    assert.equal(inspection.chatTemplate, true);
    const bad = await shared.inspect(models.notGguf);
    assert.ok('error' in bad && bad.error.kind === 'modelFile');
  });
});

describe('LocalProvider: bad model files', () => {
  let target: LocalProvider;
  before(() => {
    target = provider();
  });

  const cases: [keyof typeof models | 'missing', R1Error['kind'], RegExp][] = [
    ['notGguf', 'modelFile', /is not a GGUF model file/],
    ['truncated', 'modelFile', /is truncated/],
    ['missing', 'modelFile', /does not exist/],
    ['huge', 'memory', /needs about 1024\.0 GB of memory/],
  ];
  for (const [model, kind, message] of cases) {
    it(`${model}: a ${kind} error that names the file, from a worker that stays up`, async () => {
      const path = model === 'missing' ? join(dir, 'missing.gguf') : models[model];
      use(target, path);
      const before = target.workerPid;
      const result = await collect(target);
      assert.equal(result.error?.kind, kind);
      assert.match(result.error!.message, message);
      assert.ok(result.error!.message.includes(path), result.error!.message);
      assert.ok(result.error!.actions.some((action) => action.kind === 'selectLocalModel'));
      assert.ok(target.workerPid !== undefined);
      if (before !== undefined) assert.equal(target.workerPid, before, 'no crash, no restart');
    });
  }

  it('explains an empty model path without starting a worker', async () => {
    const idle = provider({ modelPath: '  ' });
    const result = await collect(idle);
    assert.equal(result.error?.kind, 'modelFile');
    assert.match(result.error!.message, /No local model is selected/);
    assert.equal(idle.workerPid, undefined);
  });
});

describe('LocalProvider: load progress always ends (the status bar clears its spinner on it)', () => {
  const TERMINAL: readonly LocalLoadProgress['phase'][] = ['ready', 'failed', 'stopped'];

  /** Runs one request on a fresh provider and returns the phases it reported. */
  async function phasesOf(
    modelPath: string,
    run: (target: LocalProvider) => Promise<unknown> = (target) => collect(target),
  ): Promise<LocalLoadProgress['phase'][]> {
    const events: LocalLoadProgress[] = [];
    const target = provider({ modelPath, onLoadProgress: (event) => events.push(event) });
    await within(60_000, run(target));
    const phases = events.map((event) => event.phase);
    // Exactly one terminal phase, and it is the last one.
    assert.deepEqual(
      phases.filter((phase) => TERMINAL.includes(phase)),
      [phases.at(-1)],
      JSON.stringify(phases),
    );
    return phases;
  }

  it('a good load ends with ready', async () => {
    const phases = await phasesOf(models.script);
    assert.deepEqual([phases[0], phases.at(-1)], ['starting', 'ready']);
    assert.ok(phases.includes('loading'));
  });

  for (const [name, model] of [
    ['a missing file', 'missing'],
    ['a file that is not a GGUF', 'notGguf'],
    ['a model too large for memory', 'huge'],
  ] as const) {
    it(`${name} ends with failed`, async () => {
      const phases = await phasesOf(model === 'missing' ? join(dir, 'missing.gguf') : models[model]);
      assert.deepEqual(phases, ['starting', 'failed']);
    });
  }

  it('a worker that dies while loading (llama.cpp abort) ends with failed', async () => {
    let result: Collected | undefined;
    const phases = await phasesOf(models.duplicate, async (target) => (result = await collect(target)));
    assert.match(result?.error?.message ?? '', /aborted while loading .*SIGABRT/, 'the worker died');
    assert.deepEqual([phases[0], phases.at(-1)], ['starting', 'failed']);
  });

  it('describing a file with a fresh worker ends its start with stopped', async () => {
    const phases = await phasesOf(models.script, (target) => target.inspect(models.script));
    assert.deepEqual(phases, ['starting', 'stopped']);
  });
});

describe('LocalProvider: worker crashes', () => {
  it('reports a worker killed mid-stream, keeps what arrived, and recovers with a fresh worker', async () => {
    const target = provider({ modelPath: models.longThought });
    let killed: number | undefined;
    const session = new ChatSession({
      onEvent: (event) => {
        if (event.type === 'delta' && killed === undefined) {
          killed = target.workerPid;
          process.kill(killed!, 'SIGKILL');
        }
      },
    });
    const turn = await session.ask('Explain the loop.', target);
    assert.equal(turn.status, 'incomplete');
    assert.match(turn.error!.message, /stopped unexpectedly \(killed by SIGKILL\)/);
    assert.ok(turn.reasoning.length > 0 && expectedLongThought.reasoning.startsWith(turn.reasoning));
    assert.equal(target.workerPid, undefined);

    use(target, models.script);
    const next = await collect(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.ok(target.workerPid !== undefined && target.workerPid !== killed);
  });

  it('turns a llama.cpp abort on load (duplicate token strings) into a modelFile error, then works', async () => {
    const target = provider({ modelPath: models.duplicate });
    const result = await collect(target);
    assert.equal(result.error?.kind, 'modelFile');
    assert.match(result.error!.message, /aborted while loading .*duplicate-token\.gguf.*SIGABRT.*GGML_ASSERT/);
    use(target, models.script);
    const next = await collect(target);
    assert.deepEqual([next.reasoning, next.answer], [expected.reasoning, expected.answer]);
  });

  it('unloads the model after the idle time and loads it again on the next request', async () => {
    const target = provider({ idleMinutes: 0.5 / 60 });
    assert.equal((await collect(target)).finish, 'stop');
    const pid = target.workerPid;
    assert.ok(pid !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(target.workerPid, undefined, 'the idle worker was stopped');
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    for (let waited = 0; !gone() && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(gone(), 'the worker process exited');
    const next = await collect(target);
    assert.equal(next.answer, expected.answer);
  });
});

describe('LocalProvider: abort during load', () => {
  /** Load-progress events since the test began; the request in flight is aborted on the first `abortAt` event. */
  let events: LocalLoadProgress[] = [];
  let abortAt: LocalLoadProgress['phase'] | undefined;
  let inFlight: AbortController | undefined;
  /** A 152k-token vocabulary takes llama.cpp a second or more, so a stop at its first progress event lands mid-load. */
  let slowModel: string;

  before(() => {
    slowModel = join(dir, 'slow-load.gguf');
    // Random weights, about 14 MB: it answers nonsense, which only has to never reach the next request.
    writeShapedModel(slowModel, {
      hidden: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffn: 128,
      vocab: 151936,
      contextLength: 4096,
    });
  });

  function watched(options: Partial<LocalProviderOptions> = {}): LocalProvider {
    events = [];
    return provider({
      ...options,
      onLoadProgress: (event) => {
        events.push(event);
        if (event.phase !== abortAt) return;
        abortAt = undefined;
        inFlight?.abort();
      },
    });
  }

  /** A request stopped at the first `phase` event, bounded so that a hung stream fails the test. */
  async function stoppedAt(target: LocalProvider, phase: LocalLoadProgress['phase']): Promise<Collected> {
    abortAt = phase;
    inFlight = new AbortController();
    const result = await within(30_000, collect(target, undefined, undefined, { controller: inFlight }));
    assert.equal(abortAt, undefined, `no ${phase} event arrived`);
    return result;
  }

  /** A request that answers, with the load-progress events it caused. */
  async function answered(
    target: LocalProvider,
    maxTokens?: number,
  ): Promise<Collected & { readonly progress: LocalLoadProgress[] }> {
    events = [];
    const result = await within(30_000, collect(target, undefined, undefined, { maxTokens }));
    return { ...result, progress: events };
  }

  /** Switches to the script model, still recording load progress (no more stops). */
  function useScript(target: LocalProvider): void {
    use(target, models.script, { onLoadProgress: (event) => events.push(event) });
  }

  const STOPPED = [{ type: 'finish', reason: 'aborted' }];
  const phases = (progress: readonly LocalLoadProgress[]) => progress.map((event) => event.phase);
  const readyOf = (progress: readonly LocalLoadProgress[]) => progress.filter((event) => event.phase === 'ready');

  it('an already aborted signal ends the stream at once as a stop, without starting a worker', async () => {
    const target = watched();
    const controller = new AbortController();
    controller.abort();
    const result = await within(30_000, collect(target, undefined, undefined, { controller }));
    assert.deepEqual(result.chunks, STOPPED);
    assert.deepEqual(events, []);
    assert.equal(target.workerPid, undefined);
    const next = await answered(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.equal(phases(next.progress)[0], 'starting');
  });

  it('a stop while the worker starts loads nothing, and that worker answers the next request', async () => {
    const target = watched();
    const result = await stoppedAt(target, 'starting');
    assert.deepEqual(result.chunks, STOPPED);
    assert.deepEqual(
      phases(events),
      ['starting', 'stopped'],
      'the worker was never asked to load the model, and the start ended',
    );
    const pid = target.workerPid;
    const next = await answered(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.equal(target.workerPid, pid, 'the started worker was kept');
    const ready = readyOf(next.progress);
    assert.equal(ready.length, 1);
    assert.ok(ready[0]!.info!.loadMs > 0, 'the model was loaded by this request');
  });

  it('a stop at the first load progress ends before any token; the worker survives and answers exactly', async () => {
    const target = watched();
    const result = await stoppedAt(target, 'loading');
    assert.deepEqual(result.chunks, STOPPED);
    assert.deepEqual(
      [phases(events)[0], phases(events).at(-1)],
      ['starting', 'stopped'],
      'the stop ends the load progress',
    );
    assert.ok(!phases(events).includes('ready'));
    const pid = target.workerPid;
    assert.ok(pid !== undefined, 'the worker is still running');
    const next = await answered(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.equal(next.usage?.completionTokens, 30);
    assert.equal(next.usage?.reasoningTokens, 7);
    assert.equal(readyOf(next.progress).length, 1);
    assert.equal(target.workerPid, pid);
  });

  it('a request sent right after a stop during load sees nothing of the stopped one', async () => {
    const target = watched({ modelPath: models.longThought });
    assert.deepEqual((await stoppedAt(target, 'loading')).chunks, STOPPED);
    useScript(target);
    const next = await answered(target);
    // The long thought's text or its "done" would show up here if a stale chunk got through.
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.equal(next.usage?.completionTokens, 30);
    assert.equal(next.progress.at(-1)?.info?.modelPath, models.script);
  });

  it('a stop in the middle of a slow load abandons the load; the next requests load afresh and answer', async () => {
    const target = watched({ modelPath: slowModel });
    const result = await stoppedAt(target, 'loading');
    assert.deepEqual(result.chunks, STOPPED);
    const pid = target.workerPid;
    assert.ok(pid !== undefined);

    // At once, the same model: had the stopped load gone on, this request would find it loaded (loadMs 0).
    const again = await answered(target, 1);
    assert.equal(again.error, undefined);
    assert.equal(again.usage?.completionTokens, 1);
    const ready = readyOf(again.progress);
    assert.equal(ready.length, 1);
    assert.ok(ready[0]!.info!.loadMs > 0, 'the stopped load was not kept');
    assert.ok(phases(again.progress).includes('loading'));

    useScript(target);
    const next = await answered(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    assert.equal(target.workerPid, pid, 'no crash, no restart');
  });

  it('a request stopped while it waits behind a running one loads nothing', async () => {
    const target = provider({ modelPath: models.longThought });
    const waiting = new AbortController();
    let queued: Promise<Collected> | undefined;
    const running = await within(
      30_000,
      collect(target, undefined, (chunk) => {
        if (chunk.type !== 'reasoning' || queued) return;
        // Replaces the running request, whose generation the worker is still winding down, and
        // is stopped before the worker gets to it.
        use(target, models.script);
        queued = collect(target, undefined, undefined, { controller: waiting });
        waiting.abort();
      }),
    );
    assert.equal(running.finish, 'aborted');
    assert.deepEqual((await within(30_000, queued!)).chunks, STOPPED);
    useScript(target);
    const next = await answered(target);
    assert.deepEqual([next.reasoning, next.answer, next.finish], [expected.reasoning, expected.answer, 'stop']);
    const ready = readyOf(next.progress);
    assert.equal(ready.length, 1);
    assert.ok(ready[0]!.info!.loadMs > 0, 'the stopped request did not load the script model');
  });

  it('a new request during a load of the same model takes that load over instead of loading twice', async () => {
    let second: Promise<Collected> | undefined;
    const target = provider({
      modelPath: slowModel,
      onLoadProgress: (event) => {
        events.push(event);
        // Mid-load, no stop: the new request replaces this one (as "ask again" does).
        if (event.phase === 'loading' && !second) second = collect(target, undefined, undefined, { maxTokens: 1 });
      },
    });
    events = [];
    const first = await within(30_000, collect(target));
    assert.deepEqual(first.chunks, STOPPED);
    assert.ok(second, 'a loading event arrived');
    const next = await within(30_000, second);
    assert.equal(next.error, undefined);
    assert.equal(next.usage?.completionTokens, 1);
    const ready = readyOf(events);
    assert.equal(ready.length, 1);
    assert.equal(ready[0]!.info!.loadMs, 0, 'the replacing request found the model its predecessor loaded');
  });
});

/** Fails instead of hanging when `promise` does not settle in time. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('physical core count (the default thread count)', () => {
  const cpu = (processor: number, physical: number, core: number) =>
    `processor\t: ${processor}\nphysical id\t: ${physical}\nsiblings\t: 4\ncore id\t\t: ${core}\ncpu cores\t: 2\n\n`;

  it('counts cores, not hyperthreads, across sockets', () => {
    // 2 cores × 2 threads on one socket.
    assert.equal(linuxPhysicalCores([cpu(0, 0, 0), cpu(1, 0, 1), cpu(2, 0, 0), cpu(3, 0, 1)].join('')), 2);
    // Two sockets whose core ids overlap.
    assert.equal(linuxPhysicalCores([cpu(0, 0, 0), cpu(1, 0, 1), cpu(2, 1, 0), cpu(3, 1, 1)].join('')), 4);
    // No topology lines (some VMs and ARM boards): unknown, so the caller falls back.
    assert.equal(linuxPhysicalCores('processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\n'), undefined);
  });

  it('never exceeds the CPUs this process may use', () => {
    const count = physicalCoreCount();
    assert.ok(Number.isInteger(count) && count >= 1 && count <= availableParallelism());
  });
});
