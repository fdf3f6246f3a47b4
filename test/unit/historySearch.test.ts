import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistorySearchIndex } from '../../src/core/historySearch';
import type { SavedConversation, SavedTurn } from '../../src/core/savedConversations';

function turn(overrides: Partial<SavedTurn> = {}): SavedTurn {
  return {
    id: 't',
    question: 'Why?',
    reasoning: 'Because.',
    answer: 'This.',
    status: 'done',
    modelLabel: 'DeepSeek · m',
    startedAt: 1,
    ...overrides,
  };
}

function conversation(id: string, title: string, turns: SavedTurn[]): SavedConversation {
  return { id, title, updatedAt: 1, turns };
}

const LOOPS = conversation('loops', 'Off-by-one in a loop', [
  turn({
    question: 'Why does my loop read past the end?',
    reasoning:
      'The loop runs while i <= a.length.\n\nWait, then the last iteration reads a[a.length], which is undefined: a classic fencepost error.',
    answer: 'Use `i < a.length`.',
  }),
]);
const SORT = conversation('sort', 'Sorting objects', [
  turn({ question: 'Sort by date?', reasoning: 'Compare timestamps.', answer: 'Use a comparator.' }),
  turn({ question: 'And stable?', reasoning: 'Array.prototype.sort is stable since ES2019.', answer: 'Yes, it is.' }),
]);

describe('HistorySearchIndex', () => {
  const index = new HistorySearchIndex([LOOPS, SORT]);

  it('finds a word that only appears in a turn’s reasoning, case-insensitively, with a snippet', () => {
    const hits = index.search('FencePost');
    assert.equal(hits.length, 1);
    const [hit] = hits;
    assert.equal(hit!.conversation.id, 'loops');
    assert.equal(hit!.field, 'reasoning');
    assert.equal(hit!.turnIndex, 0);
    // One line, cut at a word with "…" on the left, the match where `highlight` says.
    assert.equal(hit!.snippet, '…is undefined: a classic fencepost error.');
    assert.equal(hit!.snippet.slice(...hit!.highlight), 'fencepost');
  });

  it('searches questions, answers and titles too, and keeps the history’s order', () => {
    assert.deepEqual(
      index.search('use').map((hit) => [hit.conversation.id, hit.field]),
      [
        ['loops', 'answer'],
        ['sort', 'answer'],
      ],
    );
    assert.deepEqual(
      index.search('stable?').map((hit) => [hit.conversation.id, hit.field, hit.turnIndex]),
      [['sort', 'question', 1]],
    );
    assert.deepEqual(
      index.search('sorting').map((hit) => [hit.conversation.id, hit.field, hit.turnIndex]),
      [['sort', 'title', undefined]],
    );
  });

  it('needs every term, anywhere in the conversation; shows the phrase when it matches as one', () => {
    assert.deepEqual(
      index.search('comparator es2019').map((hit) => hit.conversation.id),
      ['sort'],
    );
    assert.deepEqual(index.search('comparator fencepost'), []);
    const [phrase] = index.search('classic  fencepost');
    assert.equal(phrase!.snippet.slice(...phrase!.highlight), 'classic fencepost');
    // Whitespace in the text (a paragraph break) is one space in the snippet.
    const [wait] = index.search('wait, then');
    assert.match(wait!.snippet, /^…runs while i <= a\.length\. Wait, then the last .* a classic…$/);
  });

  it('matches nothing for an empty query, and never across two fields', () => {
    assert.deepEqual(index.search('   '), []);
    // "…a.length." ends the reasoning, "Use" starts the answer.
    assert.deepEqual(index.search('error.use'), []);
  });

  it('keeps offsets where lower case is longer (İ)', () => {
    const turkish = new HistorySearchIndex([
      conversation('tr', 'İstanbul notes', [turn({ reasoning: 'İİİ then the word kedi appears.' })]),
    ]);
    const [hit] = turkish.search('KEDI');
    assert.equal(hit!.snippet.slice(...hit!.highlight), 'kedi');
    assert.equal(turkish.search('istanbul').length, 0, 'İ folds to itself, not to i');
    assert.equal(turkish.search('İstanbul').length, 1);
  });

  it('finds a match in a history at the 2M-character budget', () => {
    const big = Array.from({ length: 40 }, (_, c) =>
      conversation(`c${c}`, `Conversation ${c}`, [
        turn({ reasoning: `Thinking ${c}. `.repeat(4_000), answer: c === 39 ? 'needle here' : 'nothing' }),
      ]),
    );
    const large = new HistorySearchIndex(big);
    assert.deepEqual(
      large.search('needle').map((hit) => hit.conversation.id),
      ['c39'],
    );
  });
});
