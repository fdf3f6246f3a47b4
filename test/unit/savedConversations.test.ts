// The saved format: what 0.1.0 saved (real fixtures, test/fixtures/history/0.1.0) comes back field for
// field, saving and loading round-trips, malformed input is repaired or left out without throwing, and
// a newer version's data is refused and never overwritten.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChatSession } from '../../src/core/chatSession';
import {
  CURRENT_KEY,
  HISTORY_KEY,
  LEGACY_HISTORY_KEY,
  SavedHistoryStore,
  type KeyValueState,
} from '../../src/core/historyStore';
import {
  fromSavedTurn,
  parseSavedHistory,
  savedHistory,
  toSavedTurn,
  type ParsedHistory,
  type SavedConversation,
} from '../../src/core/savedConversations';

const FIXTURES = join(__dirname, '..', 'fixtures', 'history', '0.1.0');
type State = Record<string, unknown>;
const fixture = (name: string): State => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as State;

function loaded(parsed: ParsedHistory): Extract<ParsedHistory, { kind: 'loaded' }> {
  assert.equal(parsed.kind, 'loaded', parsed.kind === 'refused' ? parsed.reason : '');
  return parsed as Extract<ParsedHistory, { kind: 'loaded' }>;
}

/** Workspace state as VS Code keeps it: values stored as JSON. */
function memento(initial: State): KeyValueState & { readonly values: State } {
  const values: State = JSON.parse(JSON.stringify(initial)) as State;
  return {
    values,
    get: <T>(key: string) => values[key] as T | undefined,
    update: (key: string, value: unknown) => {
      if (value === undefined) delete values[key];
      else values[key] = JSON.parse(JSON.stringify(value));
      return Promise.resolve();
    },
  };
}

describe('0.1.0 history (real fixtures)', () => {
  const state = fixture('workspace-state.json');
  const raw = state[LEGACY_HISTORY_KEY] as { id: string; turns: Record<string, unknown>[] }[];
  const parsed = loaded(parseSavedHistory(raw));
  const byId = (id: string) => parsed.conversations.find((conversation) => conversation.id === id)!;
  const current = byId('c-current');

  it('reads every conversation and turn, in order, dropping nothing', () => {
    assert.equal(parsed.format, '0.1.0');
    assert.deepEqual(parsed.dropped, { conversations: 0, turns: 0 });
    assert.deepEqual(
      parsed.conversations.map((conversation) => [conversation.id, conversation.turns.length]),
      [
        ['c-current', 7],
        ['c-crashed-mid-stream', 1],
        ['c-old-long-thought', 1],
      ],
    );
    assert.equal(state[CURRENT_KEY], 'c-current');
  });

  it('keeps every field 0.1.0 saved, exactly, except the retry notice', () => {
    for (const [index, conversation] of raw.entries()) {
      const migrated = parsed.conversations[index]!;
      const { turns: rawTurns, ...rawMeta } = conversation;
      const { turns, ...meta } = migrated;
      assert.deepEqual(meta, rawMeta);
      for (const [turnIndex, rawTurn] of rawTurns.entries()) {
        const { notice: _notice, ...expected } = rawTurn;
        assert.deepEqual(turns[turnIndex], expected, `${conversation.id} turn ${turnIndex}`);
      }
    }
  });

  it('a Fix turn keeps its title, its full prompt and request.fix', () => {
    const fix = current.turns[1]!;
    assert.equal(fix.title, 'Fix src/total.js:3–5');
    assert.match(fix.question, /for \(let i = 0; i <= items\.length; i\+\+\)/);
    assert.deepEqual(fix.request, {
      fix: {
        documentUri: 'file:///workspace/src/total.js',
        selection: { start: { line: 2, character: 0 }, end: { line: 4, character: 3 } },
        selectionText: '  for (let i = 0; i <= items.length; i++) {\n    sum += items[i];\n  }',
        target: 'src/total.js:3–5',
      },
    });
  });

  it('stopped, incomplete, error, reclassified and length-limited turns keep status, reason, error and source', () => {
    const [, , stopped, cut, refused, reclassified, long] = current.turns;
    assert.deepEqual(
      [stopped?.status, stopped?.finishReason, stopped?.request],
      ['stopped', 'aborted', { source: 'local' }],
    );
    assert.equal(stopped?.answer, 'A monad is ');
    assert.equal(cut?.status, 'incomplete');
    assert.match(cut?.error?.message ?? '', /dropped before the answer was complete \(socket hang up\)/);
    assert.deepEqual(cut?.error?.actions, [{ kind: 'retry' }]);
    assert.deepEqual([refused?.status, refused?.reasoning, refused?.answer], ['error', '', '']);
    assert.deepEqual(refused?.error?.actions, [{ kind: 'setApiKey' }]);
    assert.equal(refused?.title, 'Explain src/total.js:3–5');
    assert.deepEqual(
      [reclassified?.reasoning, reclassified?.answer, reclassified?.reasoningStartedAt],
      ['', '2 + 2 is 4. Nothing more to it.', undefined],
    );
    assert.deepEqual([long?.status, long?.finishReason], ['incomplete', 'length']);
    assert.deepEqual(long?.error?.actions, [
      { kind: 'newChat' },
      { kind: 'openSettings', query: 'r1Coder.local.contextSize' },
    ]);
    assert.deepEqual(long?.usage, { promptTokens: 100, completionTokens: 8092, reasoningTokens: 3 });
  });

  it('a thought trimmed on save keeps both ends and the marker', () => {
    const reasoning = byId('c-old-long-thought').turns[0]!.reasoning;
    assert.match(reasoning, /^Step 0: /);
    assert.match(reasoning, /\n\n\[… [\d,]+ characters of reasoning not kept …\]\n\n/);
    assert.match(reasoning, /Step 2999: consider the next case carefully\. $/);
  });

  it('a streaming save comes back stopped in the session, its notice gone', () => {
    const saved = byId('c-crashed-mid-stream').turns[0]!;
    assert.equal(saved.status, 'streaming');
    assert.ok(!('notice' in saved));
    const session = new ChatSession({ onEvent: () => undefined });
    session.restore(byId('c-crashed-mid-stream').turns.map(fromSavedTurn));
    const restored = session.turns[0]!;
    assert.equal(restored.status, 'stopped');
    assert.equal(restored.notice, undefined);
    assert.equal(restored.reasoning, 'Looking at the stack trace');
  });

  it('round-trips: restored into a session, saved in the current format, read back the same', () => {
    const session = new ChatSession({ onEvent: () => undefined });
    session.restore(current.turns.map(fromSavedTurn));
    const saved: SavedConversation = { ...current, turns: session.view().turns.map(toSavedTurn) };
    assert.deepEqual(saved, current);
    const stored = JSON.parse(JSON.stringify(savedHistory(parsed.conversations))) as unknown;
    assert.equal((stored as { version: unknown }).version, 1);
    const back = loaded(parseSavedHistory(stored));
    assert.equal(back.format, 1);
    assert.deepEqual(back.dropped, { conversations: 0, turns: 0 });
    assert.deepEqual(back.conversations, parsed.conversations);
  });

  it('after New Chat the current id names a conversation that is not saved yet', () => {
    const after = fixture('workspace-state-after-new-chat.json');
    const history = loaded(parseSavedHistory(after[LEGACY_HISTORY_KEY]));
    assert.deepEqual(
      history.conversations.map((conversation) => conversation.id),
      ['c-before-new-chat'],
    );
    const store = new SavedHistoryStore(memento(after));
    assert.equal(store.currentId(), 'c-after-new-chat');
    assert.equal(
      store.conversations().find((conversation) => conversation.id === store.currentId()),
      undefined,
    );
  });
});

describe('SavedHistoryStore', () => {
  const turn = (id: string) => ({
    id,
    question: `Question ${id}?`,
    reasoning: '',
    answer: 'Yes.',
    status: 'done' as const,
    modelLabel: 'm',
    startedAt: 1,
  });

  it('migrates 0.1.0 state: the first save writes the versioned format and removes the old array', async () => {
    const state = memento(fixture('workspace-state.json'));
    const store = new SavedHistoryStore(state);
    const before = store.conversations();
    assert.equal(before.length, 3);
    const result = await store.save({ id: 'c-new', title: 'New', updatedAt: 5, turns: [turn('n1')] });
    assert.deepEqual(result, { kind: 'saved' });
    assert.equal(state.values[LEGACY_HISTORY_KEY], undefined);
    const written = state.values[HISTORY_KEY] as { version: number; conversations: SavedConversation[] };
    assert.equal(written.version, 1);
    assert.deepEqual(
      written.conversations.map((conversation) => conversation.id),
      ['c-new', 'c-current', 'c-crashed-mid-stream', 'c-old-long-thought'],
    );
    assert.deepEqual(written.conversations.slice(1), before);
    assert.equal(state.values[CURRENT_KEY], 'c-new');
    // From now on the versioned key is what is read.
    assert.deepEqual(store.conversations(), written.conversations);
  });

  it('refuses a newer format and leaves it untouched in state', async () => {
    const future = { version: 2, conversations: [{ id: 'c-x', shape: 'unknown to us' }], attachments: { a: 1 } };
    const state = memento({ [HISTORY_KEY]: future, [LEGACY_HISTORY_KEY]: [], [CURRENT_KEY]: 'c-x' });
    const snapshot = JSON.stringify(state.values);
    const store = new SavedHistoryStore(state);
    const read = store.read();
    assert.equal(read.kind, 'refused');
    assert.match(read.kind === 'refused' ? read.reason : '', /format 2, written by a newer R1 Coder/);
    assert.deepEqual(store.conversations(), []);
    const result = await store.save({ id: 'c-new', title: 'New', updatedAt: 5, turns: [turn('n1')] });
    assert.equal(result.kind, 'refused');
    assert.equal(JSON.stringify(state.values), snapshot, 'nothing in state changed');
  });

  it('replaces a value no version wrote', async () => {
    const state = memento({ [HISTORY_KEY]: 'garbage' });
    const store = new SavedHistoryStore(state);
    const read = loaded(store.read());
    assert.equal(read.format, 'unreadable');
    await store.save({ id: 'c-new', title: 'New', updatedAt: 5, turns: [turn('n1')] });
    assert.equal((state.values[HISTORY_KEY] as { version: number }).version, 1);
  });
});

describe('parseSavedHistory on malformed input', () => {
  const good = {
    id: 't1',
    question: 'q',
    reasoning: 'r',
    answer: 'a',
    status: 'done',
    modelLabel: 'm',
    startedAt: 1,
  };

  it('never throws, and reads nothing from values that are not a history', () => {
    for (const raw of ['history', 42, true, {}, { conversations: [] }, () => 1, Symbol('x'), new Date(0)]) {
      const parsed = loaded(parseSavedHistory(raw));
      assert.deepEqual(parsed.conversations, []);
      assert.equal(parsed.format, 'unreadable', String(raw));
    }
    for (const raw of [undefined, null]) assert.equal(loaded(parseSavedHistory(raw)).format, 'none');
  });

  it('refuses any version but its own, including nonsense ones', () => {
    for (const version of [2, 99, '1', 0, null, 1.5]) {
      assert.equal(parseSavedHistory({ version, conversations: [] }).kind, 'refused', String(version));
    }
  });

  it('drops conversations that are not conversations (no id, no turns, repeated id, no valid turn)', () => {
    const parsed = loaded(
      parseSavedHistory([
        null,
        'c',
        { id: 5, turns: [good] },
        { id: 'c-no-turns' },
        { id: 'c-turns-object', turns: { 0: good } },
        { id: 'c-empty', turns: [] },
        { id: 'c-bad-turns', turns: [{ id: 't' }, 7] },
        { id: 'c-ok', title: 'OK', updatedAt: 3, turns: [good] },
        { id: 'c-ok', title: 'Again', updatedAt: 4, turns: [good] },
      ]),
    );
    assert.deepEqual(
      parsed.conversations.map((conversation) => conversation.id),
      ['c-ok'],
    );
    assert.equal(parsed.conversations[0]?.title, 'OK');
    assert.deepEqual(parsed.dropped, { conversations: 8, turns: 2 });
  });

  it('drops turns missing what makes a turn, and repeated turn ids', () => {
    const broken = [
      { ...good, id: '' },
      { ...good, id: 3 },
      { ...good, question: undefined },
      { ...good, answer: 42 },
      { ...good, reasoning: null },
      { ...good, status: 'thinking' },
      { ...good, startedAt: 'yesterday' },
      { ...good, startedAt: Number.NaN },
    ];
    const parsed = loaded(parseSavedHistory([{ id: 'c', turns: [...broken, good, { ...good, answer: 'dup' }] }]));
    assert.deepEqual(parsed.conversations[0]?.turns, [good]);
    assert.equal(parsed.dropped.turns, broken.length + 1);
  });

  it('repairs what is optional: malformed fields are left out, a missing title is made from the first question', () => {
    const parsed = loaded(
      parseSavedHistory([
        {
          id: 'c',
          updatedAt: 'soon',
          turns: [
            {
              ...good,
              modelLabel: 7,
              title: ['x'],
              reasoningStartedAt: '1',
              endedAt: Infinity,
              usage: { promptTokens: -1, completionTokens: 2 },
              finishReason: 'exploded',
              error: { message: 'Failed.', actions: [{ kind: 'retry' }, { kind: 'runShell', cmd: 'rm' }, 'x'] },
              request: { source: 'gpu', fix: { documentUri: 'file:///a', selection: { start: 1 } } },
              notice: 'Retrying…',
              extra: 'dropped',
            },
          ],
        },
      ]),
    );
    const conversation = parsed.conversations[0]!;
    assert.equal(conversation.title, 'q');
    assert.equal(conversation.updatedAt, 0);
    assert.deepEqual(conversation.turns[0], {
      ...good,
      modelLabel: '',
      error: { message: 'Failed.', actions: [{ kind: 'retry' }] },
    });
    assert.deepEqual(parsed.dropped, { conversations: 0, turns: 0 });
  });

  it('an error action is rebuilt from its known fields only', () => {
    const parsed = loaded(
      parseSavedHistory([
        {
          id: 'c',
          turns: [
            {
              ...good,
              error: { message: 'm', actions: [{ kind: 'openUrl', label: 'Top up', url: 'https://x', run: 'evil' }] },
            },
          ],
        },
      ]),
    );
    assert.deepEqual(parsed.conversations[0]?.turns[0]?.error?.actions, [
      { kind: 'openUrl', label: 'Top up', url: 'https://x' },
    ]);
  });
  it('keeps what a turn carried (path and hash), leaving out malformed entries; round-trips it', () => {
    const parsed = loaded(
      parseSavedHistory({
        version: 1,
        conversations: [
          {
            id: 'c',
            title: 't',
            updatedAt: 1,
            turns: [
              {
                ...good,
                request: {
                  carried: [{ path: 'src/sum.js', hash: 'abc' }, { path: '', hash: 'x' }, { path: 'a' }, 'b'],
                },
              },
              { ...good, id: 't2', request: { carried: [{ path: 7, hash: 'x' }] } },
            ],
          },
        ],
      }),
    );
    const [first, second] = parsed.conversations[0]!.turns;
    assert.deepEqual(first?.request, { carried: [{ path: 'src/sum.js', hash: 'abc' }] });
    assert.equal(second?.request, undefined);
    const turn = fromSavedTurn(first!);
    assert.deepEqual(turn.request?.carried, [{ path: 'src/sum.js', hash: 'abc' }]);
    assert.deepEqual(toSavedTurn(turn), first);
  });

  it("keeps a turn's picked model and effort, leaving out malformed ones; round-trips them", () => {
    const parsed = loaded(
      parseSavedHistory({
        version: 1,
        conversations: [
          {
            id: 'c',
            title: 't',
            updatedAt: 1,
            turns: [
              { ...good, request: { source: 'cloud', model: ' deepseek-r1:7b ', effort: 'high' } },
              { ...good, id: 't2', request: { model: '', effort: 'extreme' } },
              { ...good, id: 't3', request: { model: 'a\u0000b', effort: 7 } },
            ],
          },
        ],
      }),
    );
    const [first, second, third] = parsed.conversations[0]!.turns;
    assert.deepEqual(first?.request, { source: 'cloud', model: 'deepseek-r1:7b', effort: 'high' });
    assert.equal(second?.request, undefined);
    assert.equal(third?.request, undefined);
    const turn = fromSavedTurn(first!);
    assert.deepEqual(turn.request, { source: 'cloud', model: 'deepseek-r1:7b', effort: 'high' });
    assert.deepEqual(toSavedTurn(turn), first);
  });
});
