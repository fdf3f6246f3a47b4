/**
 * What every E2E scenario drives: the code-server workbench page (command palette, quick open,
 * editors) and the R1 Chat webview inside it. Everything waits on DOM conditions, never on sleeps.
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { CodeServer } from '../harness/codeServer';
import type { DeepSeekServer } from '../support/deepseekServer';

/** Per action: two cores shared with builds can make the workbench slow to settle. */
export const ACTION_TIMEOUT_MS = 60_000;

export interface LocalModelFixture {
  readonly path: string;
  /** What the panel shows from the script model (expectedSplit of its script). */
  readonly reasoning: string;
  readonly answer: string;
}

export interface E2eContext {
  readonly page: Page;
  readonly server: CodeServer;
  readonly deepseek: DeepSeekServer;
  readonly panel: ChatPanel;
  readonly artifacts: string;
  readonly localModel: LocalModelFixture;
  /** Set by the cloud chat scenario once R1: Set API Key stored the key; later cloud scenarios need it. */
  apiKeySet: boolean;
}

export function log(message: string): void {
  console.log(`[e2e] ${message}`);
}

export async function step<T>(name: string, action: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const result = await action();
    log(`  ✓ ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    throw new Error(`step "${name}" failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** Collapses whitespace runs: rendered markdown keeps the words, not the source's line breaks. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Polls `read` until it returns `expected`; fails with the last value seen. */
export async function waitForValue<T>(
  read: () => Promise<T>,
  expected: T,
  what: string,
  timeoutMs = ACTION_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: T | undefined;
  // A read that throws (a detached frame mid-reload) is retried; its last error is reported.
  let lastError: unknown;
  while (Date.now() < deadline) {
    seen = await read().catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (seen === expected) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  const reason =
    seen === undefined && lastError !== undefined
      ? ` (last read failed: ${lastError instanceof Error ? lastError.message.split('\n')[0] : String(lastError)})`
      : '';
  assert.equal(seen, expected, `${what} did not become the expected value in time${reason}`);
}

/** Polls a locator's text until it equals `expected` (whitespace at the ends ignored). */
export function waitForText(locator: Locator, expected: string, timeoutMs = ACTION_TIMEOUT_MS): Promise<void> {
  return waitForValue(
    async () => (await locator.textContent({ timeout: 1_000 }))?.trim() ?? null,
    expected,
    'the text',
    timeoutMs,
  );
}

/** Clicks the quick-input row whose label is exactly `label` (fuzzy filtering lists near misses first). */
export async function chooseRow(page: Page, label: string | RegExp): Promise<void> {
  const exact = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
  const row = page
    .locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: exact }) })
    .first();
  await row.click();
}

/** Runs a command from the command palette (F1) by its title, as a user would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await chooseRow(page, title);
}

/** Quick Open (Ctrl+P): a file by name, or `:N` for a line of the active editor. */
export async function quickOpen(page: Page, query: string, rowText: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill(query);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: rowText }).waitFor();
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The text a Monaco editor shows, line by line in order (spaces render as NBSP). */
export function editorText(editor: Locator): Promise<string> {
  return editor
    .locator('.view-lines')
    .first()
    .evaluate((lines) =>
      [...lines.querySelectorAll<HTMLElement>('.view-line')]
        // Monaco reuses line nodes, so DOM order is not line order; their top offset is.
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
        .join('\n'),
    );
}

/** The editor of the active editor group (not a diff editor). */
export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
}

/** The R1 Chat webview and its DOM contract (src/webview/main.ts). */
export class ChatPanel {
  readonly frame: FrameLocator;

  constructor(private readonly page: Page) {
    // R1's own webview: the walkthrough's step media are webviews too.
    this.frame = page
      .frameLocator('iframe.webview.ready[src*="extensionId=r1-coder.r1-coder"]')
      .frameLocator('iframe#active-frame');
  }

  get input(): Locator {
    return this.frame.locator('[data-testid="prompt-input"]');
  }

  get turns(): Locator {
    return this.frame.locator('[data-testid="turn"]');
  }

  lastTurn(): Locator {
    return this.turns.last();
  }

  /** Types a question and sends it with Enter (short text typed key by key, long text pasted). */
  async ask(question: string): Promise<void> {
    await this.input.click();
    if (question.length <= 120) await this.input.pressSequentially(question);
    else await this.input.fill(question);
    await this.input.press('Enter');
  }

  /** R1: New Chat, then waits for the empty transcript (screenshots show one conversation). */
  async newChat(): Promise<void> {
    await runCommand(this.page, 'R1: New Chat');
    await waitForValue(() => this.turns.count(), 0, 'the number of turns after New Chat');
  }

  /** Waits for the last turn to end and checks it ended 'done' with an empty error box. */
  async expectDone(turn: Locator, timeoutMs = ACTION_TIMEOUT_MS): Promise<void> {
    await waitForValue(
      async () => {
        const status = await turn.getAttribute('data-status', { timeout: 1_000 });
        return status === 'streaming' ? null : status;
      },
      'done',
      'the turn status',
      timeoutMs,
    );
    assert.equal(
      (await turn.locator('[data-testid="turn-error"]').textContent())?.trim(),
      '',
      'the error box is empty',
    );
  }

  /** Opens a turn's reasoning, which folds itself away when the answer begins. */
  async unfoldReasoning(turn: Locator): Promise<void> {
    const thinking = turn.locator('[data-testid="thinking"]');
    if ((await thinking.getAttribute('open')) === null) await thinking.locator('summary').click();
    assert.notEqual(await thinking.getAttribute('open'), null, 'the reasoning is unfolded');
  }

  /** Runs a function in the webview document (its own window, not the workbench's). */
  evaluate<T>(fn: () => T): Promise<T> {
    return this.frame.locator('body').evaluate(fn);
  }
}

/** The webview body's computed background and theme class, and the workbench side bar's background. */
export interface ThemeColors {
  readonly webview: string;
  readonly sideBar: string;
  readonly kind: string;
  /** The last turn's surfaces that must stand out from the panel: by background, or (high contrast) by border. */
  readonly surfaces: Readonly<Record<'inlineCode' | 'codeBlock' | 'thought', SurfaceLook | undefined>>;
}

export interface SurfaceLook {
  readonly background: string;
  /** Top border as `width style colour`, e.g. `1px solid rgb(111, 195, 223)`. */
  readonly border: string;
}

export async function themeColors(page: Page, panel: ChatPanel): Promise<ThemeColors> {
  const inWebview = await panel.evaluate(() => {
    const turn = [...document.querySelectorAll('[data-testid="turn"]')].pop();
    // No named functions (not even `const f = () => …`): tsx would wrap them in a `__name` helper
    // the webview does not have.
    const answer = turn?.querySelector('[data-testid="answer"]');
    // [surface, element coloured, element framed]: a code block's frame is its wrapper (header + pre).
    const elements = [
      ['inlineCode', answer?.querySelector(':not(pre) > code'), answer?.querySelector(':not(pre) > code')],
      ['codeBlock', answer?.querySelector('pre'), answer?.querySelector('.code-block')],
      ['thought', turn?.querySelector('[data-testid="thinking"]'), turn?.querySelector('[data-testid="thinking"]')],
    ] as const;
    const surfaces: Record<string, { background: string; border: string } | undefined> = {};
    for (const [surface, coloured, framed] of elements) {
      surfaces[surface] =
        coloured && framed
          ? {
              background: getComputedStyle(coloured).backgroundColor,
              border: [
                getComputedStyle(framed).borderTopWidth,
                getComputedStyle(framed).borderTopStyle,
                getComputedStyle(framed).borderTopColor,
              ].join(' '),
            }
          : undefined;
    }
    return {
      background: getComputedStyle(document.body).backgroundColor,
      kind:
        ['vscode-dark', 'vscode-light', 'vscode-high-contrast'].find((name) =>
          document.body.classList.contains(name),
        ) ?? '',
      surfaces: surfaces as ThemeColors['surfaces'],
    };
  });
  const sideBar = await page.locator('.part.sidebar').evaluate((part) => getComputedStyle(part).backgroundColor);
  return { webview: inWebview.background, sideBar, kind: inWebview.kind, surfaces: inWebview.surfaces };
}

/** Relative luminance (0 black … 1 white) of a CSS `rgb()`/`rgba()` colour. */
export function luminance(color: string): number {
  const match = /rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/.exec(color);
  assert.ok(match, `not an rgb() colour: ${color}`);
  const [r, g, b] = [match[1], match[2], match[3]].map((part) => {
    const c = Number(part) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
