import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanModelName, isQuestionEffort, isReasoningModelName } from '../../src/core/questionOptions';
import { REASONING_EFFORTS } from '../../src/providers/cloud/cloudServer';
import { LOCAL_DEFAULTS } from '../../src/providers/local/localDefaults';

describe('isReasoningModelName', () => {
  it('marks the reasoning models servers list', () => {
    for (const name of [
      'deepseek-reasoner',
      'deepseek-v4-flash',
      'deepseek-v4-pro',
      'deepseek-r1:7b',
      'DeepSeek-R1-Distill-Qwen-7B',
      'deepseek/deepseek-r1-0528',
      'hf.co/unsloth/DeepSeek-R1-0528-Qwen3-8B-GGUF:Q4_K_M',
      'qwq:32b',
      'Qwen/QwQ-32B',
      'qwen3:8b',
      'claude-3-7-sonnet-thinking',
      'gemini-2.0-flash-thinking-exp',
      'o1',
      'o3-mini',
      'openai/o4-mini',
      'magistral-small',
    ]) {
      assert.equal(isReasoningModelName(name), true, name);
    }
  });

  it('leaves other models unmarked', () => {
    for (const name of [
      'deepseek-chat',
      'deepseek-coder-v2:16b',
      'gpt-4o',
      'llama3.1:8b',
      'qwen2.5-coder:7b',
      'mistral-large',
      'r10-model',
      'falcon-180b',
      'foo1',
      'gemma3:4b',
    ]) {
      assert.equal(isReasoningModelName(name), false, name);
    }
  });
});

describe('question efforts', () => {
  it('are the settings efforts without auto, and each has a local thinking budget', () => {
    assert.deepEqual(
      REASONING_EFFORTS.filter((effort) => effort !== 'auto'),
      ['low', 'medium', 'high', 'max'],
    );
    for (const effort of ['low', 'medium', 'high', 'max']) {
      assert.equal(isQuestionEffort(effort), true, effort);
      assert.equal(typeof LOCAL_DEFAULTS.effortThinkingBudgets[effort as 'low'], 'number', effort);
    }
    assert.equal(isQuestionEffort('auto'), false);
    assert.equal(isQuestionEffort(undefined), false);
    // More effort never means a smaller budget (0 is the most: node-llama-cpp's default).
    const { low, medium, high, max } = LOCAL_DEFAULTS.effortThinkingBudgets;
    assert.ok(low < medium && medium < high && max === 0);
  });
});

describe('cleanModelName', () => {
  it('trims and refuses empty, long or control-character names', () => {
    assert.equal(cleanModelName('  deepseek-r1:7b\t'), 'deepseek-r1:7b');
    assert.equal(cleanModelName(''), undefined);
    assert.equal(cleanModelName('a\u0007b'), undefined);
    assert.equal(cleanModelName('x'.repeat(201)), undefined);
    assert.equal(cleanModelName(42), undefined);
  });
});
