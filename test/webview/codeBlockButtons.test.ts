// A code block's buttons in a narrow side bar (the real panel, its CSS and the codicon font, in Chromium).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { HostMessage } from '../../src/shared/protocol';
import { bundleForBrowser, launchChromium, openPage, readRepoFile, ROOT, VSCODE_STUB, type TestPage } from './harness';

const CODICONS = 'node_modules/@vscode/codicons/dist';

/** VS Code's own font settings for webviews (13 px), which the panel's CSS reads. */
const THEME = `:root {
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif;
  --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace;
  --vscode-editor-font-size: 13px;
}`;

const ANSWER = ['Use a strict bound:', '', '```typescript', 'for (let i = 0; i < values.length; i++) {}', '```'].join(
  '\n',
);

interface ButtonBox {
  readonly action: string;
  readonly top: number;
  readonly bottom: number;
  readonly right: number;
}

describe('code block buttons (Chromium, the real panel and its CSS)', () => {
  let browser: Browser;
  let t: TestPage;

  before(async () => {
    browser = await launchChromium();
    t = await openPage(browser, {
      script: await bundleForBrowser('src/webview/main.ts'),
      // codicon.css loads ./codicon.ttf relative to itself: served next to it.
      styles: [THEME, readRepoFile(`${CODICONS}/codicon.css`), readRepoFile('media/webview.css')],
      files: {
        '/codicon.ttf': { body: readFileSync(join(ROOT, CODICONS, 'codicon.ttf')), type: 'font/ttf' },
      },
      initScript: VSCODE_STUB,
    });
    const state: HostMessage = {
      type: 'state',
      conversation: {
        busy: false,
        turns: [
          {
            id: 't1',
            question: 'How?',
            reasoning: '',
            answer: ANSWER,
            status: 'done',
            modelLabel: 'Test · r1',
            startedAt: 1_000,
            endedAt: 2_000,
          },
        ],
      },
    };
    await t.page.evaluate((message) => window.postMessage(message, '*'), state);
    await t.page.waitForSelector('[data-testid="answer"] .code-block [data-action="insert-code"]');
    await t.page.evaluate(() => document.fonts.ready.then(() => undefined));
  });

  after(async () => {
    await browser?.close();
  });

  const measure = () =>
    t.page.evaluate(() => {
      const header = document.querySelector<HTMLElement>('[data-testid="answer"] .code-block-header')!;
      return {
        headerRight: header.getBoundingClientRect().right,
        overflow: header.scrollWidth - header.clientWidth,
        codiconLoaded: document.fonts.check('16px codicon'),
        buttons: [...header.querySelectorAll<HTMLElement>('button')].map((button) => {
          const box = button.getBoundingClientRect();
          return {
            action: button.dataset.action ?? '',
            top: Math.round(box.top),
            bottom: Math.round(box.bottom),
            right: box.right,
          } satisfies ButtonBox;
        }),
      };
    });

  it('in a 300 px side bar, Copy, Apply to selection and Insert at cursor sit on one line and fit', async () => {
    await t.page.setViewportSize({ width: 1000, height: 600 });
    const wide = await measure();
    await t.page.setViewportSize({ width: 300, height: 600 });
    const narrow = await measure();

    assert.ok(narrow.codiconLoaded, 'the codicon font is loaded, so icons have their real size');
    assert.deepEqual(
      narrow.buttons.map((button) => button.action),
      ['copy-code', 'apply-code', 'insert-code'],
    );
    // Each button is as tall as when nothing constrains it: its label did not wrap.
    assert.deepEqual(
      narrow.buttons.map((button) => button.bottom - button.top),
      wide.buttons.map((button) => button.bottom - button.top),
      'button heights at 300 px equal those at 1000 px',
    );
    assert.equal(new Set(narrow.buttons.map((button) => button.top)).size, 1, 'all buttons share one row');
    assert.ok(narrow.overflow <= 0, `the header does not overflow (by ${narrow.overflow} px)`);
    for (const button of narrow.buttons) assert.ok(button.right <= narrow.headerRight + 0.5, `${button.action} fits`);
  });

  it('every button still says what it does: its accessible name (and tooltip)', async () => {
    const block = t.page.locator('[data-testid="answer"] .code-block');
    for (const [action, name] of [
      ['copy-code', 'Copy code'],
      ['apply-code', 'Apply to selection'],
      ['insert-code', 'Insert at cursor'],
    ]) {
      const button = block.getByRole('button', { name, exact: true });
      assert.equal(await button.count(), 1, name);
      assert.equal(await button.getAttribute('data-action'), action);
      assert.equal(await button.getAttribute('title'), name);
    }
  });
});
