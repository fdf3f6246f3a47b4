// The real panel (src/webview/main.ts) driving the renderer through protocol messages, in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { listCodeBlocks } from '../../src/core/codeBlocks';
import type { HostMessage } from '../../src/shared/protocol';
import {
  launchChromium,
  openPanel,
  ORIGIN,
  panelIdle,
  postToPanel,
  takePosted,
  type TestPage,
  VSCODE_STUB,
  wireTurn,
} from './harness';

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

describe('panel rendering (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = (...messages: HostMessage[]) => postToPanel(t.page, messages);
  const idle = () => panelIdle(t.page);
  const posted = () => takePosted(t.page);

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('streams reasoning open, folds it when the answer starts, and renders both as markdown', async () => {
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await send({ type: 'turnStarted', turn: wireTurn('t1') });
    const reasoning = 'Okay, the user wants **three** constants.\n\nLet me write `one` first.\n\n';
    for (const piece of reasoning.match(/.{1,7}/gs)!)
      await send({ type: 'delta', turnId: 't1', reasoning: piece, answer: '', at: 2_000 });
    await idle();
    const during = await t.page.evaluate(() => ({
      open: document.querySelector<HTMLDetailsElement>('[data-testid="thinking"]')!.open,
      strong: document.querySelector('[data-testid="thinking-body"] strong')?.textContent,
      paragraphs: document.querySelectorAll('[data-testid="thinking-body"] p').length,
    }));
    assert.deepEqual(during, { open: true, strong: 'three', paragraphs: 2 });

    for (const piece of ANSWER.match(/.{1,5}/gs)!)
      await send({ type: 'delta', turnId: 't1', reasoning: '', answer: piece, at: 3_000 });
    await idle();
    assert.equal(
      await t.page.evaluate(() => document.querySelector<HTMLDetailsElement>('[data-testid="thinking"]')!.open),
      false,
      'folded',
    );

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
        turns: [
          wireTurn('r1', {
            reasoning: 'Old thoughts.',
            answer,
            status: 'done',
            endedAt: 5_000,
            reasoningEndedAt: 4_000,
          }),
        ],
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
    assert.deepEqual(restored, {
      turns: 1,
      thinking: 'Old thoughts.',
      paragraph: 'Restored answer.',
      block: 'closed',
      highlighted: true,
    });
  });

  const isOpen = (page: Page, turnId: string) =>
    page.evaluate(
      (id) => document.querySelector<HTMLDetailsElement>(`[data-turn-id="${id}"] [data-testid="thinking"]`)!.open,
      turnId,
    );
  const header = (turnId: string) =>
    t.page.evaluate(
      (id) => document.querySelector(`[data-turn-id="${id}"] [data-testid="thinking-header"]`)!.textContent,
      turnId,
    );

  it('times the thought from its first delta: "Thinking… 6 s" live, then "Thought for 12 s · 492 tokens · 41 tok/s"', async () => {
    // Requested at 1 s, a 20 s model load, then 12 s of thinking.
    await send({ type: 'turnStarted', turn: wireTurn('h1', { startedAt: 1_000 }) });
    await send({ type: 'delta', turnId: 'h1', reasoning: 'After the model load, now ', answer: '', at: 21_000 });
    await send({ type: 'delta', turnId: 'h1', reasoning: 'thinking starts here.', answer: '', at: 27_000 });
    await idle();
    assert.equal(await header('h1'), 'Thinking… 6 s · ~12 tokens · 2 tok/s');
    await send({ type: 'delta', turnId: 'h1', reasoning: '', answer: 'Answer.', at: 33_000 });
    await send({
      type: 'usage',
      turnId: 'h1',
      usage: { promptTokens: 10, completionTokens: 500, reasoningTokens: 492 },
    });
    await send({ type: 'turnEnded', turnId: 'h1', status: 'done', at: 34_000 });
    await idle();
    assert.equal(await header('h1'), 'Thought for 12 s · 492 tokens · 41 tok/s');
    // The same from a restored turn (history): the host's reasoningStartedAt, not startedAt.
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [
          wireTurn('h2', {
            reasoning: 'x'.repeat(400),
            answer: 'A.',
            status: 'done',
            startedAt: 1_000,
            reasoningStartedAt: 21_000,
            reasoningEndedAt: 41_000,
            endedAt: 42_000,
          }),
        ],
      },
    });
    await idle();
    assert.equal(await header('h2'), 'Thought for 20 s · ~100 tokens · 5 tok/s');
  });

  it('counts self-corrections in the header: live as they stream, the last line once the thought ends', async () => {
    await send({ type: 'turnStarted', turn: wireTurn('sc1', { startedAt: 1_000 }) });
    const reasoning = 'Try x = 2.\n\nWait, that fails.\nHmm, maybe 3.\n\nWaiting is fine.\n\nActually, 4.';
    for (const piece of reasoning.match(/.{1,5}/gs)!)
      await send({ type: 'delta', turnId: 'sc1', reasoning: piece, answer: '', at: 2_000 });
    await idle();
    // "Wait," and "Hmm," so far; "Waiting" is no opener; "Actually" has no newline after it yet.
    assert.match(await header('sc1'), /· 2 self-corrections$/);
    await send({ type: 'delta', turnId: 'sc1', reasoning: '', answer: '4', at: 3_000 });
    await send({ type: 'turnEnded', turnId: 'sc1', status: 'done', at: 4_000 });
    await idle();
    assert.match(await header('sc1'), /^Thought for .* · 3 self-corrections$/);
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [
          wireTurn('sc2', { reasoning: 'A.\nBut wait, B.', answer: 'B', status: 'done', reasoningEndedAt: 2_000 }),
        ],
      },
    });
    await idle();
    assert.match(await header('sc2'), /· 1 self-correction$/);
  });

  it('copies the thought and the answer as raw markdown, by mouse and keyboard, without toggling the thought', async () => {
    await t.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
    const reasoning = 'Think about **bold** and `code`:\n\n```ts\nconst x = 1;\n```\n';
    const answer = '# Title\n\nSee [docs](https://example.com) and `x`.\n\n```py\nprint(1)\n```';
    await send({ type: 'turnStarted', turn: wireTurn('c1') });
    await send({ type: 'delta', turnId: 'c1', reasoning, answer: '', at: 2_000 });
    await send({ type: 'delta', turnId: 'c1', reasoning: '', answer, at: 3_000 });
    await send({ type: 'turnEnded', turnId: 'c1', status: 'done', at: 4_000 });
    await idle();
    const clipboard = () => t.page.evaluate(() => navigator.clipboard.readText());
    const expectCopied = async (text: string, what: string) => {
      await t.page
        .waitForFunction((expected) => navigator.clipboard.readText().then((value) => value === expected), text, {
          timeout: 2_000,
        })
        .catch(() => undefined);
      assert.equal(await clipboard(), text, what);
      await t.page.evaluate(() => navigator.clipboard.writeText('sentinel'));
    };
    await t.page.evaluate(() => navigator.clipboard.writeText('sentinel'));
    assert.equal(await isOpen(t.page, 'c1'), false, 'folded once the answer began');

    const copyThinking = '[data-turn-id="c1"] [data-testid="copy-thinking"]';
    const copyAnswer = '[data-turn-id="c1"] [data-testid="copy-answer"]';
    const labels = await t.page.evaluate(
      ([a, b]) => [a, b].map((selector) => document.querySelector(selector!)!.getAttribute('aria-label')),
      [copyThinking, copyAnswer],
    );
    assert.deepEqual(labels, ['Copy thoughts', 'Copy answer (markdown)']);
    await t.page.click(copyThinking);
    await expectCopied(reasoning, 'thought, by mouse');
    assert.equal(await isOpen(t.page, 'c1'), false, 'a click on Copy does not unfold the thought');

    // Keyboard: Tab from the summary reaches the button; Enter and Space copy and leave the thought alone.
    await t.page.focus('[data-turn-id="c1"] [data-testid="thinking"] > summary');
    await t.page.keyboard.press('Tab');
    assert.equal(await t.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'copy-thinking');
    await t.page.keyboard.press('Enter');
    await expectCopied(reasoning, 'thought, by Enter');
    await t.page.keyboard.press('Space');
    await expectCopied(reasoning, 'thought, by Space');
    assert.equal(await isOpen(t.page, 'c1'), false, 'Enter/Space on Copy do not unfold the thought');

    await t.page.click(copyAnswer);
    await expectCopied(answer, 'answer, by mouse');
    await t.page.focus(copyAnswer);
    await t.page.keyboard.press('Enter');
    await expectCopied(answer, 'answer, by Enter');
    assert.equal(await isOpen(t.page, 'c1'), false);
    const saved = await t.page.evaluate(
      () => (window as unknown as { __state?: { thinkingChoices?: [string, boolean][] } }).__state,
    );
    assert.deepEqual(
      saved?.thinkingChoices?.filter(([id]) => id === 'c1') ?? [],
      [],
      'copying is not taken for opening or closing',
    );
    assert.deepEqual(await posted(), [], 'copying sends nothing to the host');
  });

  it('r1Coder.chat.collapseThinking off keeps the thought open when the answer begins; on again folds untouched ones', async () => {
    await send({
      type: 'modelSources',
      defaultSource: 'cloud',
      cloudLabel: 'DeepSeek',
      localLabel: 'no model',
      collapseThinking: false,
    });
    await send({ type: 'turnStarted', turn: wireTurn('k1') });
    await send({ type: 'delta', turnId: 'k1', reasoning: 'Thinking hard.', answer: '', at: 2_000 });
    await idle();
    assert.equal(await isOpen(t.page, 'k1'), true);
    await send({ type: 'delta', turnId: 'k1', reasoning: '', answer: 'The answer.', at: 3_000 });
    await send({ type: 'turnEnded', turnId: 'k1', status: 'done', at: 4_000 });
    await idle();
    assert.equal(await isOpen(t.page, 'k1'), true, 'still open after the answer began');
    await send({
      type: 'modelSources',
      defaultSource: 'cloud',
      cloudLabel: 'DeepSeek',
      localLabel: 'no model',
      collapseThinking: true,
    });
    await idle();
    assert.equal(await isOpen(t.page, 'k1'), false, 'the setting turned on folds a thought the user never touched');
  });

  it('remembers the user’s own open/closed choice per turn across a reload (vscode.setState); untouched turns follow the setting', async () => {
    const done = (id: string) =>
      wireTurn(id, {
        reasoning: `Thoughts of ${id}.`,
        answer: `Answer of ${id}.`,
        status: 'done',
        endedAt: 5_000,
        reasoningEndedAt: 4_000,
      });
    const open = (initScript: string) => openPanel(browser, initScript);
    const first = await open(VSCODE_STUB);
    const second = await (async () => {
      const sendTo = (page: Page, ...messages: HostMessage[]) =>
        page.evaluate((list) => {
          for (const message of list) window.postMessage(message, '*');
        }, messages);
      const states = (page: Page) => Promise.all(['A', 'C', 'D'].map((id) => isOpen(page, id)));
      const settle = (page: Page) =>
        page.evaluate(() => new Promise((resolve) => setTimeout(() => requestAnimationFrame(resolve), 0)));

      await sendTo(first.page, { type: 'state', conversation: { busy: false, turns: [done('A'), done('C')] } });
      await sendTo(first.page, {
        type: 'modelSources',
        defaultSource: 'cloud',
        cloudLabel: 'DeepSeek',
        localLabel: 'no model',
        collapseThinking: true,
      });
      await settle(first.page);
      await first.page.click('[data-turn-id="A"] [data-testid="thinking"] > summary');
      // D: the user folds the thought while it streams.
      await sendTo(
        first.page,
        { type: 'turnStarted', turn: wireTurn('D') },
        { type: 'delta', turnId: 'D', reasoning: 'Streaming thoughts.', answer: '', at: 2_000 },
      );
      await settle(first.page);
      assert.equal(await isOpen(first.page, 'D'), true);
      await first.page.focus('[data-turn-id="D"] [data-testid="thinking"] > summary');
      await first.page.keyboard.press('Enter');
      await sendTo(
        first.page,
        { type: 'delta', turnId: 'D', reasoning: '', answer: 'D answered.', at: 3_000 },
        { type: 'turnEnded', turnId: 'D', status: 'done', at: 4_000 },
      );
      await first.page.fill('[data-testid="prompt-input"]', 'half a question');
      await settle(first.page);
      assert.deepEqual(await states(first.page), [true, false, false], 'A opened by the user, C and D folded');
      const saved = await first.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
      assert.deepEqual(saved, {
        draft: 'half a question',
        collapseThinking: true,
        thinkingChoices: [
          ['A', true],
          ['D', false],
        ],
      });
      assert.deepEqual(first.errors, []);

      // The reloaded panel: the saved state, then the host's state and settings, now with the setting off.
      const second = await open(`${VSCODE_STUB}\nwindow.__state = ${JSON.stringify(saved)};`);
      await sendTo(second.page, {
        type: 'state',
        conversation: { busy: false, turns: [done('A'), done('C'), done('D')] },
      });
      await settle(second.page);
      assert.deepEqual(
        await states(second.page),
        [true, false, false],
        'before the settings arrive, the saved setting applies',
      );
      assert.equal(await second.page.inputValue('[data-testid="prompt-input"]'), 'half a question');
      await sendTo(second.page, {
        type: 'modelSources',
        defaultSource: 'cloud',
        cloudLabel: 'DeepSeek',
        localLabel: 'no model',
        collapseThinking: false,
      });
      await settle(second.page);
      assert.deepEqual(
        await states(second.page),
        [true, true, false],
        'A stays open, D stays closed, untouched C follows the setting (off)',
      );
      assert.deepEqual(second.errors, []);
      assert.deepEqual(second.blockedRequests, []);
      return second;
    })().finally(() => first.page.context().close());
    await second.page.context().close();
  });

  it('offers an error’s actions as buttons that post exactly that action (New Chat when the local context is full)', async () => {
    await posted();
    await send(
      { type: 'turnStarted', turn: wireTurn('full') },
      {
        type: 'turnEnded',
        turnId: 'full',
        status: 'error',
        at: 5_000,
        error: {
          message: 'The conversation fills the local model’s context.',
          actions: [{ kind: 'newChat' }, { kind: 'openSettings', query: 'r1Coder.local.contextSize' }],
        },
      },
    );
    await idle();
    const box = t.page.locator('[data-testid="turn"]').last().locator('[data-testid="turn-error"]');
    assert.deepEqual(await box.locator('button').allTextContents(), ['New Chat', 'Open Settings']);
    await box.locator('button', { hasText: 'New Chat' }).click();
    await box.locator('button', { hasText: 'Open Settings' }).click();
    assert.deepEqual(await posted(), [
      { type: 'runAction', action: { kind: 'newChat' } },
      { type: 'runAction', action: { kind: 'openSettings', query: 'r1Coder.local.contextSize' } },
    ]);
  });

  it("lists the server's models with reasoning ones marked; the picked model and effort travel in ask, once", async () => {
    await posted();
    await send(
      {
        type: 'modelSources',
        defaultSource: 'cloud',
        cloudLabel: 'DeepSeek',
        localLabel: 'no model',
        collapseThinking: true,
      },
      {
        type: 'cloudModels',
        configured: 'deepseek-v4-flash',
        models: [
          { name: 'deepseek-chat', reasoning: false },
          { name: 'deepseek-r1:7b', reasoning: true },
          { name: 'deepseek-v4-flash', reasoning: true },
        ],
      },
    );
    await idle();
    const models = t.page.locator('[data-testid="model-select"]');
    const options = () =>
      models
        .locator('option')
        .evaluateAll((nodes) =>
          nodes.map((node) => [
            (node as HTMLOptionElement).value,
            node.textContent,
            (node as HTMLElement).dataset.reasoning ?? '',
          ]),
        );
    assert.deepEqual(await options(), [
      ['', 'Default model · deepseek-v4-flash · reasoning', ''],
      ['deepseek-chat', 'deepseek-chat', ''],
      ['deepseek-r1:7b', 'deepseek-r1:7b · reasoning', 'true'],
    ]);
    await models.focus();
    assert.deepEqual(await posted(), [{ type: 'listModels' }], 'opening the picker asks for the list');

    await models.selectOption('deepseek-r1:7b');
    await t.page.locator('[data-testid="effort-select"]').selectOption('high');
    await t.page.fill('[data-testid="prompt-input"]', 'Why?');
    await t.page.press('[data-testid="prompt-input"]', 'Enter');
    await t.page.fill('[data-testid="prompt-input"]', 'And then?');
    await t.page.press('[data-testid="prompt-input"]', 'Enter');
    assert.deepEqual(await posted(), [
      { type: 'ask', text: 'Why?', model: 'deepseek-r1:7b', effort: 'high' },
      { type: 'ask', text: 'And then?' },
    ]);

    // "Use as default" writes the setting; the pick goes back to the default entry.
    await models.selectOption('deepseek-chat');
    await t.page.click('[data-testid="model-default"]');
    assert.deepEqual(await posted(), [{ type: 'setDefaultModel', model: 'deepseek-chat' }]);
    assert.equal(await models.inputValue(), '');

    // The list failed: the configured model is the only entry, and the tooltip says why.
    await send({
      type: 'cloudModels',
      configured: 'my-model',
      models: [],
      note: 'The server refused the API key (401).',
    });
    await idle();
    assert.deepEqual(await options(), [['', 'Default model · my-model', '']]);
    assert.match(
      (await models.getAttribute('title')) ?? '',
      /could not be listed: The server refused the API key \(401\)\. my-model/,
    );

    // Local answers the next question: no model picker, and the effort still travels.
    await send({
      type: 'modelSources',
      defaultSource: 'local',
      cloudLabel: 'DeepSeek',
      localLabel: '7B',
      collapseThinking: true,
    });
    await idle();
    assert.equal(await models.isHidden(), true);
    await t.page.locator('[data-testid="effort-select"]').selectOption('low');
    await t.page.fill('[data-testid="prompt-input"]', 'Locally?');
    await t.page.press('[data-testid="prompt-input"]', 'Enter');
    assert.deepEqual(await posted(), [{ type: 'ask', text: 'Locally?', effort: 'low' }]);
    await send({
      type: 'modelSources',
      defaultSource: 'cloud',
      cloudLabel: 'DeepSeek',
      localLabel: '7B',
      collapseThinking: true,
    });
  });

  it('loads nothing from the network, violates no CSP rule, and throws no errors', async () => {
    assert.deepEqual(t.blockedRequests, []);
    assert.deepEqual(await t.cspViolations(), []);
    assert.deepEqual(t.errors, []);
  });
});
