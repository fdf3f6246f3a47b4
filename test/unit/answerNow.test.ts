import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSession, type SessionEvent } from '../../src/core/chatSession';
import type { StreamChunk } from '../../src/core/chunks';
import type { ChatProvider, ChatRequest } from '../../src/core/provider';
import { parseWebviewMessage } from '../../src/shared/protocol';
import { toHostMessage } from '../../src/shared/sessionWire';

/**
 * A provider that thinks until its endThought signal fires, then answers (what a local model does),
 * or, without `canEndThought`, ignores it.
 */
function thinker(canEndThought: boolean, requests: ChatRequest[]): ChatProvider {
  return {
    label: 'Thinker · test',
    canEndThought,
    async *stream(request) {
      requests.push(request);
      for (let step = 0; step < 50; step++) {
        await new Promise((resolve) => setImmediate(resolve));
        if (request.signal.aborted) {
          yield { type: 'finish', reason: 'aborted' };
          return;
        }
        if (canEndThought && request.endThought?.aborted) break;
        yield { type: 'reasoning', text: `step ${step}. ` };
      }
      yield { type: 'answer', text: 'the answer' };
      yield { type: 'finish', reason: 'stop' } satisfies StreamChunk;
    },
  };
}

describe('parseWebviewMessage: answerNow', () => {
  it('accepts a turn id and nothing else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'answerNow', turnId: 't1', text: 'x' }), {
      type: 'answerNow',
      turnId: 't1',
    });
    for (const raw of [{ type: 'answerNow' }, { type: 'answerNow', turnId: 7 }, { type: 'answerNow', turnId: '' }])
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
  });
});

describe('ChatSession.answerNow', () => {
  it('fires the running request’s endThought once, while the turn thinks', async () => {
    const requests: ChatRequest[] = [];
    const taken: boolean[] = [];
    const events: SessionEvent[] = [];
    const chat = new ChatSession({
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'delta' && event.reasoning === 'step 2. ') {
          taken.push(chat.answerNow('someone-else'));
          taken.push(chat.answerNow(event.turnId));
          taken.push(chat.answerNow(event.turnId));
        }
      },
    });
    assert.equal(chat.answerNow(), false, 'nothing streams');
    const turn = await chat.ask('q', thinker(true, requests));
    assert.deepEqual(taken, [false, true, false]);
    assert.equal(requests[0]?.endThought?.aborted, true);
    assert.equal(requests[0]?.signal.aborted, false, 'the turn is not stopped');
    assert.equal(turn.status, 'done');
    assert.equal(turn.reasoning, 'step 0. step 1. step 2. ');
    assert.equal(turn.answer, 'the answer');
    const started = events.find((event) => event.type === 'turnStarted');
    assert.equal(started?.type === 'turnStarted' && started.canEndThought, true);
    assert.equal(chat.answerNow(), false, 'nothing streams any more');
  });

  it('does nothing once the turn is answering', async () => {
    const requests: ChatRequest[] = [];
    const taken: boolean[] = [];
    const chat = new ChatSession({
      onEvent: (event) => {
        if (event.type === 'delta' && event.answer) taken.push(chat.answerNow(event.turnId));
      },
    });
    await chat.ask('q', thinker(true, requests));
    assert.deepEqual(taken, [false]);
    assert.equal(requests[0]?.endThought?.aborted, false);
  });

  it('tells the panel which turns can end their thought', async () => {
    const messages: unknown[] = [];
    const chat = new ChatSession({ onEvent: (event) => messages.push(toHostMessage(event)) });
    await chat.ask('q', thinker(false, []));
    await chat.ask('q', thinker(true, []));
    const flags = messages
      .filter((message) => (message as { type: string }).type === 'turnStarted')
      .map((message) => (message as { turn: { canEndThought?: boolean } }).turn.canEndThought);
    assert.deepEqual(flags, [undefined, true]);
  });
});
