import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SavedTurn } from '../../src/core/savedConversations';
import { boundTurns, conversationTitle, exportMarkdown, upsertConversation } from '../../src/core/conversationHistory';

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

describe('conversation history', () => {
  it('titles a conversation by its first question', () => {
    assert.equal(conversationTitle([turn({ question: 'How do I\n  reverse a list?' })]), 'How do I reverse a list?');
    assert.equal(conversationTitle([turn({ title: 'Fix src/a.ts:3' })]), 'Fix src/a.ts:3');
    assert.equal(conversationTitle([turn({ question: 'x'.repeat(100) })]).length, 60);
  });

  it('keeps the newest conversations first, bounded, without empty ones', () => {
    const limits = { conversations: 2, turnsPerConversation: 1, reasoningChars: 10 };
    let history = upsertConversation(
      [],
      { id: 'a', title: 'A', updatedAt: 1, turns: [turn(), turn({ id: 'u' })] },
      limits,
    );
    assert.equal(history[0]!.turns.length, 1);
    history = upsertConversation(history, { id: 'b', title: 'B', updatedAt: 2, turns: [turn()] }, limits);
    history = upsertConversation(history, { id: 'c', title: 'C', updatedAt: 3, turns: [turn()] }, limits);
    assert.deepEqual(
      history.map((saved) => saved.id),
      ['c', 'b'],
    );
    history = upsertConversation(history, { id: 'b', title: 'B', updatedAt: 4, turns: [turn()] }, limits);
    assert.deepEqual(
      history.map((saved) => saved.id),
      ['b', 'c'],
    );
    assert.deepEqual(
      upsertConversation(history, { id: 'd', title: '', updatedAt: 5, turns: [] }, limits).map((s) => s.id),
      ['b', 'c'],
    );
  });

  it('keeps all saved text within a size budget: the oldest conversations go first, then old turns', () => {
    // Each turn() holds 'Why?' + 'Because.' + 'This.' = 17 characters.
    const limits = { conversations: 10, turnsPerConversation: 10, reasoningChars: 1_000, totalChars: 60 };
    let history = upsertConversation([], { id: 'a', title: 'A', updatedAt: 1, turns: [turn(), turn()] }, limits);
    history = upsertConversation(history, { id: 'b', title: 'B', updatedAt: 2, turns: [turn()] }, limits);
    assert.deepEqual(
      history.map((saved) => saved.id),
      ['b', 'a'],
      '17 + 34 characters fit',
    );
    history = upsertConversation(history, { id: 'c', title: 'C', updatedAt: 3, turns: [turn()] }, limits);
    assert.deepEqual(
      history.map((saved) => saved.id),
      ['c', 'b'],
      'a no longer fits and goes',
    );
    // A conversation larger than the budget keeps its newest turns only, and the others go.
    const big = [
      turn({ id: '1', answer: 'x'.repeat(30) }),
      turn({ id: '2', answer: 'y'.repeat(30) }),
      turn({ id: '3' }),
    ];
    history = upsertConversation(history, { id: 'd', title: 'D', updatedAt: 4, turns: big }, limits);
    assert.deepEqual(
      history.map((saved) => [saved.id, saved.turns.map((kept) => kept.id)]),
      [['d', ['2', '3']]],
    );
    // Even a single turn over the budget is kept: the current conversation never vanishes.
    history = upsertConversation(
      history,
      { id: 'e', title: 'E', updatedAt: 5, turns: [turn({ answer: 'z'.repeat(100) })] },
      limits,
    );
    assert.deepEqual(
      history.map((saved) => [saved.id, saved.turns.length]),
      [['e', 1]],
    );
  });

  it('keeps how a Fix turn was asked, and counts its selected text in the size budget', () => {
    const fix = {
      documentUri: 'file:///w/a.ts',
      selection: { start: { line: 0, character: 0 }, end: { line: 0, character: 50 } },
      selectionText: 's'.repeat(50),
      target: 'a.ts:1',
    };
    const limits = { conversations: 10, turnsPerConversation: 10, reasoningChars: 1_000, totalChars: 60 };
    let history = upsertConversation([], { id: 'a', title: 'A', updatedAt: 1, turns: [turn()] }, limits);
    history = upsertConversation(
      history,
      { id: 'b', title: 'B', updatedAt: 2, turns: [turn({ request: { fix } })] },
      limits,
    );
    assert.deepEqual(history[0]!.turns[0]!.request, { fix });
    // 17 + (17 + 50) characters exceed 60: the older conversation goes.
    assert.deepEqual(
      history.map((saved) => saved.id),
      ['b'],
    );
  });

  it('cuts very long reasoning from the middle', () => {
    const [bounded] = boundTurns([turn({ reasoning: `${'a'.repeat(50)}${'b'.repeat(50)}` })], {
      conversations: 1,
      turnsPerConversation: 1,
      reasoningChars: 20,
    });
    assert.ok(bounded!.reasoning.startsWith('a'.repeat(10)));
    assert.ok(bounded!.reasoning.endsWith('b'.repeat(10)));
    assert.match(bounded!.reasoning, /80 characters of reasoning not kept/);
  });

  it('exports Markdown with questions, collapsible reasoning and answers', () => {
    const markdown = exportMarkdown({ title: 'Chat', turns: [turn(), turn({ status: 'stopped', answer: '' })] });
    assert.match(markdown, /^# Chat\n/);
    assert.match(markdown, /<details><summary>Reasoning<\/summary>\n\nBecause\.\n\n<\/details>/);
    assert.match(markdown, /### Answer \(DeepSeek · m\)\n\nThis\./);
    assert.match(markdown, /_No answer \(stopped\)\._/);
    assert.doesNotMatch(exportMarkdown({ title: 'Chat', turns: [turn()] }, false), /Reasoning/);
  });
});
