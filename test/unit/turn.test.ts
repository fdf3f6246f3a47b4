// The one rule for how stream events change a turn (src/core/turn.ts), and proof that the panel's copy,
// built only from the wire messages the host posts, ends up exactly as the session's own turn.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSession, type SessionEvent } from '../../src/core/chatSession';
import type { StreamChunk } from '../../src/core/chunks';
import type { ChatProvider } from '../../src/core/provider';
import { applyTurnEvent } from '../../src/core/turn';
import type { HostMessage, TurnWire } from '../../src/shared/protocol';
import { toHostMessage, toTurnWire } from '../../src/shared/sessionWire';

const base: TurnWire = {
  id: 't1',
  question: 'q',
  reasoning: '',
  answer: '',
  status: 'streaming',
  modelLabel: 'Test · r1',
  startedAt: 100,
};

function scripted(chunks: readonly StreamChunk[]): ChatProvider {
  return {
    label: 'Scripted · test',
    async *stream(request) {
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

/** As postMessage delivers it: an undefined field and an absent one are the same. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** The panel's store, as src/webview/store.ts keeps it: the started turn, then every change applied. */
function panelCopy(messages: readonly HostMessage[]): Map<string, TurnWire> {
  const turns = new Map<string, TurnWire>();
  for (const message of JSON.parse(JSON.stringify(messages)) as HostMessage[]) {
    switch (message.type) {
      case 'turnStarted':
        turns.set(message.turn.id, message.turn);
        break;
      case 'delta':
      case 'reclassified':
      case 'notice':
      case 'usage':
      case 'turnEnded': {
        const turn = turns.get(message.turnId);
        assert.ok(turn, `a change for a started turn: ${message.type}`);
        turns.set(turn.id, applyTurnEvent(turn, message));
        break;
      }
      default:
        assert.fail(`unexpected message ${message.type}`);
    }
  }
  return turns;
}

describe('applyTurnEvent', () => {
  it('appends deltas and times the thought from the first reasoning delta to the first answer delta', () => {
    let turn = applyTurnEvent(base, { type: 'delta', turnId: 't1', reasoning: 'a', answer: '', at: 200 });
    turn = applyTurnEvent(turn, { type: 'delta', turnId: 't1', reasoning: 'b', answer: '', at: 300 });
    turn = applyTurnEvent(turn, { type: 'delta', turnId: 't1', reasoning: '', answer: 'X', at: 400 });
    turn = applyTurnEvent(turn, { type: 'delta', turnId: 't1', reasoning: '', answer: 'Y', at: 500 });
    assert.deepEqual(
      { ...turn },
      { ...base, reasoning: 'ab', answer: 'XY', reasoningStartedAt: 200, reasoningEndedAt: 400 },
    );
  });

  it('a reclassified thought becomes the start of the answer, with no thinking time', () => {
    const thinking = { ...base, reasoning: 'plain ', answer: 'text', reasoningStartedAt: 200, reasoningEndedAt: 300 };
    const turn = applyTurnEvent(thinking, { type: 'reclassified', turnId: 't1' });
    assert.equal(turn.answer, 'plain text');
    assert.equal(turn.reasoning, '');
    assert.equal(turn.reasoningStartedAt, undefined);
    assert.equal(turn.reasoningEndedAt, undefined);
  });

  it('ending sets status, time, reason and error, clears the notice, and ends a thought still open', () => {
    const thinking = { ...base, reasoning: 'r', reasoningStartedAt: 200, notice: 'Retrying.' };
    const error = { message: 'dropped', actions: [{ kind: 'retry' as const }] };
    const ended = applyTurnEvent(thinking, { type: 'turnEnded', turnId: 't1', status: 'incomplete', at: 900, error });
    assert.equal(ended.status, 'incomplete');
    assert.equal(ended.endedAt, 900);
    assert.equal(ended.reasoningEndedAt, 900);
    assert.deepEqual(ended.error, error);
    assert.equal(ended.notice, undefined);
    // No thought: no thinking time either.
    const plain = applyTurnEvent(base, { type: 'turnEnded', turnId: 't1', status: 'done', at: 900 });
    assert.equal(plain.reasoningEndedAt, undefined);
  });

  it('keeps the fields it does not know, and leaves the input as it was', () => {
    const turn = { ...base, extra: 'kept' };
    const next = applyTurnEvent(turn, { type: 'usage', turnId: 't1', usage: { promptTokens: 1, completionTokens: 2 } });
    assert.equal(next.extra, 'kept');
    assert.deepEqual(next.usage, { promptTokens: 1, completionTokens: 2 });
    assert.equal(turn.usage, undefined);
  });
});

describe("the panel's copy of a turn equals the session's", () => {
  const scripts: Record<string, readonly StreamChunk[]> = {
    'thought, answer and usage': [
      { type: 'reasoning', text: 'think ' },
      { type: 'reasoning', text: 'more' },
      { type: 'answer', text: 'ans' },
      { type: 'answer', text: 'wer' },
      { type: 'usage', usage: { promptTokens: 5, completionTokens: 9, reasoningTokens: 6 } },
      { type: 'finish', reason: 'stop' },
    ],
    'a retry notice, then a reclassified thought': [
      { type: 'retry', attempt: 1, delayMs: 1500, reason: 'Busy.' },
      { type: 'reasoning', text: 'no tags ' },
      { type: 'reasoning', text: 'here' },
      { type: 'reclassify' },
      { type: 'answer', text: ', really.' },
      { type: 'finish', reason: 'stop' },
    ],
    'cut off after output': [
      { type: 'reasoning', text: 'partial' },
      {
        type: 'error',
        error: { kind: 'streamCut', transient: true, message: 'dropped', actions: [{ kind: 'retry' }] },
      },
    ],
    'the token limit': [
      { type: 'answer', text: 'Once upon' },
      { type: 'finish', reason: 'length' },
    ],
    'an error before any output': [
      { type: 'error', error: { kind: 'auth', transient: false, message: 'no key', actions: [{ kind: 'setApiKey' }] } },
    ],
  };
  for (const [name, chunks] of Object.entries(scripts)) {
    it(name, async () => {
      const events: SessionEvent[] = [];
      let clock = 1_000;
      const chat = new ChatSession({ onEvent: (event) => events.push(event), now: () => (clock += 7) });
      const turn = await chat.ask('q', scripted(chunks));
      const copy = json(panelCopy(events.map(toHostMessage)).get(turn.id));
      assert.deepEqual(copy, json(toTurnWire(turn)));
      assert.deepEqual(copy, json(toTurnWire(chat.turns.at(-1)!)));
    });
  }

  it('a stopped turn', async () => {
    const events: SessionEvent[] = [];
    const chat = new ChatSession({ onEvent: (event) => events.push(event) });
    const chunks: StreamChunk[] = Array.from({ length: 50 }, () => ({ type: 'reasoning', text: 'x' }));
    const asked = chat.ask('q', scripted(chunks));
    while (!chat.turns.at(-1)?.reasoning) await new Promise((resolve) => setImmediate(resolve));
    await chat.stop();
    const turn = await asked;
    assert.equal(turn.status, 'stopped');
    assert.deepEqual(json(panelCopy(events.map(toHostMessage)).get(turn.id)), json(toTurnWire(turn)));
  });
});

describe('toTurnWire', () => {
  it('carries what the panel draws, not how the turn was asked', async () => {
    const chat = new ChatSession({ onEvent: () => undefined });
    const fix = {
      documentUri: 'file:///a.ts',
      selection: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
      selectionText: 'SECRET_SELECTION',
      target: 'a.ts:1',
    };
    const turn = await chat.ask('q', scripted([{ type: 'answer', text: 'a' }]), 'Fix a.ts:1', { source: 'local', fix });
    const wire = toTurnWire(turn);
    assert.equal(wire.title, 'Fix a.ts:1');
    assert.ok(!('request' in wire));
    assert.ok(!JSON.stringify(wire).includes('SECRET_SELECTION'));
  });
});
