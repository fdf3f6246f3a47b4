/**
 * Speculative decoding through LocalProvider, on the production worker and the real node-llama-cpp:
 * chain models (test/gguf/chainModel.ts) whose answer copies the function in their prompt, so input
 * lookup drafts for real, and a draft model that shares the main model's vocabulary.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StreamChunk, Usage } from '../../src/core/chunks';
import type { R1Error } from '../../src/core/errors';
import { LocalProvider } from '../../src/providers/local/localProvider';
import type { LocalProviderOptions } from '../../src/providers/local/localProviderOptions';
import { fixWorkload, writeChainModel } from '../gguf/chainModel';
import { expectedSplit, longScript, writeScriptModel } from '../gguf/scriptModel';
import { buildLocalWorker } from '../support/localWorkerBundle';

const fix = fixWorkload(60);
const expected = expectedSplit(fix.script);
// A long copied answer, so a stop lands mid-answer while drafts are being verified.
const longCode = longScript(2, 200);
const longPrompt = `Fix this:\n\`\`\`ts\n${expectedSplit(longCode).answer.split('```ts\n')[1]}`;
const expectedLong = expectedSplit(longCode);

let dir: string;
let workerPath: string;
const models = {} as Record<'fix' | 'draft' | 'otherVocabulary' | 'long', string>;
const providers: LocalProvider[] = [];

function provider(options: Partial<LocalProviderOptions> = {}): LocalProvider {
  const created = new LocalProvider({ modelPath: models.fix, workerPath, gpuLayers: 0, threads: 1, ...options });
  providers.push(created);
  return created;
}

interface Collected {
  readonly reasoning: string;
  readonly answer: string;
  readonly usage?: Usage;
  readonly finish?: string;
  readonly error?: R1Error;
}

async function collect(
  target: LocalProvider,
  prompt = fix.prompt,
  onChunk?: (chunk: StreamChunk, controller: AbortController) => void,
): Promise<Collected> {
  const controller = new AbortController();
  const chunks: StreamChunk[] = [];
  for await (const chunk of target.stream({
    messages: [{ role: 'user', content: prompt }],
    signal: controller.signal,
  })) {
    chunks.push(chunk);
    onChunk?.(chunk, controller);
  }
  const text = (type: 'reasoning' | 'answer') =>
    chunks.map((chunk) => (chunk.type === type ? chunk.text : '')).join('');
  const last = chunks.at(-1);
  return {
    reasoning: text('reasoning'),
    answer: text('answer'),
    usage: chunks.find((chunk) => chunk.type === 'usage')?.usage,
    finish: last?.type === 'finish' ? last.reason : undefined,
    error: last?.type === 'error' ? last.error : undefined,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-speculative-'));
  workerPath = await buildLocalWorker();
  models.fix = join(dir, 'fix.gguf');
  models.draft = join(dir, 'fix-draft.gguf');
  models.otherVocabulary = join(dir, 'other.gguf');
  models.long = join(dir, 'long.gguf');
  writeChainModel(models.fix, fix.script);
  // Same script, so the same vocabulary; every 4th transition differs (drafts get refuted too).
  writeChainModel(models.draft, fix.script, { disagreeEvery: 4 });
  writeScriptModel(models.otherVocabulary);
  writeChainModel(models.long, longCode);
});

after(() => {
  for (const created of providers) created.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('speculative decoding: same output as without it', () => {
  for (const temperature of [0, 0.6]) {
    it(`input lookup and a draft model leave the output byte-identical (temperature ${temperature}, seed 7)`, async () => {
      const sampling = { temperature, seed: 7 };
      const plain = await collect(provider({ ...sampling, speculative: false }));
      const lookup = await collect(provider({ ...sampling, speculative: true }));
      const draft = await collect(provider({ ...sampling, speculative: true, draftModelPath: models.draft }));

      assert.deepEqual([plain.reasoning, plain.answer, plain.finish], [expected.reasoning, expected.answer, 'stop']);
      assert.equal(plain.usage?.speculative, undefined, 'no speculation when it is off');
      for (const [name, result] of [
        ['input lookup', lookup],
        ['draft', draft],
      ] as const) {
        assert.equal(result.reasoning, plain.reasoning, name);
        assert.equal(result.answer, plain.answer, name);
        assert.equal(result.finish, 'stop', name);
        assert.equal(result.usage?.completionTokens, plain.usage?.completionTokens, name);
      }
      // The copied answer was really drafted and verified.
      assert.equal(lookup.usage?.speculative?.kind, 'inputLookup');
      assert.ok(lookup.usage!.speculative!.accepted > 50, JSON.stringify(lookup.usage?.speculative));
      assert.equal(draft.usage?.speculative?.kind, 'draft');
      const { accepted, drafted } = draft.usage!.speculative!;
      assert.ok(accepted > 20 && accepted < drafted, JSON.stringify(draft.usage?.speculative));
    });
  }
});

describe('speculative decoding: draft model checks', () => {
  it('refuses a draft model with another vocabulary, saying why and what to do', async () => {
    const result = await collect(provider({ draftModelPath: models.otherVocabulary }));
    assert.ok(result.error, 'the turn ends with an error');
    assert.match(result.error.message, /cannot draft for/);
    assert.match(result.error.message, /vocabulary/);
    assert.match(result.error.message, /r1Coder\.local\.draftModelPath/);
    assert.equal(result.answer, '');
  });

  it('ignores the draft model when speculation is off', async () => {
    const result = await collect(provider({ speculative: false, draftModelPath: models.otherVocabulary }));
    assert.deepEqual([result.answer, result.finish], [expected.answer, 'stop']);
  });
});

describe('speculative decoding: stop', () => {
  it('stops mid-answer while drafts are verified, and the next turn answers in full', async () => {
    const target = provider({ modelPath: models.long, speculative: true });
    let answerChunks = 0;
    const stopped = await collect(target, longPrompt, (chunk, controller) => {
      if (chunk.type === 'answer' && ++answerChunks === 5) controller.abort();
    });
    assert.equal(stopped.finish, 'aborted');
    assert.equal(stopped.reasoning, expectedLong.reasoning);
    assert.ok(stopped.answer.length > 0 && stopped.answer.length < expectedLong.answer.length / 2, stopped.answer);
    assert.ok(expectedLong.answer.startsWith(stopped.answer));

    const next = await collect(target, longPrompt);
    assert.deepEqual([next.answer, next.finish], [expectedLong.answer, 'stop']);
    assert.ok(next.usage!.speculative!.accepted > 0);
  });
});
