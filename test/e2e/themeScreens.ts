/**
 * Scenario 3 (issue 5): a long answer (headings, a list, a table, inline code, fenced TypeScript
 * and Python) screenshotted in Dark Modern, Light Modern and Dark High Contrast, picked the way a
 * user does (Preferences: Color Theme). The panel must follow the theme: its background is the side
 * bar's in each, code blocks stay highlighted, and inline code, code blocks and the thought stand
 * out (by background; in high contrast by border).
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import {
  chooseRow,
  luminance,
  runCommand,
  squash,
  step,
  themeColors,
  waitForValue,
  type ChatPanel,
  type ThemeColors,
} from './workbench';

const QUESTION = 'How should I retry failed HTTP requests?';
const REASONING = [
  'The user wants to retry failed HTTP requests. Not every failure deserves a retry: a 400 or a 404 will fail ' +
    'the same way again, while a 429, a 503 or a dropped connection often succeeds on a later attempt.',
  'Retrying at once makes things worse when the server is overloaded, so the delay should grow with each ' +
    'attempt. Exponential backoff with jitter spreads the clients out so they do not all come back together.',
  'A Retry-After header, when the server sends one, is better than any guess. There should also be a cap on ' +
    'attempts and on the total time, or a request can hang for minutes.',
  'I will show a small TypeScript helper, the same idea in Python, a table of which statuses to retry, and ' +
    'end with a short checklist.',
].join('\n\n');
const ANSWER = `## Retry only what can succeed later

Retry **transient** failures: \`429\`, \`503\`, timeouts and dropped connections. Do not retry \`400\` or \`404\`.

| Status | Retry? | Why |
|---|---|---|
| 429 | yes | rate limited; honour \`Retry-After\` |
| 503 | yes | overloaded or restarting |
| 400 | no | the request itself is wrong |

### TypeScript

\`\`\`ts
async function withRetry<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt + 1 >= attempts || !isTransient(error)) throw error;
      const delay = Math.min(30_000, 500 * 2 ** attempt) * Math.random();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
\`\`\`

### Python

\`\`\`python
import random, time

def with_retry(run, attempts=5):
    for attempt in range(attempts):
        try:
            return run()
        except TransientError:
            if attempt + 1 == attempts:
                raise
            time.sleep(min(30, 0.5 * 2 ** attempt) * random.random())
\`\`\`

### Checklist

- Cap the attempts **and** the total time.
- Prefer the server's \`Retry-After\` over your own delay.
- Make the request idempotent before retrying a \`POST\`:

\`\`\`ts
headers['Idempotency-Key'] = crypto.randomUUID();
\`\`\`
`;

/** What the rendered answer must contain; each count comes from ANSWER above. */
function renderedAnswer(panel: ChatPanel) {
  // No named functions inside: tsx would wrap them in a helper that the webview does not have.
  return panel.evaluate(() => {
    const answer = [...document.querySelectorAll('[data-testid="answer"]')].pop();
    const blocks = [...(answer?.querySelectorAll('pre code') ?? [])];
    return {
      headings: answer?.querySelectorAll('h2, h3').length,
      listItems: answer?.querySelectorAll('ul > li').length,
      tableRows: answer?.querySelectorAll('table tr').length,
      inlineCode: answer?.querySelectorAll('p code, li code, td code').length,
      codeLanguages: blocks.map((code) =>
        [...code.classList]
          .filter((name) => name.startsWith('language-') || name === 'hljs')
          .sort()
          .join(' '),
      ),
      // Spans per block: highlight.js wraps keywords, strings, numbers…
      highlightedSpans: blocks.map((code) => code.querySelectorAll('span[class^="hljs-"]').length),
    };
  });
}

async function pickColorTheme(
  page: Page,
  theme: 'Dark Modern' | 'Light Modern' | 'Dark High Contrast',
  workbenchClass: 'vs' | 'vs-dark' | 'hc-black',
): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The picker opens with the current theme's name as the filter; replace it.
  await input.fill(theme);
  // Older releases label the built-in themes "Default Dark Modern" and so on.
  await chooseRow(page, new RegExp(`^(Default )?${theme}$`));
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor();
}

const INVISIBLE = /^(transparent|rgba\(\d+, \d+, \d+, 0\))$/;

/**
 * Inline code, code blocks and the thought each stand out from the panel: by a background of their
 * own, or, in high contrast (where backgrounds are black), by a visible border.
 */
function assertSurfacesStandOut(colors: ThemeColors, by: 'background' | 'border'): void {
  for (const [surface, look] of Object.entries(colors.surfaces)) {
    assert.ok(look, `${surface} is on the page`);
    if (by === 'background') {
      assert.doesNotMatch(look.background, INVISIBLE, `${surface} has a background`);
      assert.notEqual(
        look.background,
        colors.webview,
        `${surface} stands out from the panel background (${colors.kind})`,
      );
    } else {
      const [width = '', style = '', ...colour] = look.border.split(' ');
      assert.ok(
        parseFloat(width) >= 1 && style !== 'none' && !INVISIBLE.test(colour.join(' ')),
        `${surface} has a visible border: ${look.border}`,
      );
    }
  }
}

/** Waits until the webview has repainted for the theme, then returns its colours. */
async function settledColors(
  page: Page,
  panel: ChatPanel,
  kind: 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast',
) {
  await waitForValue(
    async () => {
      const colors = await themeColors(page, panel);
      return colors.kind === kind && colors.webview === colors.sideBar;
    },
    true,
    `the webview body in ${kind} with the side bar's background`,
  );
  return themeColors(page, panel);
}

export const themeScreens: Scenario = {
  name: 'long markdown answer in dark, light and high-contrast themes: screenshots, panel colours follow the theme',
  slug: 'themes',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 2 });
    await step('ask for a long answer', () => panel.ask(QUESTION));
    const turn = panel.lastTurn();
    await step('the turn ends done, with no error', () => panel.expectDone(turn));
    await step('the reasoning paragraphs arrived complete', async () => {
      assert.equal(
        squash((await turn.locator('[data-testid="thinking-body"]').textContent()) ?? ''),
        squash(REASONING),
      );
    });
    await step('the answer renders headings, list, table, inline code and three highlighted code blocks', async () => {
      const rendered = await renderedAnswer(panel);
      assert.deepEqual(
        { ...rendered, highlightedSpans: rendered.highlightedSpans.map((spans) => spans > 0) },
        {
          headings: 4,
          listItems: 3,
          tableRows: 4,
          inlineCode: 7,
          codeLanguages: ['hljs language-ts', 'hljs language-python', 'hljs language-ts'],
          highlightedSpans: [true, true, true],
        },
      );
    });
    await step('unfold the reasoning and scroll the transcript to the top', async () => {
      await panel.unfoldReasoning(turn);
      await panel.evaluate(() => document.querySelector('.transcript')?.scrollTo({ top: 0 }));
    });
    // The workbench starts in the browser's preferred scheme (light in headless Chromium).
    const startedDark = (await page.locator('.monaco-workbench.vs-dark').count()) > 0;
    try {
      await step('Preferences: Color Theme → Dark Modern', () => pickColorTheme(page, 'Dark Modern', 'vs-dark'));
      const dark = await step('dark theme: the panel has the side bar background, and it is dark', async () => {
        const colors = await settledColors(page, panel, 'vscode-dark');
        assert.ok(luminance(colors.webview) < 0.1, `dark background expected, got ${colors.webview}`);
        assertSurfacesStandOut(colors, 'background');
        return colors;
      });
      await step('screenshot: test-artifacts/e2e-panel-dark.png', () =>
        page.screenshot({ path: join(artifacts, 'e2e-panel-dark.png') }),
      );
      await step('Preferences: Color Theme → Light Modern', () => pickColorTheme(page, 'Light Modern', 'vs'));
      await step('light theme: the panel repaints with the light side bar background', async () => {
        const light = await settledColors(page, panel, 'vscode-light');
        assert.ok(luminance(light.webview) > 0.8, `light background expected, got ${light.webview}`);
        assert.notEqual(light.webview, dark.webview, 'the background changed with the theme');
        assertSurfacesStandOut(light, 'background');
      });
      await step('code blocks are still highlighted after the theme change', async () => {
        const rendered = await renderedAnswer(panel);
        assert.ok(
          rendered.highlightedSpans.every((spans) => spans > 0),
          `spans per block: ${rendered.highlightedSpans.join(', ')}`,
        );
      });
      await step('screenshot: test-artifacts/e2e-panel-light.png', () =>
        page.screenshot({ path: join(artifacts, 'e2e-panel-light.png') }),
      );
      await step('Preferences: Color Theme → Dark High Contrast', () =>
        pickColorTheme(page, 'Dark High Contrast', 'hc-black'),
      );
      await step(
        'high contrast: the panel repaints, and code and the thought are framed by the contrast border',
        async () => {
          const contrast = await settledColors(page, panel, 'vscode-high-contrast');
          assert.ok(luminance(contrast.webview) < 0.05, `black background expected, got ${contrast.webview}`);
          assertSurfacesStandOut(contrast, 'border');
        },
      );
      await step('screenshot: test-artifacts/e2e-panel-high-contrast.png', () =>
        page.screenshot({ path: join(artifacts, 'e2e-panel-high-contrast.png') }),
      );
    } finally {
      // Later scenarios (and their screenshots) keep the theme the workbench started with.
      if (startedDark) await step('back to Dark Modern', () => pickColorTheme(page, 'Dark Modern', 'vs-dark'));
      else await step('back to Light Modern', () => pickColorTheme(page, 'Light Modern', 'vs'));
    }
  },
};
