/**
 * Scenario 4 (issue 4): select a loop in a file like a user (Quick Open, Go to Line, Shift+arrows),
 * run R1: Fix Selection from the command palette; the diff editor shows the proposed fix; Accept
 * in the panel changes the file to exactly the fixed text, and one Undo restores it.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import { activeEditor, editorText, quickOpen, runCommand, step, waitForValue } from './workbench';

export const SUM_FILE = 'sum.js';
export const SUM_SOURCE = `function sum(values) {
  let total = 0;
  for (let i = 0; i < values.length - 1; i++) {
    total += values[i];
  }
  return total;
}

module.exports = { sum };
`;
const FIXED_LOOP = `  for (let i = 0; i < values.length; i++) {
    total += values[i];
  }`;
const EXPECTED = SUM_SOURCE.replace('values.length - 1', 'values.length');
const REASONING =
  'The loop bound is values.length - 1, so the last index is never visited and its value is left out of the total. ' +
  'Comparing with values.length itself visits every element.';
const ANSWER = `The loop stops one element early. Compare with \`values.length\`:\n\n\`\`\`js\n${FIXED_LOOP}\n\`\`\`\n`;

export const fixSelection: Scenario = {
  name: 'Fix Selection: diff view with the fix, Accept changes the file exactly, Undo restores it',
  slug: 'fix-selection',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    const editor = activeEditor(page);
    await step(`open ${SUM_FILE} with Quick Open`, async () => {
      await quickOpen(page, SUM_FILE, SUM_FILE);
      await waitForValue(() => editorText(editor), SUM_SOURCE, `the text of ${SUM_FILE}`);
    });
    await step('select the loop: Go to Line 3, then Shift+Down twice and Shift+End', async () => {
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.fill(':3');
      await input.press('Enter');
      await page.locator('.statusbar-item', { hasText: 'Ln 3, Col 1' }).waitFor();
      for (const key of ['Shift+ArrowDown', 'Shift+ArrowDown', 'Shift+End']) await page.keyboard.press(key);
      // The status bar shows what is selected: 3 lines.
      await page.locator('.statusbar-item', { hasText: /Ln 5, Col 4 \(\d+ selected\)/ }).waitFor();
    });
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 5 });
    const requestsBefore = deepseek.requests.length;
    await step('run R1: Fix Selection from the command palette', () => runCommand(page, 'R1: Fix Selection'));
    const turn = panel.lastTurn();
    await step('the fix turn ends done and proposes an edit', async () => {
      await panel.expectDone(turn);
      assert.equal((await turn.locator('.question-text').textContent())?.trim(), `Fix ${SUM_FILE}:3–5`);
      await turn.locator('[data-testid="edit-proposal"][data-state="pending"]').waitFor();
    });
    await step('the request quoted the selected loop', () => {
      const requests = deepseek.requests.slice(requestsBefore);
      assert.equal(requests.length, 1, 'one chat request');
      assert.ok(
        requests[0]?.rawBody.includes(JSON.stringify(SUM_SOURCE.split('\n').slice(2, 5).join('\n')).slice(1, -1)),
        'the prompt holds the selection',
      );
    });
    const diff = page.locator('.monaco-diff-editor').first();
    await step('the diff editor opens with the fixed file on the right', async () => {
      await diff.waitFor();
      await waitForValue(() => editorText(diff.locator('.editor.modified')), EXPECTED, 'the proposed side of the diff');
      await waitForValue(
        () => editorText(diff.locator('.editor.original')),
        SUM_SOURCE,
        'the original side of the diff',
      );
      await page.locator('.tab.active', { hasText: "R1's fix" }).waitFor();
    });
    await step('screenshot: test-artifacts/e2e-diff.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-diff.png') }),
    );
    await step('after Developer: Reload Webviews the panel still offers Accept for the pending fix', async () => {
      // A mark in the old document: gone means the webview really loaded a new one.
      await panel.evaluate(() => ((window as unknown as { r1BeforeReload?: boolean }).r1BeforeReload = true));
      await runCommand(page, 'Developer: Reload Webviews');
      await waitForValue(
        () => panel.evaluate(() => (window as unknown as { r1BeforeReload?: boolean }).r1BeforeReload === true),
        false,
        'the old panel document still showing',
      );
      await turn.locator('[data-testid="edit-proposal"][data-state="pending"]').waitFor();
    });
    await step('click Accept in the panel', async () => {
      await turn.locator('[data-testid="edit-accept"]').click();
      await turn.locator('[data-testid="edit-proposal"][data-state="applied"]').waitFor();
      await diff.waitFor({ state: 'detached' });
    });
    await step(`${SUM_FILE} now reads exactly the fixed text`, async () => {
      await quickOpen(page, SUM_FILE, SUM_FILE);
      await waitForValue(() => editorText(editor), EXPECTED, `the text of ${SUM_FILE}`);
    });
    await step('one Undo restores the original text', async () => {
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+Z');
      await waitForValue(() => editorText(editor), SUM_SOURCE, `the text of ${SUM_FILE} after Undo`);
    });
  },
};
