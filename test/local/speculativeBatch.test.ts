/**
 * node-llama-cpp's speculative verification itself, below the worker: a batch of several drafted
 * tokens that all match must all be accepted. node-llama-cpp 3.22.1 accepts at most one drafted
 * token per batch (`_speculativeEvaluate` checks each later draft against a `validatedTokens` list
 * it never fills); scripts/patch-node-llama-cpp.mjs (npm postinstall) fixes it, and this test says
 * whether the installed copy is fixed.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Llama, LlamaModel, Token, TokenPredictor } from 'node-llama-cpp';
import { fixWorkload, writeChainModel } from '../gguf/chainModel';
import { ASSISTANT, BOS, USER } from '../gguf/scriptModel';

type NodeLlamaCpp = typeof import('node-llama-cpp');

const fix = fixWorkload(60);
const DRAFT_TOKENS = 8;

let dir: string;
let nlc: NodeLlamaCpp;
let llama: Llama;
let model: LlamaModel;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-speculative-batch-'));
  const path = join(dir, 'fix.gguf');
  writeChainModel(path, fix.script);
  nlc = await import('node-llama-cpp');
  llama = await nlc.getLlama({ gpu: false, maxThreads: 1, logLevel: nlc.LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: path });
});

after(async () => {
  await model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Generated {
  readonly tokens: Token[];
  /** Batches that carried at least one drafted token. */
  readonly draftedBatches: number;
  readonly drafted: number;
  readonly validated: number;
  readonly refuted: number;
}

/** The fix answer at temperature 0, with input lookup drafting up to DRAFT_TOKENS (or none). */
async function generate(speculative: boolean, sampling: { temperature: number; seed?: number }): Promise<Generated> {
  const prompt = model.tokenize(`${BOS}${USER}${fix.prompt}${ASSISTANT}`, true);
  let draftedBatches = 0;
  let drafted = 0;
  const inner = new nlc.InputLookupTokenPredictor({
    patternLength: { min: 1 },
    predictionLength: { min: 1, max: DRAFT_TOKENS },
  });
  // Counts what the inner predictor drafts per batch (node-llama-cpp asks once per batch).
  class Counting extends nlc.TokenPredictor {
    reset(params: Parameters<TokenPredictor['reset']>[0]) {
      return inner.reset(params);
    }
    pushTokens(tokens: Token[]) {
      inner.pushTokens(tokens);
    }
    predictTokens(): Token[] {
      const tokens = inner.predictTokens();
      if (tokens.length > 0) {
        draftedBatches++;
        drafted += tokens.length;
      }
      return tokens;
    }
    override updateInputTokens(tokens: Token[]) {
      inner.updateInputTokens(tokens);
    }
    override stop(untilPredictionsExhausted?: boolean) {
      void inner.stop(untilPredictionsExhausted);
    }
    override dispose() {
      inner.dispose();
    }
  }
  const predictor = new Counting();
  const context = await model.createContext({ contextSize: 2048, threads: 1 });
  try {
    const sequence = context.getSequence(speculative ? { tokenPredictor: predictor } : {});
    predictor.updateInputTokens(prompt);
    const tokens: Token[] = [];
    for await (const token of sequence.evaluate(prompt, sampling)) {
      if (model.isEogToken(token) || tokens.length >= 1000) break;
      tokens.push(token);
    }
    const { validated, refuted } = sequence.tokenPredictions;
    return { tokens, draftedBatches, drafted, validated, refuted };
  } finally {
    await context.dispose();
  }
}

describe('node-llama-cpp speculative verification', () => {
  it('accepts every matching drafted token of a batch, not only the first', async () => {
    const plain = await generate(false, { temperature: 0 });
    const lookup = await generate(true, { temperature: 0 });
    const figures = JSON.stringify({ ...lookup, tokens: lookup.tokens.length });

    assert.equal(model.detokenize(lookup.tokens), model.detokenize(plain.tokens), 'the same text');
    assert.deepEqual(lookup.tokens, plain.tokens, 'the same tokens');
    assert.ok(plain.tokens.length > 150, `the fix answer is long (${plain.tokens.length} tokens)`);
    // The copied function drafts in full batches, and most of what is drafted is accepted.
    assert.ok(lookup.draftedBatches > 10, figures);
    assert.ok(lookup.validated > 2 * lookup.draftedBatches, `more than two accepted per batch: ${figures}`);
    assert.ok(lookup.validated > 2 * lookup.refuted, `mostly accepted: ${figures}`);
  });
});
