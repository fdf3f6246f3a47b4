/**
 * Answer now on a local model: the real worker bundle and node-llama-cpp on script models whose
 * output is known token for token. Ending the thought keeps what was thought, and the same reply
 * goes on with the answer.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/core/chatSession';
import type { StreamChunk, Usage } from '../../src/core/chunks';
import { LocalProvider } from '../../src/providers/local/localProvider';
import { expectedSplit, longScript, writeScriptModel } from '../gguf/scriptModel';
import { buildLocalWorker } from '../support/localWorkerBundle';

const LONG_THOUGHT = longScript(300, 2);
const LONG_ANSWER = longScript(2, 300);
const expectedLongThought = expectedSplit(LONG_THOUGHT);
const expectedLongAnswer = expectedSplit(LONG_ANSWER);

let dir: string;
let provider: LocalProvider;
let workerPath: string;
const models = { longThought: '', longAnswer: '' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r1-answer-now-'));
  workerPath = await buildLocalWorker();
  models.longThought = join(dir, 'long-thought.gguf');
  models.longAnswer = join(dir, 'long-answer.gguf');
  writeScriptModel(models.longThought, LONG_THOUGHT);
  writeScriptModel(models.longAnswer, LONG_ANSWER);
  // CPU only, one thread: the cores are shared with other builds.
  provider = new LocalProvider({ modelPath: models.longThought, workerPath, gpuLayers: 0, threads: 1 });
});

after(() => {
  provider.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Collected {
  readonly reasoning: string;
  readonly answer: string;
  readonly usage?: Usage;
  readonly finish?: string;
  /** The reasoning streamed when Answer now was fired. */
  readonly reasoningAtEnd: string;
}

/** Streams one request and fires Answer now at the first chunk `when` accepts. */
async function collectEndingThought(when: (chunk: StreamChunk) => boolean): Promise<Collected> {
  const stop = new AbortController();
  const endThought = new AbortController();
  let reasoning = '';
  let answer = '';
  let usage: Usage | undefined;
  let finish: string | undefined;
  let reasoningAtEnd = '';
  const messages = [{ role: 'user' as const, content: 'Why is the sum wrong?' }];
  for await (const chunk of provider.stream({ messages, signal: stop.signal, endThought: endThought.signal })) {
    if (chunk.type === 'reasoning') reasoning += chunk.text;
    if (chunk.type === 'answer') answer += chunk.text;
    if (chunk.type === 'usage') usage = chunk.usage;
    if (chunk.type === 'finish') finish = chunk.reason;
    if (!endThought.signal.aborted && when(chunk)) {
      reasoningAtEnd = reasoning;
      endThought.abort();
    }
  }
  return { reasoning, answer, usage, finish, reasoningAtEnd };
}

describe('LocalProvider: Answer now', () => {
  it('ends the thought at once, keeps what was thought, and answers in the same reply', async () => {
    provider.configure({ modelPath: models.longThought, workerPath, gpuLayers: 0, threads: 1 });
    let seen = 0;
    const result = await collectEndingThought((chunk) => chunk.type === 'reasoning' && ++seen === 3);
    assert.equal(result.finish, 'stop');
    // What was thought stays, and the thought stopped growing soon after (not the whole 300 lines).
    assert.ok(result.reasoningAtEnd.length > 0);
    assert.ok(expectedLongThought.reasoning.startsWith(result.reasoning), 'the thought is the script’s, cut short');
    assert.ok(
      result.reasoning.length < expectedLongThought.reasoning.length / 2,
      `thought ${result.reasoning.length} of ${expectedLongThought.reasoning.length} characters`,
    );
    // The answer follows the closed thought.
    assert.equal(result.answer, expectedLongThought.answer);
    // Usage counts both parts.
    const reasoningTokens = result.usage?.reasoningTokens ?? 0;
    assert.ok(reasoningTokens > 0);
    assert.ok((result.usage?.completionTokens ?? 0) > reasoningTokens, JSON.stringify(result.usage));
  });

  it('after the answer started it changes nothing', async () => {
    provider.configure({ modelPath: models.longAnswer, workerPath, gpuLayers: 0, threads: 1 });
    const result = await collectEndingThought((chunk) => chunk.type === 'answer');
    assert.equal(result.finish, 'stop');
    assert.deepEqual([result.reasoning, result.answer], [expectedLongAnswer.reasoning, expectedLongAnswer.answer]);
  });

  it('through ChatSession.answerNow: the turn ends done with the partial thought and the answer', async () => {
    provider.configure({ modelPath: models.longThought, workerPath, gpuLayers: 0, threads: 1 });
    const started: boolean[] = [];
    const answered: boolean[] = [];
    const session = new ChatSession({
      onEvent: (event) => {
        if (event.type === 'turnStarted') started.push(event.canEndThought === true);
        // Answer now on the first turn only; the follow-up thinks in full.
        if (event.type === 'delta' && event.reasoning && started.length === 1)
          answered.push(session.answerNow(event.turnId));
      },
    });
    const turn = await session.ask('Why is the sum wrong?', provider);
    assert.deepEqual(started, [true]);
    assert.ok(answered.length > 0);
    assert.equal(answered[0], true, 'the first Answer now is taken');
    assert.ok(
      answered.slice(1).every((taken) => !taken),
      'later ones do nothing',
    );
    assert.equal(turn.status, 'done');
    assert.ok(turn.reasoning.length > 0 && turn.reasoning.length < expectedLongThought.reasoning.length / 2);
    assert.ok(expectedLongThought.reasoning.startsWith(turn.reasoning));
    assert.equal(turn.answer, expectedLongThought.answer);
    // The conversation goes on: a follow-up is answered in full.
    const next = await session.ask('And the other loop?', provider);
    assert.deepEqual(
      [next.status, next.reasoning, next.answer],
      ['done', expectedLongThought.reasoning, expectedLongThought.answer],
    );
  });
});
