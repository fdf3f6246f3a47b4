/**
 * Find inside a folded thought, in the real workbench: the view's Find button opens the panel's
 * find bar (and Ctrl+F in the panel does too, with no workbench find widget besides it); a word
 * that only the folded reasoning holds is counted, opens the fold and is highlighted; the outline
 * rail shows the thought's self-corrections. Screenshot: test-artifacts/e2e-find.png.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { outlineThought } from '../../src/core/thoughtOutline';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import { step, waitForValue } from './workbench';

const QUESTION = 'Why does my binary search loop forever on two elements?';
const REASONING = [
  'The loop is `while (low < high)` with `mid = (low + high) / 2` rounded down.',
  'With two elements, mid equals low. If the branch sets `low = mid`, nothing moves.',
  'Wait, the code sets `high = mid` in the other branch, so only the first branch can stall.',
  'Hmm, so it loops forever exactly when the target is in the upper half: a classic invariant slip.',
  'Actually, rounding mid up (`(low + high + 1) / 2`) fixes the stall when the branch is `low = mid`.',
  'So the answer: round up, or use `low = mid + 1`.',
].join('\n\n');
const ANSWER = 'When `low = mid` and `mid` rounds down, two elements never shrink: use `low = mid + 1`.';
/** Only the reasoning holds it. */
const WORD = 'invariant';

export const findInThought: Scenario = {
  name: 'find in a folded thought: Find button and Ctrl+F, the fold opens on the match, the outline rail',
  slug: 'find-in-thought',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 5 });
    await step('ask a question', () => panel.ask(QUESTION));
    const turn = panel.lastTurn();
    await step('the turn ends done', () => panel.expectDone(turn));
    const thinking = turn.locator('[data-testid="thinking"]');
    await step('the thought is folded once the answer came', async () =>
      assert.equal(await thinking.getAttribute('open'), null),
    );

    const bar = panel.frame.locator('[data-testid="find-bar"]');
    const input = panel.frame.locator('[data-testid="find-input"]');
    await step("the view's Find in Chat button opens the find bar", async () => {
      await page.locator('.part.sidebar .title-actions .action-label[aria-label="Find in Chat"]').click();
      await bar.waitFor({ state: 'visible' });
      await input.press('Escape');
      await bar.waitFor({ state: 'hidden' });
    });
    await step('Ctrl+F in the panel opens it too, and no workbench find widget', async () => {
      await panel.input.click();
      await panel.input.press('Control+f');
      await bar.waitFor({ state: 'visible' });
      assert.equal(await page.locator('.simple-find-part-wrapper.visible, .find-widget.visible').count(), 0);
    });
    await step(`"${WORD}", only in the folded thought, is found, opens the fold and is highlighted`, async () => {
      await input.pressSequentially(WORD);
      await waitForValue(
        async () => (await panel.frame.locator('[data-testid="find-count"]').textContent())?.trim(),
        '1 of 1',
        'the find count',
      );
      assert.notEqual(await thinking.getAttribute('open'), null, 'the fold opened');
      const current = await panel.evaluate(() =>
        ([...(CSS.highlights.get('r1-find-current') ?? [])][0] as Range | undefined)?.toString(),
      );
      assert.equal(current, WORD);
    });
    await step('the outline rail has a mark per self-correction, and one for the answer', async () => {
      const corrections = outlineThought(REASONING).correctionCount;
      assert.equal(corrections, 3);
      assert.equal(await turn.locator('[data-testid="rail-mark"][data-kind="correction"]').count(), corrections);
      assert.equal(await turn.locator('[data-testid="rail-mark"][data-kind="answer"]').count(), 1);
    });
    await step('screenshot: test-artifacts/e2e-find.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-find.png') }),
    );
    await step('Escape closes find and returns to the input', async () => {
      await input.press('Escape');
      await bar.waitFor({ state: 'hidden' });
      assert.equal(await panel.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'prompt-input');
    });
  },
};
