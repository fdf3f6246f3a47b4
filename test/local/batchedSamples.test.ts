/**
 * Fix ×N on a local model: N samples of one prompt run as N sequences of one context (the worker's
 * generateBatch), with the production worker bundle, the real node-llama-cpp and the script model.
 * Concurrency is observed, not assumed: every sample has streamed before any sample has finished.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StreamChunk } from '../../src/core/chunks';
import { runFixSamples } from '../../src/core/fixSamples';
import type { ChatMessage } from '../../src/core/provider';
import { LocalProvider } from '../../src/providers/local/localProvider';
import type { LocalProviderOptions } from '../../src/providers/local/localProviderOptions';
import { DEFAULT_SCRIPT, expectedSplit, longScript, writeScriptModel } from '../gguf/scriptModel';
import { buildLocalWorker } from '../support/localWorkerBundle';

const MESSAGES: readonly ChatMessage[] = [{ role: 'user', content: 'Why is the sum wrong?' }];

interface Sample {
  readonly chunks: StreamChunk[];
  readonly text: string;
  firstAt?: number;
  endAt?: number;
}

let dir: string;
let workerPath: string;
let scriptModel: string;
let longModel: string;
const providers: LocalProvider[] = [];

function provider(options: Partial<LocalProviderOptions> = {}): LocalProvider {
  const created = new LocalProvider({ modelPath: scriptModel, workerPath, gpuLayers: 0, threads: 1, ...options });
  providers.push(created);
  return created;
}

/** Reads every stream at once, noting when each first streamed and when it ended. */
async function readAll(
  streams: readonly AsyncIterable<StreamChunk>[],
  onChunk?: (index: number, chunk: StreamChunk) => void,
): Promise<Sample[]> {
  return Promise.all(
    streams.map(async (stream, index) => {
      const sample: Sample & { text: string } = { chunks: [], text: '' };
      for await (const chunk of stream) {
        sample.chunks.push(chunk);
        if (chunk.type === 'reasoning' || chunk.type === 'answer') {
          sample.firstAt ??= performance.now();
          sample.text += `${chunk.type}:${chunk.text}`;
        }
        onChunk?.(index, chunk);
      }
      sample.endAt = performance.now();
      return sample;
    }),
  );
}

function requests(count: number, signal: AbortSignal) {
  return Array.from({ length: count }, () => ({ messages: MESSAGES, signal }));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-batch-'));
  workerPath = await buildLocalWorker();
  scriptModel = join(dir, 'script.gguf');
  longModel = join(dir, 'long.gguf');
  writeScriptModel(scriptModel);
  writeScriptModel(longModel, longScript(200, 2));
});

after(() => {
  for (const created of providers) created.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalProvider.streamSamples: N sequences of one context', () => {
  it('runs 3 samples concurrently, each byte-identical to a single run with its seed', async () => {
    const local = provider({ modelPath: longModel, seed: 7 });
    const controller = new AbortController();
    const samples = await readAll(local.streamSamples(requests(3, controller.signal)));
    // Concurrent: every sample streamed its first text before any sample finished.
    const firstFinish = Math.min(...samples.map((sample) => sample.endAt!));
    for (const sample of samples) assert.ok(sample.firstAt! < firstFinish, 'a sample started only after another ended');
    for (const [index, sample] of samples.entries()) {
      assert.deepEqual(sample.chunks.at(-1), { type: 'finish', reason: 'stop' });
      // A single run with the seed this sample used (seed + index) gives the same bytes.
      const single = provider({ modelPath: longModel, seed: 7 + index });
      const [alone] = await readAll([single.stream({ messages: MESSAGES, signal: new AbortController().signal })]);
      assert.equal(sample.text, alone!.text);
    }
    const split = expectedSplit(longScript(200, 2));
    const answer = samples[0]!.chunks.map((chunk) => (chunk.type === 'answer' ? chunk.text : '')).join('');
    assert.equal(answer, split.answer);
  });

  it('Stop stops all samples, and the next request runs normally', async () => {
    const local = provider({ modelPath: longModel });
    const controller = new AbortController();
    const streamed = new Set<number>();
    const samples = await readAll(local.streamSamples(requests(3, controller.signal)), (index, chunk) => {
      if (chunk.type === 'reasoning') streamed.add(index);
      if (streamed.size === 3) controller.abort();
    });
    for (const sample of samples) {
      assert.deepEqual(sample.chunks.at(-1), { type: 'finish', reason: 'aborted' });
      assert.ok(!sample.text.includes('```'), 'a stopped sample went on to its answer');
    }
    const [after] = await readAll([local.stream({ messages: MESSAGES, signal: new AbortController().signal })]);
    assert.deepEqual(after!.chunks.at(-1), { type: 'finish', reason: 'stop' });
  });

  it('stopping one sample leaves the others running', async () => {
    const local = provider();
    const controllers = [new AbortController(), new AbortController()];
    controllers[1]!.abort();
    const samples = await readAll(
      local.streamSamples(controllers.map((controller) => ({ messages: MESSAGES, signal: controller.signal }))),
    );
    assert.deepEqual(samples[0]!.chunks.at(-1), { type: 'finish', reason: 'stop' });
    assert.deepEqual(samples[1]!.chunks.at(-1), { type: 'finish', reason: 'aborted' });
  });
});

describe('runFixSamples on a local model', () => {
  it('batches the samples and groups their identical fixes: 3 of 3 agree', async () => {
    const local = provider();
    const documentText = 'let total = 0;\nfor (let i = 0; i < n; i++) total += values[i];\n';
    const starts: number[] = [];
    const ends: number[] = [];
    const result = await runFixSamples({
      provider: local,
      prompt: 'Fix the loop.',
      count: 3,
      concurrency: 1, // a batching provider runs every sample together regardless
      signal: new AbortController().signal,
      documentText,
      selection: { start: { line: 1, character: 0 }, end: { line: 1, character: 47 } },
      languageId: 'typescript',
      onEvent: (sample, event) => {
        if (event.type === 'delta' && starts[sample] === undefined) starts[sample] = performance.now();
        if (event.type === 'turnEnded') ends[sample] = performance.now();
      },
    });
    assert.ok(Math.max(...starts) < Math.min(...ends), 'the samples ran one after another');
    assert.equal(result.consensus.winner?.samples.length, 3);
    assert.ok(result.consensus.winner.newDocumentText.includes('i <= n'));
    assert.ok(DEFAULT_SCRIPT.includes('i <= n'));
  });
});
