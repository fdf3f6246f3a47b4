import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeExternalLink, parseWebviewMessage } from '../../src/shared/protocol';

describe('parseWebviewMessage', () => {
  it("keeps an ask's model and effort when well-formed, and drops them otherwise", () => {
    assert.deepEqual(
      parseWebviewMessage({ type: 'ask', text: 'hi', source: 'cloud', model: ' deepseek-r1:7b ', effort: 'low' }),
      { type: 'ask', text: 'hi', source: 'cloud', model: 'deepseek-r1:7b', effort: 'low' },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'hi', model: '', effort: 'auto' }), {
      type: 'ask',
      text: 'hi',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'hi', model: 7, effort: ['high'] }), {
      type: 'ask',
      text: 'hi',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'hi', model: 'x'.repeat(201) }), {
      type: 'ask',
      text: 'hi',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'hi', model: 'a\nb' }), { type: 'ask', text: 'hi' });
  });

  it('accepts listModels and setDefaultModel with a clean name only', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'listModels', x: 1 }), { type: 'listModels' });
    assert.deepEqual(parseWebviewMessage({ type: 'setDefaultModel', model: 'qwq:32b' }), {
      type: 'setDefaultModel',
      model: 'qwq:32b',
    });
    assert.equal(parseWebviewMessage({ type: 'setDefaultModel', model: '  ' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'setDefaultModel' }), undefined);
  });

  it('accepts well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'hi' }), { type: 'ask', text: 'hi' });
    assert.deepEqual(parseWebviewMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(
      parseWebviewMessage({ type: 'runAction', action: { kind: 'openUrl', url: 'https://x', label: 'X' } }),
      {
        type: 'runAction',
        action: { kind: 'openUrl', url: 'https://x', label: 'X' },
      },
    );
    // Every action kind the host offers must survive validation, or its button does nothing.
    for (const kind of ['setApiKey', 'retry', 'selectLocalModel', 'newChat'] as const) {
      assert.deepEqual(
        parseWebviewMessage({ type: 'runAction', action: { kind } }),
        { type: 'runAction', action: { kind } },
        kind,
      );
    }
  });

  it('rebuilds an action from its known fields only', () => {
    assert.deepEqual(
      parseWebviewMessage({ type: 'runAction', action: { kind: 'openSettings', query: 'r1Coder', command: 'x' } }),
      { type: 'runAction', action: { kind: 'openSettings', query: 'r1Coder' } },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'runAction', action: { kind: 'retry', turnId: 'evil' } }), {
      type: 'runAction',
      action: { kind: 'retry' },
    });
  });

  it('keeps a valid per-request model source and drops an invalid one', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'q', source: 'local' }), {
      type: 'ask',
      text: 'q',
      source: 'local',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'ask', text: 'q', source: 'gpu-cluster' }), {
      type: 'ask',
      text: 'q',
    });
  });

  it('accepts the review messages with ids and a decision only, never text to write', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'editFiles', text: 'add a timeout', source: 'cloud' }), {
      type: 'editFiles',
      text: 'add a timeout',
      source: 'cloud',
    });
    assert.deepEqual(
      parseWebviewMessage({ type: 'reviewFiles', reviewId: 'review-1', decision: 'accept', newText: 'evil' }),
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'accept' },
    );
    assert.deepEqual(
      parseWebviewMessage({ type: 'reviewFiles', reviewId: 'review-1', fileId: 'review-1-0', decision: 'showDiff' }),
      { type: 'reviewFiles', reviewId: 'review-1', fileId: 'review-1-0', decision: 'showDiff' },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'applyToFile', turnId: 't1', blockIndex: 2, code: 'x' }), {
      type: 'applyToFile',
      turnId: 't1',
      blockIndex: 2,
    });
    for (const raw of [
      { type: 'editFiles', text: ' ' },
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'write' },
      { type: 'reviewFiles', reviewId: 'review-1', fileId: 3, decision: 'accept' },
      { type: 'reviewFiles', decision: 'accept' },
      { type: 'applyToFile', turnId: 't1', blockIndex: -1 },
      { type: 'applyToFile', turnId: 't1', blockIndex: 1.5 },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });

  it('rejects malformed or unknown messages', () => {
    for (const raw of [
      null,
      'ask',
      42,
      {},
      { type: 'ask' },
      { type: 'ask', text: '   ' },
      { type: 'runCommand', id: 'x' },
      { type: 'runAction', action: { kind: 'executeCommand' } },
      { type: 'runAction', action: { kind: 'openUrl' } },
      { type: 'retry', turnId: 5 },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe('isSafeExternalLink', () => {
  it('allows only http and https', () => {
    assert.equal(isSafeExternalLink('https://api-docs.deepseek.com'), true);
    assert.equal(isSafeExternalLink('http://localhost:8080/x'), true);
    for (const href of [
      'command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'vscode://x',
      'not a url',
    ]) {
      assert.equal(isSafeExternalLink(href), false, href);
    }
  });
});
