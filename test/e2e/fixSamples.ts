/**
 * Fix ×N (issue 13): select the loop of sum.js, run R1: Fix Selection ×N from the command palette,
 * pick 5 samples; the loopback server answers 3 agreeing fixes, 1 other fix and 1 answer without
 * code. The panel's agreement card says "3 of 5 samples agree", proposes the agreed edit (the diff
 * opens), counts the refusal, and shows each sample's thought on demand. Screenshot, then Reject.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCloudScenario } from './cloudChat';
import { SUM_FILE, SUM_SOURCE } from './fixSelection';
import type { Scenario } from './scenarios';
import { activeEditor, chooseRow, editorText, quickOpen, runCommand, step, waitForValue } from './workbench';

const FIXED_LOOP = `  for (let i = 0; i < values.length; i++) {
    total += values[i];
  }`;
const OTHER_LOOP = `  for (const value of values) {
    total += value;
  }`;
const EXPECTED = SUM_SOURCE.replace('values.length - 1', 'values.length');

function answer(loop: string): string {
  return `The loop stops one element early:\n\n\`\`\`js\n${loop}\n\`\`\`\n`;
}

export const fixSamples: Scenario = {
  name: 'Fix Selection ×N: 3 of 5 samples agree, the agreed edit in the diff, the samples on demand',
  slug: 'fix-samples',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    const editor = activeEditor(page);
    await step(`open ${SUM_FILE} and select the loop (lines 3–5)`, async () => {
      await quickOpen(page, SUM_FILE, SUM_FILE);
      await waitForValue(() => editorText(editor), SUM_SOURCE, `the text of ${SUM_FILE}`);
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.fill(':3');
      await input.press('Enter');
      await page.locator('.statusbar-item', { hasText: 'Ln 3, Col 1' }).waitFor();
      for (const key of ['Shift+ArrowDown', 'Shift+ArrowDown', 'Shift+End']) await page.keyboard.press(key);
      await page.locator('.statusbar-item', { hasText: /Ln 5, Col 4 \(\d+ selected\)/ }).waitFor();
    });
    const thought = (n: number) =>
      `Sample ${n}: the bound values.length - 1 leaves out the last element. Wait, let me re-check the loop body.`;
    deepseek.enqueue(
      { reasoning: thought(1), answer: answer(FIXED_LOOP), delayMs: 5 },
      { reasoning: thought(2), answer: answer(OTHER_LOOP), delayMs: 5 },
      { reasoning: thought(3), answer: answer(FIXED_LOOP), delayMs: 5 },
      { reasoning: thought(4), answer: 'The loop looks correct to me.', delayMs: 5 },
      { reasoning: thought(5), answer: answer(FIXED_LOOP), delayMs: 5 },
    );
    const requestsBefore = deepseek.requests.length;
    await step('run R1: Fix Selection ×N and pick 5 samples', async () => {
      await runCommand(page, 'R1: Fix Selection ×N');
      await chooseRow(page, '5 samples');
    });
    const card = panel.frame.locator('[data-testid="fix-run"]').last();
    await step('the card says 3 of 5 samples agree and proposes the agreed edit', async () => {
      await card.locator('[data-testid="fix-run-summary"]', { hasText: '3 of 5 samples agree.' }).waitFor();
      await card.locator('[data-testid="edit-proposal"][data-state="pending"]').waitFor();
      assert.equal(deepseek.requests.length - requestsBefore, 5, 'five requests');
      assert.equal(await card.locator('[data-testid="fix-group"]').count(), 2);
      assert.match((await card.locator('[data-testid="fix-run-refusals"]').textContent()) ?? '', /1 of 5/);
    });
    const diff = page.locator('.monaco-diff-editor').first();
    await step('the diff shows the agreed fix', async () => {
      await diff.waitFor();
      await waitForValue(() => editorText(diff.locator('.editor.modified')), EXPECTED, 'the proposed side of the diff');
    });
    await step("open the samples and sample #2's thought", async () => {
      await card.locator('[data-testid="fix-run-samples"] > summary').click();
      await card.locator('[data-testid="fix-sample"]').nth(1).locator('summary').click();
      await card.locator('.fix-sample-thought', { hasText: 'Sample 2:' }).waitFor();
    });
    await step('screenshot: test-artifacts/e2e-fix-agreement.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-fix-agreement.png') }),
    );
    await step('Reject in the card leaves the file as it was', async () => {
      await card.locator('[data-testid="edit-reject"]').click();
      await card.locator('[data-testid="edit-proposal"][data-state="rejected"]').waitFor();
      await diff.waitFor({ state: 'detached' });
      await quickOpen(page, SUM_FILE, SUM_FILE);
      await waitForValue(() => editorText(editor), SUM_SOURCE, `the text of ${SUM_FILE}`);
    });
  },
};
