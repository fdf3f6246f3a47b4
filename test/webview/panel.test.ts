// The real panel (src/webview/main.ts) driving the renderer through protocol messages, in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { listCodeBlocks } from '../../src/core/codeBlocks';
import type { HostMessage, TurnView, WebviewMessage } from '../../src/shared/protocol';
import { bundleForBrowser, launchChromium, openPage, readRepoFile, VSCODE_STUB, type TestPage } from './harness';

const ANSWER = [
  'Use [the docs](https://example.com/docs) and this:',
  '',
  '```ts',
  'export const one = 1;',
  '```',
  '',
  '- then in a list:',
  '',
  '  ```py',
  '  two = 2',
  '  ```',
  '',
  'and finally',
  '',
  '```js',
  'const three = 3;',
  '```',
].join('\n');

function turn(id: string, patch: Partial<TurnView> = {}): TurnView {
  return { id, question: 'How?', reasoning: '', answer: '', status: 'streaming', modelLabel: 'Test · r1', startedAt: 1_000, ...patch };
}

describe('panel rendering (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = async (...messages: HostMessage[]) => {
    await t.page.evaluate((list) => {
      for (const message of list) window.postMessage(message, '*');
    }, messages);
  };
  /** Waits until the message queue is handled and every renderer has flushed. */
  const idle = () =>
    t.page.waitForFunction(
      () =>
        new Promise<boolean>((resolve) =>
          setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(!document.querySelector('[aria-busy]')))), 0),
        ),
    );
  const posted = () => t.page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted.splice(0));

  before(async () => {
    browser = await launchChromium();
    t = await openPage(browser, {
      script: await bundleForBrowser('src/webview/main.ts'),
      styles: [readRepoFile('media/webview.css')],
      initScript: VSCODE_STUB,
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('streams reasoning open, folds it when the answer starts, and renders both as markdown', async () => {
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await send({ type: 'turnStarted', turn: turn('t1') });
    const reasoning = 'Okay, the user wants **three** constants.\n\nLet me write `one` first.\n\n';
    for (const piece of reasoning.match(/.{1,7}/gs)!) await send({ type: 'delta', turnId: 't1', reasoning: piece, answer: '', at: 2_000 });
    await idle();
    const during = await t.page.evaluate(() => ({
      open: document.querySelector<HTMLDetailsElement>('[data-testid="thinking"]')!.open,
      strong: document.querySelector('[data-testid="thinking-body"] strong')?.textContent,
      paragraphs: document.querySelectorAll('[data-testid="thinking-body"] p').length,
    }));
    assert.deepEqual(during, { open: true, strong: 'three', paragraphs: 2 });

    for (const piece of ANSWER.match(/.{1,5}/gs)!) await send({ type: 'delta', turnId: 't1', reasoning: '', answer: piece, at: 3_000 });
    await idle();
    assert.equal(await t.page.evaluate(() => document.querySelector<HTMLDetailsElement>('[data-testid="thinking"]')!.open), false, 'folded');

    await send({ type: 'turnEnded', turnId: 't1', status: 'done', at: 4_000 });
    await idle();
    const blocks = await t.page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="answer"] .code-block')].map((block) => ({
        index: block.getAttribute('data-block-index'),
        code: block.querySelector('code')!.textContent,
        highlighted: !!block.querySelector('code.hljs'),
        actions: [...block.querySelectorAll('button')].map((button) => button.getAttribute('data-action')),
      })),
    );
    assert.deepEqual(
      blocks.map(({ index, code }) => ({ index: Number(index), code })),
      listCodeBlocks(ANSWER).map(({ index, code }) => ({ index, code })),
    );
    for (const block of blocks) {
      assert.ok(block.highlighted, `block ${block.index} highlighted`);
      assert.deepEqual(block.actions, ['copy-code', 'apply-code', 'insert-code']);
    }
  });

  it('forwards code-block buttons as applyCode with the host’s block index', async () => {
    await t.page.click('[data-testid="answer"] .code-block[data-block-index="1"] [data-action="apply-code"]');
    await t.page.click('[data-testid="answer"] .code-block[data-block-index="2"] [data-action="insert-code"]');
    assert.deepEqual(await posted(), [
      { type: 'applyCode', turnId: 't1', blockIndex: 1, mode: 'replaceSelection' },
      { type: 'applyCode', turnId: 't1', blockIndex: 2, mode: 'insertAtCursor' },
    ]);
  });

  it('forwards a link click as openLink and does not navigate', async () => {
    const before = t.page.url();
    await t.page.click('[data-testid="answer"] a[data-href]');
    assert.deepEqual(await posted(), [{ type: 'openLink', href: 'https://example.com/docs' }]);
    assert.equal(t.page.url(), before);
  });

  // An answer ending in "```" without a newline only closes its last block through finish().
  it('restores finished turns from state: rendered, highlighted, last block closed', async () => {
    const answer = 'Restored answer.\n\n```ts\nconst restored = true;\n```';
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [turn('r1', { reasoning: 'Old thoughts.', answer, status: 'done', endedAt: 5_000, reasoningEndedAt: 4_000 })],
      },
    });
    await idle();
    const restored = await t.page.evaluate(() => ({
      turns: document.querySelectorAll('[data-testid="turn"]').length,
      thinking: document.querySelector('[data-testid="thinking-body"] p')?.textContent,
      paragraph: document.querySelector('[data-testid="answer"] p')?.textContent,
      block: document.querySelector('[data-testid="answer"] .code-block')?.getAttribute('data-state'),
      highlighted: !!document.querySelector('[data-testid="answer"] code.hljs'),
    }));
    assert.deepEqual(restored, { turns: 1, thinking: 'Old thoughts.', paragraph: 'Restored answer.', block: 'closed', highlighted: true });
  });

  it('loads nothing from the network, violates no CSP rule, and throws no errors', async () => {
    assert.deepEqual(t.blockedRequests, []);
    assert.deepEqual(await t.cspViolations(), []);
    assert.deepEqual(t.errors, []);
  });
});
