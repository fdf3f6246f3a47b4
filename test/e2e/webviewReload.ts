/**
 * Scenario 2 (issue 6): "Developer: Reload Webviews" while an answer streams. The reloaded panel
 * gets the conversation back through its ready handshake and keeps following the stream: the turn
 * ends 'done' with every chunk, none lost or doubled, and the input still sends.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_SCENARIO } from '../support/deepseekServer';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import { runCommand, step, waitForText, waitForValue } from './workbench';

const QUESTION = 'Walk me through why the cache misses after a restart.';
// ~70 deltas at 150 ms: about ten seconds of reasoning, so the reload lands mid-stream.
const REASONING =
  'The cache is kept in memory, so a restart empties it and the first requests after it all miss. ' +
  'That alone is expected. What needs explaining is that the misses go on for minutes, which means ' +
  'the warm-up never fills the entries that matter. The keys are built from the request path plus a ' +
  'timestamp rounded to the minute, so every minute produces a fresh set of keys and the old ones are ' +
  'never read again. I will point at the key function and suggest dropping the timestamp.';
const ANSWER =
  'The misses after a restart are expected, but they should stop quickly. They do not because the cache key ' +
  'includes a timestamp rounded to the minute: drop it from the key and the cache warms up after one pass.';
const DELAY_MS = 150;

interface ReloadMarker {
  r1BeforeReload?: boolean;
}

export const webviewReload: Scenario = {
  name: 'Developer: Reload Webviews mid-stream: the panel restores and finishes the turn',
  slug: 'webview-reload',
  async run(context) {
    const { page, panel, deepseek } = context;
    await startCloudScenario(context);
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: DELAY_MS });
    await step('ask a question that streams slowly', () => panel.ask(QUESTION));
    await step('some reasoning is on screen', () =>
      waitForValue(
        async () =>
          ((await panel.lastTurn().locator('[data-testid="thinking-body"]').textContent({ timeout: 1_000 })) ?? '')
            .length > 0,
        true,
        'reasoning shown',
      ),
    );
    // A mark in the old document: gone means the webview really loaded a new one.
    await panel.evaluate(() => ((window as unknown as ReloadMarker).r1BeforeReload = true));
    await step('run Developer: Reload Webviews from the command palette', () =>
      runCommand(page, 'Developer: Reload Webviews'),
    );
    await step('the panel comes back as a new document', () =>
      waitForValue(
        () => panel.evaluate(() => (window as unknown as ReloadMarker).r1BeforeReload === true),
        false,
        'the old document still showing',
      ),
    );
    await step('the server was still streaming when the panel came back (the reload was mid-stream)', () => {
      assert.equal(deepseek.activeStreams, 1, 'the stream had already ended: make it slower');
    });
    const turn = panel.lastTurn();
    await step('the restored panel shows the question once', async () => {
      assert.equal(await panel.turns.count(), 1, 'one turn after the reload');
      assert.equal((await turn.locator('.question-text').textContent())?.trim(), QUESTION);
    });
    await step('the full reasoning, exactly (chunks before, during and after the reload)', () =>
      waitForText(turn.locator('[data-testid="thinking-body"]'), REASONING),
    );
    await step('then the full answer, exactly', () => waitForText(turn.locator('[data-testid="answer"]'), ANSWER));
    await step('the turn ends done, with no error', () => panel.expectDone(turn));
    await step('the restored input sends a follow-up that is answered', async () => {
      const requestsBefore = deepseek.requests.length;
      await panel.ask('Thanks, one more question.');
      const followUp = panel.turns.nth(1);
      await waitForText(followUp.locator('[data-testid="answer"]'), String(DEFAULT_SCENARIO.answer));
      await panel.expectDone(followUp);
      assert.equal(deepseek.requests.length, requestsBefore + 1, 'one more chat request');
      assert.equal(await panel.input.inputValue(), '', 'the input is cleared after sending');
    });
  },
};
