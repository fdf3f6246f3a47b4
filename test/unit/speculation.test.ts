import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LOCAL_DEFAULTS } from '../../src/providers/local/localDefaults';
import {
  acceptanceText,
  DraftLength,
  draftModelOffer,
  qwenDistillSize,
  SPECULATION,
  SpeculationGate,
  speculationLabel,
  suggestDraftModel,
  vocabularyMismatch,
  type VocabularyInfo,
} from '../../src/providers/local/speculation';

describe('SpeculationGate', () => {
  it('stays open while drafts are accepted', () => {
    const gate = new SpeculationGate();
    for (let i = 0; i < 100; i++) {
      gate.record(1, 1);
      gate.generated(2);
    }
    assert.equal(gate.open, true);
    assert.equal(gate.pauses, 0);
  });

  it('switches off after a window of rejected drafts, for a pause that doubles while drafts keep failing', () => {
    const gate = new SpeculationGate();
    for (let i = 0; i < SPECULATION.window - 1; i++) gate.record(1, 0);
    assert.equal(gate.open, true, 'not judged before a full window');
    gate.record(1, 0);
    assert.equal(gate.open, false);
    gate.generated(SPECULATION.pauseTokens - 1);
    assert.equal(gate.open, false);
    gate.generated(1);
    assert.equal(gate.open, true, 'tries again after the pause');
    for (let i = 0; i < SPECULATION.window; i++) gate.record(1, 0);
    gate.generated(SPECULATION.pauseTokens);
    assert.equal(gate.open, false, 'the second pause is longer');
    gate.generated(SPECULATION.pauseTokens);
    assert.equal(gate.open, true);
    assert.equal(gate.pauses, 2);
  });

  it('resets the pause after a good window, and caps it', () => {
    const gate = new SpeculationGate();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < SPECULATION.window; i++) gate.record(1, 0);
      gate.generated(SPECULATION.maxPauseTokens);
      assert.equal(gate.open, true, 'no pause is longer than the maximum');
    }
    for (let i = 0; i < SPECULATION.window; i++) gate.record(1, 1);
    for (let i = 0; i < SPECULATION.window; i++) gate.record(1, 0);
    gate.generated(SPECULATION.pauseTokens);
    assert.equal(gate.open, true, 'back to the first pause length');
  });

  it('judges a draft model sooner: each of its drafts costs a step of the draft model', () => {
    assert.ok(SPECULATION.draftModelWindow < SPECULATION.window);
    const gate = new SpeculationGate(SPECULATION.draftModelWindow);
    for (let i = 0; i < SPECULATION.draftModelWindow - 1; i++) gate.record(1, 0);
    assert.equal(gate.open, true, 'not judged before its window');
    gate.record(1, 0);
    assert.equal(gate.open, false);
  });

  it('judges acceptance against the threshold', () => {
    const good = new SpeculationGate();
    const accepted = Math.ceil(SPECULATION.window * SPECULATION.minAcceptance);
    good.record(SPECULATION.window, accepted);
    assert.equal(good.open, true);
    const poor = new SpeculationGate();
    poor.record(SPECULATION.window, accepted - 1);
    assert.equal(poor.open, false);
  });
});

describe('speculation labels', () => {
  it('reads as the status bar shows it', () => {
    assert.equal(speculationLabel({ kind: 'draft', drafted: 100, accepted: 62 }, '1.5B'), 'draft 1.5B · 62% accepted');
    assert.equal(speculationLabel({ kind: 'inputLookup', drafted: 3, accepted: 2 }), 'input lookup · 67% accepted');
    assert.equal(acceptanceText({ kind: 'inputLookup', drafted: 0, accepted: 0 }), 'no drafts');
  });
});

describe('vocabularyMismatch (llama.cpp rule for draft models)', () => {
  const tokens = Array.from({ length: 300 }, (_, i) => `t${i}`);
  const main: VocabularyInfo = { model: 'gpt2', bosId: 1, eosId: 2, tokens };

  it('accepts the same vocabulary, and a padded one within 128 tokens', () => {
    assert.equal(vocabularyMismatch(main, { ...main }), undefined);
    const padded = [...tokens, ...Array.from({ length: 128 }, (_, i) => `[PAD${i}]`)];
    assert.equal(vocabularyMismatch({ ...main, tokens: padded }, main), undefined);
  });

  it('names the difference', () => {
    assert.match(vocabularyMismatch(main, { ...main, model: 'llama' })!, /tokenizer types differ/);
    assert.match(vocabularyMismatch(main, { ...main, eosId: 3 })!, /special tokens differ/);
    const longer = [...tokens, ...Array.from({ length: 129 }, (_, i) => `x${i}`)];
    assert.match(vocabularyMismatch(main, { ...main, tokens: longer })!, /sizes differ by 129/);
    const changed = [...tokens];
    changed[200] = 'other';
    assert.match(vocabularyMismatch(main, { ...main, tokens: changed })!, /token 200 differs/);
    assert.match(vocabularyMismatch(main, { ...main, tokens: [] })!, /no vocabulary/);
  });
});

describe('suggestDraftModel', () => {
  const small = '/models/DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf';
  const llamaSmall = '/models/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf';

  it('suggests a known 1.5B Qwen distill for a larger Qwen distill', () => {
    for (const size of ['7B', '14B', '32B']) {
      const main = `/m/DeepSeek-R1-Distill-Qwen-${size}-Q4_K_M.gguf`;
      assert.equal(suggestDraftModel(main, [{ path: llamaSmall }, { path: small }]), small);
    }
  });

  it('suggests nothing for the 1.5B itself, a Llama distill, or without a known 1.5B file', () => {
    assert.equal(suggestDraftModel(small, [{ path: small }]), undefined);
    assert.equal(suggestDraftModel(llamaSmall, [{ path: small }]), undefined);
    assert.equal(suggestDraftModel('/m/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf', [{ path: llamaSmall }]), undefined);
    assert.equal(suggestDraftModel('/m/my-model.gguf', [{ path: small }]), undefined);
  });

  it('reads the size from the file name', () => {
    assert.equal(qwenDistillSize('C:\\models\\deepseek-r1-distill-qwen-14b-q4_k_m.gguf'), 14);
    assert.equal(qwenDistillSize(small), 1.5);
    assert.equal(qwenDistillSize(llamaSmall), undefined);
  });
});

describe('draftModelOffer (after a local model is chosen)', () => {
  const small = '/models/DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf';
  const main = '/models/DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf';
  const base = {
    mainPath: main,
    draftModelPath: '',
    speculative: true,
    gpu: () => Promise.resolve(true),
    known: [{ path: main }, { path: small }],
  };

  it('offers the known 1.5B Qwen distill for a larger Qwen distill', async () => {
    assert.equal(await draftModelOffer(base), small);
  });

  it('offers nothing on a CPU, where a draft model measured slower than none (bench:speculative --pair)', async () => {
    assert.equal(await draftModelOffer({ ...base, gpu: () => Promise.resolve(false) }), undefined);
  });

  it('asks about the GPU (a child process) only when there is a draft to offer', async () => {
    let asked = 0;
    const gpu = () => {
      asked++;
      return Promise.resolve(true);
    };
    assert.equal(await draftModelOffer({ ...base, gpu, known: [{ path: main }] }), undefined);
    assert.equal(asked, 0);
    assert.equal(await draftModelOffer({ ...base, gpu }), small);
    assert.equal(asked, 1);
  });

  it('offers nothing when a draft model is set, speculation is off, or nothing fits', async () => {
    assert.equal(await draftModelOffer({ ...base, draftModelPath: '/elsewhere/draft.gguf' }), undefined);
    assert.equal(await draftModelOffer({ ...base, draftModelPath: '   ' }), small, 'blank counts as unset');
    assert.equal(await draftModelOffer({ ...base, speculative: false }), undefined);
    assert.equal(await draftModelOffer({ ...base, mainPath: small }), undefined);
    assert.equal(await draftModelOffer({ ...base, known: [{ path: main }] }), undefined);
    assert.equal(
      await draftModelOffer({ ...base, mainPath: '/models/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf' }),
      undefined,
      'a Llama distill has another vocabulary',
    );
  });
});

describe('DraftLength', () => {
  it('starts short, doubles while drafts are accepted in full, up to the max', () => {
    const length = new DraftLength(16);
    assert.equal(length.next, SPECULATION.firstDraftTokens);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(length.next);
      length.record(length.next, length.next);
    }
    assert.deepEqual(seen, [2, 4, 8, 16, 16]);
  });

  it('falls back to one more than was accepted when a draft is refuted', () => {
    const length = new DraftLength(16);
    for (let i = 0; i < 4; i++) length.record(length.next, length.next);
    length.record(16, 5);
    assert.equal(length.next, 6);
    length.record(6, 0);
    assert.equal(length.next, 1);
    length.record(0, 0);
    assert.equal(length.next, 1, 'a batch without a draft changes nothing');
    length.record(1, 1);
    assert.equal(length.next, 2);
  });

  it('never exceeds a small max', () => {
    const length = new DraftLength(1);
    length.record(1, 1);
    assert.equal(length.next, 1);
  });
});

describe('speculation settings', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown; scope?: string }> } };
  };
  const setting = (name: string) => manifest.contributes.configuration.properties[name]!;

  it('package.json defaults match LOCAL_DEFAULTS, and the draft path is machine-scoped like modelPath', () => {
    assert.equal(setting('r1Coder.local.speculative').default, LOCAL_DEFAULTS.speculative);
    assert.equal(setting('r1Coder.local.draftModelPath').default, '');
    assert.equal(setting('r1Coder.local.draftModelPath').scope, setting('r1Coder.local.modelPath').scope);
  });
});
