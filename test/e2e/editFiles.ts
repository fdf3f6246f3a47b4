/**
 * Issue 12: two files open side by side; the active one counts and the other is attached with `#`
 * (issue 11: picked in the QuickPick with the keyboard only, shown as a chip); the panel's Edit mode
 * asks for a change across the working set (the chips); the review card lists both files with their line counts, VS Code's multi-file diff editor shows the
 * proposed files; Accept All changes both, and one Undo restores both.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import { activeEditor, editorText, quickOpen, runCommand, step, waitForValue } from './workbench';

export const CART_FILE = 'cart.js';
export const CART_SOURCE = `function total(items) {
  let sum = 0;
  for (const item of items) sum += item.price;
  return sum;
}

module.exports = { total };
`;
export const REPORT_FILE = 'report.js';
export const REPORT_SOURCE = `const { total } = require('./cart');

function report(items) {
  const lines = items.map((item) => \`\${item.name}: \${item.price}\`);
  lines.push(\`Total: \${total(items)}\`);
  return lines.join('\\n');
}

module.exports = { report };
`;
const CART_AFTER = CART_SOURCE.replace('sum += item.price;', 'sum += item.price * item.quantity;');
const REPORT_AFTER = REPORT_SOURCE.replace(
  '${item.name}: ${item.price}',
  '${item.name} x${item.quantity}: ${item.price}',
);
const REQUEST = 'Count each item by its quantity in the total and show it in the report';
const REASONING =
  'Each item has a quantity. The total must multiply the price by it, and the report should show it per line. ' +
  'Both files are short, so I write them whole.';
const ANSWER = [
  'The total multiplies by the quantity, and the report shows it.',
  '',
  `File: ${CART_FILE}`,
  '```js',
  CART_AFTER.trimEnd(),
  '```',
  '',
  `File: ${REPORT_FILE}`,
  '```js',
  REPORT_AFTER.trimEnd(),
  '```',
  '',
].join('\n');

export const editFiles: Scenario = {
  name: 'Edit Files: the review lists both files, the multi-file diff shows them, Accept All, one Undo',
  slug: 'edit-files',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    await step(`open ${CART_FILE} and ${REPORT_FILE} side by side`, async () => {
      await runCommand(page, 'View: Close All Editors');
      await quickOpen(page, CART_FILE, CART_FILE);
      await runCommand(page, 'View: Split Editor Right');
      await quickOpen(page, REPORT_FILE, REPORT_FILE);
      await waitForValue(() => editorText(activeEditor(page)), REPORT_SOURCE, `the text of ${REPORT_FILE}`);
    });
    const input = panel.frame.locator('[data-testid="prompt-input"]');
    const chips = panel.frame.locator('[data-testid="attachment-chips"]');
    await step(`type # in the panel's input and pick ${CART_FILE} with the keyboard: its chip shows`, async () => {
      await input.click();
      await page.keyboard.type('#');
      // The picker is the workbench's QuickPick (not the webview's): it has the focus now.
      const pick = page.locator('.quick-input-widget .quick-input-box input');
      await pick.waitFor();
      await page.keyboard.type(CART_FILE);
      await page
        .locator('.quick-input-list .monaco-list-row.focused', {
          has: page.locator('.label-name', { hasText: new RegExp(`^${CART_FILE.replace('.', '\\.')}$`) }),
        })
        .waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
      await chips.locator('[data-testid="chip"] .chip-label', { hasText: CART_FILE }).waitFor();
      await waitForValue(() => input.inputValue(), '', 'the input once the # picked a file');
      assert.deepEqual(
        (await chips.locator('[data-testid="chip"] .chip-label').allTextContents())
          .map((label) => label.split(' · ')[0])
          .sort(),
        [CART_FILE, REPORT_FILE].sort(),
        'the active file and the attached one',
      );
    });
    await step('screenshot: test-artifacts/e2e-hash-picker-chips.png', () =>
      chips.screenshot({ path: join(artifacts, 'e2e-hash-picker-chips.png') }),
    );
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 5 });
    const requestsBefore = deepseek.requests.length;
    await step('switch the panel to Edit mode and describe the change', async () => {
      await panel.frame.locator('[data-testid="edit-mode"]').click();
      assert.equal(await panel.frame.locator('[data-testid="edit-mode"]').getAttribute('aria-pressed'), 'true');
      await panel.ask(REQUEST);
    });
    const turn = panel.lastTurn();
    await step('the Edit turn ends done; the request carried both files (the chips)', async () => {
      await panel.expectDone(turn);
      assert.equal((await turn.locator('.question-text').textContent())?.trim(), `Edit: ${REQUEST}`);
      const requests = deepseek.requests.slice(requestsBefore);
      assert.equal(requests.length, 1, 'one chat request');
      for (const name of [CART_FILE, REPORT_FILE]) assert.ok(requests[0]?.rawBody.includes(name), name);
    });
    const rows = turn.locator('[data-testid="review-file"]');
    await step('the review card lists both files, changed, with their counts', async () => {
      await waitForValue(() => rows.count(), 2, 'the files in the review');
      assert.deepEqual(
        await rows.evaluateAll((nodes) =>
          nodes.map((node) => [
            node.querySelector('.file-review-path')?.textContent,
            node.querySelector('.file-review-counts')?.textContent,
            node.querySelector('[data-testid="review-status"]')?.textContent,
          ]),
        ),
        [
          [CART_FILE, '+1 −1', 'changed'],
          [REPORT_FILE, '+1 −1', 'changed'],
        ],
      );
    });
    await step("VS Code's multi-file diff editor opens with both files", async () => {
      await page.locator('.tab.active', { hasText: `R1: Edit: ${REQUEST}` }).waitFor();
      await page.locator('.monaco-component.multiDiffEditor').first().waitFor();
    });
    await step('screenshot: test-artifacts/e2e-multi-diff.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-multi-diff.png') }),
    );
    await step('click Accept All in the panel', async () => {
      await turn.locator('[data-testid="review-accept-all"]').click();
      await waitForValue(
        () => turn.locator('[data-testid="review-file"][data-state="applied"]').count(),
        2,
        'the applied files',
      );
      await page.locator('.tab', { hasText: `R1: Edit: ${REQUEST}` }).waitFor({ state: 'detached' });
    });
    const editor = activeEditor(page);
    await step('both files read exactly the proposed text', async () => {
      await quickOpen(page, CART_FILE, CART_FILE);
      await waitForValue(() => editorText(editor), CART_AFTER, `the text of ${CART_FILE}`);
      await quickOpen(page, REPORT_FILE, REPORT_FILE);
      await waitForValue(() => editorText(editor), REPORT_AFTER, `the text of ${REPORT_FILE}`);
    });
    await step('one Undo restores both files', async () => {
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+Z');
      await waitForValue(() => editorText(editor), REPORT_SOURCE, `the text of ${REPORT_FILE} after Undo`);
      await quickOpen(page, CART_FILE, CART_FILE);
      await waitForValue(() => editorText(editor), CART_SOURCE, `the text of ${CART_FILE} after the same Undo`);
    });
    await step('switch Edit mode off again (the next scenarios ask questions)', async () => {
      await panel.frame.locator('[data-testid="edit-mode"]').click();
      assert.equal(await panel.frame.locator('[data-testid="edit-mode"]').getAttribute('aria-pressed'), 'false');
    });
  },
};
