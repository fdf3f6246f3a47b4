import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMessages, stripThinking } from '../../src/core/conversation';

describe('buildMessages', () => {
  it('sends earlier answers but never earlier reasoning, and no system prompt', () => {
    const messages = buildMessages([{ question: 'What is 2+2?', answer: '<think>add them</think>\n\n4' }], 'And 3+3?');
    assert.deepEqual(messages, [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: 'And 3+3?' },
    ]);
  });

  it('never puts two messages of the same role in a row', () => {
    const messages = buildMessages(
      [
        { question: 'first', answer: 'one' },
        { question: 'failed request', answer: '' },
        { question: 'stopped while thinking', answer: '  ' },
        { question: 'third', answer: 'three' },
      ],
      'next',
    );
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant', 'user'],
    );
    for (let i = 1; i < messages.length; i++) assert.notEqual(messages[i]!.role, messages[i - 1]!.role);
    assert.ok(!messages.some((message) => message.content.includes('failed request')));
  });

  it('strips a thought left inline in an answer', () => {
    assert.equal(stripThinking('reasoning</think>\n\nanswer'), '\n\nanswer');
    assert.equal(stripThinking('plain'), 'plain');
  });
});
