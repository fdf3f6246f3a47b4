/**
 * A question's message built by the local provider in its worker: counted with the script model's
 * own tokenizer (compared here with node-llama-cpp's model.tokenize in this process), fitted to the
 * real context size less the earlier turns, and then answered without running out of context.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LlamaModel } from 'node-llama-cpp';
import { estimateTokens } from '../../src/core/context/tokens';
import type { ContextItem } from '../../src/core/context/types';
import type { ChatMessage } from '../../src/core/provider';
import { LocalProvider } from '../../src/providers/local/localProvider';
import { writeScriptModel } from '../gguf/scriptModel';
import { buildLocalWorker } from '../support/localWorkerBundle';

const CONTEXT_SIZE = 4096;

function source(count: number): string {
  return `${Array.from({ length: count }, (_, i) => `export function times${i}(n: number): number { return n * ${i}; } // café ✓`).join('\n')}\n`;
}

describe('local context build (the worker, the script model’s tokenizer)', () => {
  let dir: string;
  let modelPath: string;
  let provider: LocalProvider;
  let model: LlamaModel;
  const countTokens = (text: string) => model.tokenize(text).length;
  const items: ContextItem[] = [
    {
      kind: 'activeFile',
      path: 'src/math.ts',
      languageId: 'typescript',
      text: source(400),
      focus: { first: 200, last: 205 },
      origin: 'activeEditor',
    },
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r1-context-build-'));
    modelPath = join(dir, 'script.gguf');
    writeScriptModel(modelPath);
    // Inside the repo (out/, git-ignored), where node_modules resolves for the worker.
    const workerPath = await buildLocalWorker(
      join(__dirname, '..', '..', 'out', 'test', 'context-build', 'localWorker.js'),
    );
    // CPU only and one thread, as in the LocalProvider tests (shared 2-core machines).
    provider = new LocalProvider({ modelPath, workerPath, gpuLayers: 0, threads: 1, contextSizeCap: CONTEXT_SIZE });
    const nlc = await import('node-llama-cpp');
    const llama = await nlc.getLlama({ gpu: false, maxThreads: 0, logLevel: nlc.LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath });
  });

  after(async () => {
    provider?.dispose();
    await model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts with the model’s tokenizer and fits the message into the budget of the real context', async () => {
    const result = await provider.buildContext({ question: 'Which function overflows?', items, history: [] });
    const budget = provider.contextBudget();
    assert.ok(budget <= CONTEXT_SIZE / 2, `the loaded window's share: ${budget}`);
    const counted = countTokens(result.message);
    assert.equal(result.tokens, counted, 'the worker counted with the model’s own tokenizer');
    assert.ok(counted <= budget, `${counted} ≤ ${budget}`);
    assert.ok(counted >= budget * 0.7, `${counted} fills most of ${budget}`);
    assert.ok(estimateTokens(result.message) < counted * 0.6, 'the estimate alone would have sent far more');
    assert.equal(result.items[0]?.trimmed, true);
    assert.match(result.message, /### Question\nWhich function overflows\?$/);

    // The message it built is answered: it leaves room for the thought and the answer.
    const chunks: string[] = [];
    for await (const chunk of provider.stream({
      messages: [{ role: 'user', content: result.message }],
      signal: new AbortController().signal,
    })) {
      if (chunk.type === 'error') assert.fail(chunk.error.message);
      if (chunk.type === 'finish') chunks.push(chunk.reason);
    }
    assert.deepEqual(chunks, ['stop']);
  });

  it('leaves less room for attachments after earlier turns', async () => {
    const history: ChatMessage[] = [
      { role: 'user', content: `Earlier question. ${'context '.repeat(30)}` },
      { role: 'assistant', content: `Earlier answer. ${'words '.repeat(30)}` },
    ];
    const alone = await provider.buildContext({ question: 'Which function overflows?', items, history: [] });
    const after = await provider.buildContext({ question: 'Which function overflows?', items, history });
    const historyTokens = history.reduce((sum, message) => sum + countTokens(message.content), 0);
    // The earlier turns take their tokens (and the template's) out of the window's share.
    const room = provider.contextBudget() - historyTokens;
    assert.ok(after.tokens <= room, `${after.tokens} ≤ ${room} (${historyTokens} history tokens)`);
    assert.ok(after.tokens < alone.tokens, `${after.tokens} < ${alone.tokens}`);
  });
});
