// Answer now on the real panel (src/webview/main.ts) in Chromium: shown while the turn thinks,
// posts answerNow once, and disabled with the reason for a model that cannot end its thought.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { HostMessage } from '../../src/shared/protocol';
import { launchChromium, openPanel, panelIdle, postToPanel, takePosted, type TestPage, wireTurn } from './harness';

describe('Answer now (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = (...messages: HostMessage[]) => postToPanel(t.page, messages);
  const idle = () => panelIdle(t.page);
  const posted = () => takePosted(t.page);
  const button = (turnId: string) =>
    t.page.evaluate((id) => {
      const found = document.querySelector<HTMLButtonElement>(`[data-turn-id="${id}"] [data-testid="answer-now"]`);
      return (
        found && { visible: !found.hidden && found.offsetParent !== null, disabled: found.disabled, title: found.title }
      );
    }, turnId);

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
    await posted();
  });

  after(async () => {
    await browser?.close();
  });

  it('shows while a local model thinks, posts answerNow once, and goes when the answer starts', async () => {
    await send({ type: 'turnStarted', turn: wireTurn('local', { canEndThought: true }) });
    await idle();
    assert.equal((await button('local'))?.visible, false, 'nothing thought yet');
    await send({ type: 'delta', turnId: 'local', reasoning: 'Let me check the loop.', answer: '', at: 2_000 });
    await idle();
    assert.deepEqual(await button('local'), {
      visible: true,
      disabled: false,
      title: 'End the thought now and answer from what was thought so far',
    });
    await t.page.click('[data-turn-id="local"] [data-testid="answer-now"]');
    await t.page.evaluate(() =>
      document.querySelector<HTMLButtonElement>('[data-turn-id="local"] [data-testid="answer-now"]')!.click(),
    );
    assert.deepEqual(await posted(), [{ type: 'answerNow', turnId: 'local' }]);
    await send({ type: 'delta', turnId: 'local', reasoning: '', answer: 'Use `<=`.', at: 3_000 });
    await idle();
    assert.equal((await button('local'))?.visible, false, 'answering: nothing to end');
    await send({ type: 'turnEnded', turnId: 'local', status: 'done', at: 4_000 });
    await idle();
    assert.equal((await button('local'))?.visible, false);
  });

  it('is disabled for a cloud model, with the reason in its tooltip', async () => {
    await send({ type: 'turnStarted', turn: wireTurn('cloud', { modelLabel: 'DeepSeek · deepseek-reasoner' }) });
    await send({ type: 'delta', turnId: 'cloud', reasoning: 'Hmm.', answer: '', at: 2_000 });
    await idle();
    assert.deepEqual(await button('cloud'), {
      visible: true,
      disabled: true,
      title: 'The cloud API cannot continue from a partial thought; Stop keeps what was thought',
    });
    await t.page.evaluate(() =>
      document.querySelector<HTMLButtonElement>('[data-turn-id="cloud"] [data-testid="answer-now"]')!.click(),
    );
    assert.deepEqual(await posted(), []);
  });
});
