/**
 * The context budget with a real tokenizer: the script model's own (node-llama-cpp's
 * model.tokenize), as the local provider will count. Its vocabulary is bytes plus a few pieces, so
 * it needs far more tokens per character than the cloud estimate assumes: the budget must hold by
 * the counter the builder is given, not by the estimate.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LlamaModel } from 'node-llama-cpp';
import { buildContextMessage } from '../../src/core/context/buildContext';
import { estimateTokens } from '../../src/core/context/tokens';
import type { ContextItem } from '../../src/core/context/types';
import { writeScriptModel } from '../gguf/scriptModel';

function source(count: number, name: string): string {
  return `${Array.from({ length: count }, (_, i) => `export function ${name}${i}(n: number): number { return n * ${i}; } // café ✓`).join('\n')}\n`;
}

describe('context budget with the script model’s tokenizer', () => {
  let dir: string;
  let model: LlamaModel;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r1-context-tokens-'));
    const path = join(dir, 'script.gguf');
    writeScriptModel(path);
    const nlc = await import('node-llama-cpp');
    const llama = await nlc.getLlama({ gpu: false, maxThreads: 0, logLevel: nlc.LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: path });
  });
  after(async () => {
    await model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fits the whole user message into the budget as the model counts it, trimming the largest first', () => {
    const countTokens = (text: string) => model.tokenize(text).length;
    const items: ContextItem[] = [
      {
        kind: 'activeFile',
        path: 'src/math.ts',
        languageId: 'typescript',
        text: source(400, 'times'),
        focus: { first: 300, last: 305 },
        origin: 'activeEditor',
      },
      { kind: 'file', path: 'src/small.ts', languageId: 'typescript', text: source(3, 'small'), origin: 'picker' },
      { kind: 'file', path: 'src/other.ts', languageId: 'typescript', text: source(150, 'other'), origin: 'picker' },
    ];
    for (const budget of [4000, 9000, 16000]) {
      const result = buildContextMessage({
        question: 'Which function overflows?',
        items,
        budgetTokens: budget,
        countTokens,
      });
      const counted = countTokens(result.message);
      assert.equal(result.tokens, counted);
      assert.ok(counted <= budget, `${counted} ≤ ${budget}`);
      assert.equal(result.overBudget, false);
      // The estimate would have let far more through: the real counter drove the trim.
      assert.ok(
        estimateTokens(result.message) < counted * 0.6,
        `estimate ${estimateTokens(result.message)} vs ${counted}`,
      );
      // Filled, not starved.
      assert.ok(counted >= budget * 0.8, `${counted} fills ${budget}`);
      const [active, small, other] = result.items;
      assert.equal(active!.trimmed, true);
      assert.equal(small!.trimmed, false);
      assert.match(active!.shown, /^lines \d+–\d+$/);
      const [, from, to] = /^lines (\d+)–(\d+)$/.exec(active!.shown)!;
      assert.ok(Number(from) <= 301 && Number(to) >= 306, `the cursor region ${active!.shown}`);
      // Each report's tokens are its section's, as the model counts them.
      const sections = result.message.split('\n\n### ');
      for (const report of [active!, small!, other!]) {
        const section = sections.find((part) => part.includes(`: ${report.path} (`))!;
        assert.equal(report.tokens, countTokens(section.startsWith('###') ? section : `### ${section}`));
      }
      assert.ok(result.message.endsWith('### Question\nWhich function overflows?'));
    }
  });
});
