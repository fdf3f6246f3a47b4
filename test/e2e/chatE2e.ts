/**
 * End-to-end: the packaged extension in the real VS Code workbench (code-server), driven like a
 * user in headless Chromium. Sets the API key through the command palette, opens the R1 view,
 * asks, reads the reasoning and then the answer from the webview's DOM, and saves a screenshot.
 *
 *   node --import tsx test/e2e/chatE2e.ts      (after `node scripts/build.mjs`; npm test does both)
 *
 * The extension is installed from a VSIX (`vsce package`), not loaded as a development folder:
 * that is what users get, so a file the VSIX leaves out (.vscodeignore) fails here too.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { startDeepSeekServer } from '../support/deepseekServer';
import { launchChromium } from '../harness/browser';
import { readTestEnv, repoRoot, startCodeServer } from '../harness/codeServer';

const artifacts = join(repoRoot, 'test-artifacts');
const KEY = 'sk-e2e-5f0c9a7e1d2b4c6a';
// Plain prose: the panel renders markdown, and these must read back character for character.
const QUESTION = 'Why does my loop skip the last element of the array?';
const REASONING =
  'The user has a loop that misses the last element. The usual cause is a bound that stops one step early, ' +
  'for example comparing the index with length minus one. I will explain that and give the fix.';
const ANSWER = 'Your loop stops one step early. Compare the index with the array length itself, not the length minus one.';
const TEST_TIMEOUT_MS = Number(process.env.R1_E2E_TIMEOUT_MS ?? 240_000);

function log(message: string): void {
  console.log(`[e2e] ${message}`);
}

async function step<T>(name: string, action: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const result = await action();
    log(`✓ ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    throw new Error(`step "${name}" failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Polls a locator's text until it equals `expected` (whitespace at the ends ignored). */
async function waitForText(locator: Locator, expected: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: string | null = null;
  while (Date.now() < deadline) {
    seen = (await locator.textContent({ timeout: 1_000 }).catch(() => null))?.trim() ?? null;
    if (seen === expected) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.equal(seen, expected, 'text did not appear in time');
}

function packageVsix(): string {
  // Per process: two runs in one working tree must not write the same file.
  const out = join(repoRoot, '.vscode-test', `r1-coder-e2e-${process.pid}.vsix`);
  // Runs vscode:prepublish (the production build). Relative README links need a repository URL
  // to rewrite; irrelevant to a test package.
  const result = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vsce package failed:\n${result.stdout}${result.stderr}`);
  return out;
}

async function setApiKeyLikeAUser(page: Page): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill('>R1: Set API Key');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'R1: Set API Key' }).waitFor();
  await input.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'R1: Set API Key' }).waitFor();
  const keyInput = page.locator('.quick-input-widget .quick-input-box input[type="password"]');
  await keyInput.pressSequentially(KEY);
  await keyInput.press('Enter');
  // The confirmation is announced to screen readers (role=alert) whether or not a toast shows.
  await page.getByRole('alert').filter({ hasText: 'API key saved' }).waitFor({ state: 'attached' });
}

/** Records, inside the webview, what the reasoning showed when the first answer text appeared. */
async function watchOrder(panel: FrameLocator): Promise<void> {
  await panel.locator('body').evaluate((body) => {
    const record: { reasoningSeenAlone: boolean; reasoningWhenAnswerBegan: string | null } = {
      reasoningSeenAlone: false,
      reasoningWhenAnswerBegan: null,
    };
    (window as unknown as { r1Order: typeof record }).r1Order = record;
    new MutationObserver(() => {
      const turns = body.querySelectorAll('[data-testid="turn"]');
      const turn = turns[turns.length - 1];
      if (!turn || record.reasoningWhenAnswerBegan !== null) return;
      const reasoning = turn.querySelector('[data-testid="thinking-body"]')?.textContent?.trim() ?? '';
      const answer = turn.querySelector('[data-testid="answer"]')?.textContent?.trim() ?? '';
      if (reasoning && !answer) record.reasoningSeenAlone = true;
      if (answer) record.reasoningWhenAnswerBegan = reasoning;
    }).observe(body, { childList: true, subtree: true, characterData: true });
  });
}

async function run(page: Page, deepseekRequests: () => readonly { headers: Record<string, unknown> }[]): Promise<void> {
  await step('the workbench loads', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
  // The palette lists contributed commands only once the extension is scanned; its tab shows that.
  const tab = page.getByRole('tab', { name: 'R1', exact: true });
  await step('the R1 tab appears in the activity bar', () => tab.waitFor({ timeout: 60_000 }));
  await step('R1: Set API Key from the command palette stores the key', () => setApiKeyLikeAUser(page));

  await step('open the R1 view container from the activity bar', async () => {
    await tab.click();
    // A container with one view folds the view's header into the side bar title.
    await page.locator('.part.sidebar .composite.title', { hasText: /R1/ }).waitFor();
    assert.equal(await tab.getAttribute('aria-selected'), 'true', 'the R1 tab is selected');
  });
  const panel = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const input = panel.locator('[data-testid="prompt-input"]');
  await step('the chat panel renders its input', () => input.waitFor());
  await watchOrder(panel);

  await step('type the question and press Enter', async () => {
    await input.click();
    await input.pressSequentially(QUESTION);
    await input.press('Enter');
  });
  const turn = panel.locator('[data-testid="turn"]').last();
  await step('the reasoning streams in, exactly', () => waitForText(turn.locator('[data-testid="thinking-body"]'), REASONING));
  await step('then the answer, exactly', () => waitForText(turn.locator('[data-testid="answer"]'), ANSWER));
  await step('the turn ends as done', () => panel.locator('[data-testid="turn"][data-status="done"]').waitFor());
  await step('the reasoning was complete before the answer began', async () => {
    const order = await panel.locator('body').evaluate(() => (window as unknown as { r1Order: unknown }).r1Order);
    assert.deepEqual(order, { reasoningSeenAlone: true, reasoningWhenAnswerBegan: REASONING });
  });
  await step('the request carried the key typed into the input box', () => {
    const requests = deepseekRequests();
    assert.equal(requests.length, 1, 'one chat request');
    assert.equal(requests[0]?.headers.authorization, `Bearer ${KEY}`);
  });
  await step('the error box stays empty', async () => {
    assert.equal((await turn.locator('[data-testid="turn-error"]').textContent())?.trim(), '');
  });
  await step('screenshot with the reasoning unfolded: test-artifacts/e2e-chat.png', async () => {
    const thinking = turn.locator('[data-testid="thinking"]');
    if ((await thinking.getAttribute('open')) === null) await thinking.locator('summary').click();
    assert.notEqual(await thinking.getAttribute('open'), null, 'the reasoning is unfolded');
    await page.screenshot({ path: join(artifacts, 'e2e-chat.png') });
  });
}

async function main(): Promise<boolean> {
  const started = Date.now();
  mkdirSync(artifacts, { recursive: true });
  const env = readTestEnv();
  const vsix = await step('package the extension (vsce package)', packageVsix);
  const deepseek = await startDeepSeekServer();
  // Slow enough that the reasoning is visibly on screen before the answer starts.
  deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 25 });
  const server = await step('start code-server with the VSIX installed', () =>
    startCodeServer({
      label: 'e2e',
      vsixFiles: [vsix],
      settings: { 'r1Coder.cloud.baseUrl': deepseek.baseUrl },
      workspaceFiles: { 'loop.js': 'for (let i = 0; i < items.length - 1; i++) console.log(items[i]);\n' },
    }),
  );
  const browser = await launchChromium(env.chromium);
  const browserLog: string[] = [];
  let ok = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Generous per action: two cores shared with builds can make the workbench slow to settle.
    page.setDefaultTimeout(60_000);
    page.on('console', (message) => browserLog.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`[pageerror] ${error.message}`));
    await page.goto(server.workbenchUrl());
    await Promise.race([
      run(page, () => deepseek.requests),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the test did not finish within ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
      }),
    ]).catch(async (error: unknown) => {
      await page.screenshot({ path: join(artifacts, 'e2e-failure.png') }).catch(() => undefined);
      throw error;
    });
    ok = true;
  } catch (error) {
    console.error(`[e2e] ✗ ${error instanceof Error ? error.message : String(error)}`);
    console.error(`[e2e] failure screenshot: test-artifacts/e2e-failure.png; browser log: test-artifacts/e2e-browser.log`);
    console.error(`--- code-server output (run folder kept: ${server.runDir}) ---\n${server.output().slice(-4000)}`);
  } finally {
    clearTimeout(timer);
    writeFileSync(join(artifacts, 'e2e-browser.log'), browserLog.join('\n') + '\n');
    await browser.close().catch(() => undefined);
    await server.stop({ keep: !ok });
    await deepseek.close();
    rmSync(vsix, { force: true });
  }
  log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

main().then(
  (ok) => {
    console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
