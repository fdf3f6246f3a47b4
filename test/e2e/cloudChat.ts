/**
 * Scenario 1: the API key through the command palette, then one cloud question whose reasoning
 * and answer appear exactly, the reasoning complete before the answer begins.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Scenario } from './scenarios';
import { runCommand, step, waitForText, type ChatPanel, type E2eContext } from './workbench';

export const API_KEY = 'sk-e2e-5f0c9a7e1d2b4c6a';
// Plain prose: the panel renders markdown, and these must read back character for character.
const QUESTION = 'Why does my loop skip the last element of the array?';
const REASONING =
  'The user has a loop that misses the last element. The usual cause is a bound that stops one step early, ' +
  'for example comparing the index with length minus one. I will explain that and give the fix.';
const ANSWER =
  'Your loop stops one step early. Compare the index with the array length itself, not the length minus one.';

/**
 * How the later cloud scenarios begin: they need the key this scenario stores (failing with that
 * cause when it did not get so far) and a new chat, so each screenshot shows one conversation.
 */
export async function startCloudScenario(context: E2eContext): Promise<void> {
  if (!context.apiKeySet) throw new Error('needs the API key, which the cloud chat scenario did not manage to set');
  await step('start from a new chat', () => context.panel.newChat());
}

async function setApiKeyLikeAUser(page: Page): Promise<void> {
  await runCommand(page, 'R1: Set API Key');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'R1: Set API Key' }).waitFor();
  const keyInput = page.locator('.quick-input-widget .quick-input-box input[type="password"]');
  await keyInput.pressSequentially(API_KEY);
  await keyInput.press('Enter');
  // The confirmation is announced to screen readers (role=alert) whether or not a toast shows.
  await page.getByRole('alert').filter({ hasText: 'API key saved' }).waitFor({ state: 'attached' });
}

/** Records, inside the webview, what the reasoning showed when the first answer text appeared. */
async function watchOrder(panel: ChatPanel): Promise<void> {
  await panel.evaluate(() => {
    const record: { reasoningSeenAlone: boolean; reasoningWhenAnswerBegan: string | null } = {
      reasoningSeenAlone: false,
      reasoningWhenAnswerBegan: null,
    };
    (window as unknown as { r1Order: typeof record }).r1Order = record;
    new MutationObserver(() => {
      const turns = document.body.querySelectorAll('[data-testid="turn"]');
      const turn = turns[turns.length - 1];
      if (!turn || record.reasoningWhenAnswerBegan !== null) return;
      const reasoning = turn.querySelector('[data-testid="thinking-body"]')?.textContent?.trim() ?? '';
      const answer = turn.querySelector('[data-testid="answer"]')?.textContent?.trim() ?? '';
      if (reasoning && !answer) record.reasoningSeenAlone = true;
      if (answer) record.reasoningWhenAnswerBegan = reasoning;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

export const cloudChat: Scenario = {
  name: 'cloud chat: key from the command palette, reasoning then answer, exactly',
  slug: 'cloud-chat',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await step('R1: Set API Key from the command palette stores the key', () => setApiKeyLikeAUser(page));
    context.apiKeySet = true;
    // Slow enough that the reasoning is visibly on screen before the answer starts.
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 25 });
    const requestsBefore = deepseek.requests.length;
    await watchOrder(panel);
    await step('type the question and press Enter', () => panel.ask(QUESTION));
    const turn = panel.lastTurn();
    await step('the reasoning streams in, exactly', () =>
      waitForText(turn.locator('[data-testid="thinking-body"]'), REASONING),
    );
    await step('then the answer, exactly', () => waitForText(turn.locator('[data-testid="answer"]'), ANSWER));
    await step('the turn ends as done, with an empty error box', () => panel.expectDone(turn));
    await step('the reasoning was complete before the answer began', async () => {
      const order = await panel.evaluate(() => (window as unknown as { r1Order: unknown }).r1Order);
      assert.deepEqual(order, { reasoningSeenAlone: true, reasoningWhenAnswerBegan: REASONING });
    });
    await step('the request carried the key typed into the input box', () => {
      const requests = deepseek.requests.slice(requestsBefore);
      assert.equal(requests.length, 1, 'one chat request');
      assert.equal(requests[0]?.headers.authorization, `Bearer ${API_KEY}`);
    });
    await step('screenshot with the reasoning unfolded: test-artifacts/e2e-chat.png', async () => {
      await panel.unfoldReasoning(turn);
      await page.screenshot({ path: join(artifacts, 'e2e-chat.png') });
    });
  },
};
