import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSession, type SessionEvent } from '../../src/core/chatSession';
import type { TurnRequest } from '../../src/core/turn';
import type { StreamChunk } from '../../src/core/chunks';
import type { ChatProvider, ChatRequest } from '../../src/core/provider';

/** A scripted source of chunks (the session's logic under test, not a provider's). */
function scripted(chunks: readonly StreamChunk[], requests: ChatRequest[] = []): ChatProvider {
  return {
    label: 'Scripted · test',
    async *stream(request) {
      requests.push(request);
      for (const chunk of chunks) {
        await new Promise((resolve) => setImmediate(resolve));
        if (request.signal.aborted) {
          yield { type: 'finish', reason: 'aborted' };
          return;
        }
        yield chunk;
      }
    },
  };
}

function session() {
  const events: SessionEvent[] = [];
  let clock = 1000;
  const chat = new ChatSession({ onEvent: (event) => events.push(event), now: () => (clock += 10) });
  return { chat, events };
}

describe('ChatSession', () => {
  it('accumulates reasoning and answer and ends done with usage', async () => {
    const { chat, events } = session();
    const turn = await chat.ask(
      'q',
      scripted([
        { type: 'reasoning', text: 'think ' },
        { type: 'reasoning', text: 'more' },
        { type: 'answer', text: 'ans' },
        { type: 'usage', usage: { promptTokens: 5, completionTokens: 9, reasoningTokens: 6 } },
        { type: 'finish', reason: 'stop' },
      ]),
    );
    assert.equal(turn.reasoning, 'think more');
    assert.equal(turn.answer, 'ans');
    assert.equal(turn.status, 'done');
    assert.equal(turn.usage?.reasoningTokens, 6);
    assert.ok(turn.reasoningEndedAt! > turn.startedAt && turn.reasoningEndedAt! <= turn.endedAt!);
    assert.deepEqual(
      events.map((event) => event.type),
      ['turnStarted', 'delta', 'delta', 'delta', 'usage', 'turnEnded'],
    );
    assert.equal(chat.busy, false);
  });

  it('times the thought from the first reasoning delta, not from the request (load and retry waits excluded)', async () => {
    const events: SessionEvent[] = [];
    let clock = 1_000;
    const chat = new ChatSession({ onEvent: (event) => events.push(event), now: () => clock });
    const turn = await chat.ask('q', {
      label: 'slow start',
      async *stream() {
        await Promise.resolve();
        clock += 5_000; // a retry wait
        yield { type: 'retry', attempt: 1, delayMs: 15_000, reason: 'Server busy.' };
        clock += 15_000; // and a model load
        yield { type: 'reasoning', text: 'first ' };
        clock += 6_000;
        yield { type: 'reasoning', text: 'second' };
        clock += 6_000;
        yield { type: 'answer', text: 'done' };
        clock += 1_000;
        yield { type: 'finish', reason: 'stop' };
      },
    });
    assert.equal(turn.startedAt, 1_000);
    assert.equal(turn.reasoningStartedAt, 21_000);
    assert.equal(turn.reasoningEndedAt, 33_000);
    const firstDelta = events.find((event) => event.type === 'delta');
    assert.equal(firstDelta?.type === 'delta' && firstDelta.at, 21_000, 'the first delta carries the same time');
    const started = events[0];
    assert.equal(started?.type === 'turnStarted' && started.turn.reasoningStartedAt, undefined);
  });

  it('a reclassified thought has no thinking time', async () => {
    const { chat } = session();
    const turn = await chat.ask(
      'q',
      scripted([{ type: 'reasoning', text: 'plain' }, { type: 'reclassify' }, { type: 'finish', reason: 'stop' }]),
    );
    assert.equal(turn.reasoningStartedAt, undefined);
    assert.equal(turn.reasoningEndedAt, undefined);
  });

  it('keeps partial output and marks it incomplete when the stream is cut', async () => {
    const { chat } = session();
    const turn = await chat.ask(
      'q',
      scripted([
        { type: 'reasoning', text: 'partial' },
        {
          type: 'error',
          error: { kind: 'streamCut', transient: true, message: 'dropped', actions: [{ kind: 'retry' }] },
        },
      ]),
    );
    assert.equal(turn.status, 'incomplete');
    assert.equal(turn.reasoning, 'partial');
    assert.equal(turn.error?.message, 'dropped');
  });

  it('an error before any output ends the turn as error; it is not sent as history', async () => {
    const { chat } = session();
    await chat.ask(
      'failed question',
      scripted([{ type: 'error', error: { kind: 'auth', transient: false, message: 'bad key', actions: [] } }]),
    );
    const requests: ChatRequest[] = [];
    await chat.ask(
      'next',
      scripted(
        [
          { type: 'answer', text: 'ok' },
          { type: 'finish', reason: 'stop' },
        ],
        requests,
      ),
    );
    assert.deepEqual(requests[0]!.messages, [{ role: 'user', content: 'next' }]);
    assert.equal(chat.turns[0]!.status, 'error');
  });

  it('sends earlier answers without reasoning on a follow-up', async () => {
    const { chat } = session();
    await chat.ask(
      'first',
      scripted([
        { type: 'reasoning', text: 'secret thoughts' },
        { type: 'answer', text: 'one' },
        { type: 'finish', reason: 'stop' },
      ]),
    );
    const requests: ChatRequest[] = [];
    await chat.ask(
      'second',
      scripted(
        [
          { type: 'answer', text: 'two' },
          { type: 'finish', reason: 'stop' },
        ],
        requests,
      ),
    );
    assert.deepEqual(requests[0]!.messages, [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'second' },
    ]);
  });

  it('stop() aborts through the signal and keeps what arrived', async () => {
    const { chat, events } = session();
    const many: StreamChunk[] = Array.from({ length: 1000 }, () => ({ type: 'reasoning', text: 'x' }));
    const pending = chat.ask('q', scripted(many));
    // Stop once something arrived: a fixed 5 ms wait was sometimes too short under load.
    while (!events.some((event) => event.type === 'delta')) await new Promise((resolve) => setImmediate(resolve));
    await chat.stop();
    const turn = await pending;
    assert.equal(turn.status, 'stopped');
    assert.ok(turn.reasoning.length > 0 && turn.reasoning.length < 1000);
  });

  it('asking while a turn streams stops that turn first (one request at a time)', async () => {
    const { chat } = session();
    const long: StreamChunk[] = Array.from({ length: 1000 }, () => ({ type: 'answer', text: 'y' }));
    const first = chat.ask('one', scripted(long));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await chat.ask(
      'two',
      scripted([
        { type: 'answer', text: 'done' },
        { type: 'finish', reason: 'stop' },
      ]),
    );
    assert.equal((await first).status, 'stopped');
    assert.equal(second.status, 'done');
  });

  it('applies reclassification and finish length', async () => {
    const { chat } = session();
    const turn = await chat.ask(
      'q',
      scripted([{ type: 'reasoning', text: 'plain' }, { type: 'reclassify' }, { type: 'finish', reason: 'length' }]),
    );
    assert.equal(turn.reasoning, '');
    assert.equal(turn.answer, 'plain');
    assert.equal(turn.status, 'incomplete');
    assert.match(turn.error!.message, /token limit/);
  });

  it('a provider that throws still ends the turn cleanly', async () => {
    const { chat } = session();
    const turn = await chat.ask('q', {
      label: 'broken',
      // eslint-disable-next-line require-yield
      async *stream() {
        await Promise.resolve();
        throw new Error('boom');
      },
    });
    assert.equal(turn.status, 'error');
    assert.match(turn.error!.message, /boom/);
    assert.equal(chat.busy, false);
  });

  it('restore turns streaming turns into stopped ones', () => {
    const { chat } = session();
    chat.restore([
      { id: 'a', question: 'q', reasoning: 'r', answer: '', status: 'streaming', modelLabel: 'm', startedAt: 1 },
    ]);
    assert.equal(chat.turns[0]!.status, 'stopped');
  });

  it('keeps how a turn was asked with the turn, through view() and restore; a plain ask has none', async () => {
    const { chat } = session();
    const done: StreamChunk[] = [
      { type: 'answer', text: 'a' },
      { type: 'finish', reason: 'stop' },
    ];
    const request: TurnRequest = {
      source: 'local',
      fix: {
        documentUri: 'file:///w/a.ts',
        selection: { start: { line: 2, character: 0 }, end: { line: 4, character: 3 } },
        selectionText: 'x',
        target: 'a.ts:3–5',
      },
    };
    const fix = await chat.ask('Fix it', scripted(done), 'Fix a.ts:3–5', request);
    const plain = await chat.ask('Why?', scripted(done), undefined, {});
    assert.deepEqual(fix.request, request);
    assert.equal('request' in plain, false, 'nothing is saved for a question asked the default way');
    // Saved as JSON and restored, as after a window reload.
    const saved = JSON.parse(JSON.stringify(chat.view().turns)) as (typeof fix)[];
    const { chat: reloaded } = session();
    reloaded.restore(saved);
    assert.deepEqual(reloaded.turns[0]!.request, request);
    assert.equal(reloaded.turns[1]!.request, undefined);
  });
});
