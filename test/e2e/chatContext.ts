/**
 * Scenario (issue 11): the active editor's file travels with a question asked in the panel. Its
 * chip shows above the input before asking, the recorded request carries the file, and the turn
 * shows the chips of what it carried.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCloudScenario } from './cloudChat';
import type { Scenario } from './scenarios';
import { activeEditor, editorText, quickOpen, step, waitForValue } from './workbench';

export const CONTEXT_FILE = 'loop.js';
export const CONTEXT_SOURCE = 'for (let i = 0; i < items.length - 1; i++) console.log(items[i]);\n';
const QUESTION = 'Why does this loop skip the last item?';
const REASONING = 'The attached loop.js compares i with items.length - 1, so the last index is never printed.';
const ANSWER = 'The bound stops one step early: compare `i < items.length` instead.';

export const chatContext: Scenario = {
  name: 'context: the active file is a chip, the question carries it, the turn shows what it carried',
  slug: 'chat-context',
  async run(context) {
    const { page, panel, deepseek, artifacts } = context;
    await startCloudScenario(context);
    await step(`open ${CONTEXT_FILE} with Quick Open`, async () => {
      await quickOpen(page, CONTEXT_FILE, CONTEXT_FILE);
      await waitForValue(() => editorText(activeEditor(page)), CONTEXT_SOURCE, `the text of ${CONTEXT_FILE}`);
    });
    const chip = panel.frame.locator('[data-testid="attachment-chips"] [data-testid="chip"][data-chip-id="active"]');
    await step('the active file shows as a chip above the input', async () => {
      await chip.waitFor();
      // The chip follows the active editor after a short debounce: the previous file's may show first.
      await waitForValue(
        async () => /^loop\.js · line 1 · ~\d+ tokens$/.test((await chip.textContent()) ?? ''),
        true,
        'the active-file chip naming loop.js',
      );
    });
    await step('screenshot of the chips: test-artifacts/e2e-chips.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-chips.png') }),
    );
    deepseek.enqueue({ reasoning: REASONING, answer: ANSWER, delayMs: 5 });
    const requestsBefore = deepseek.requests.length;
    await step('type the question and press Enter', () => panel.ask(QUESTION));
    const turn = panel.lastTurn();
    await step('the turn ends done, showing the typed question and the chip of what it carried', async () => {
      await panel.expectDone(turn);
      assert.equal((await turn.locator('.question-text').textContent())?.trim(), QUESTION);
      assert.match((await turn.locator('[data-testid="turn-chip"]').first().textContent()) ?? '', /^loop\.js · /);
    });
    await step('the recorded request carries the file, then the question', () => {
      const requests = deepseek.requests.slice(requestsBefore);
      assert.equal(requests.length, 1, 'one chat request');
      const messages = requests[0]?.body?.messages as { role: string; content: string }[];
      const sent = messages.at(-1)?.content ?? '';
      assert.ok(sent.includes(CONTEXT_SOURCE.trim()), 'the message holds the file');
      assert.ok(sent.includes(CONTEXT_FILE), 'and names it');
      assert.ok(sent.trimEnd().endsWith(QUESTION), 'the question comes last');
    });
    await step('for the follow-up, the unchanged file is not resent: its chip says so', async () => {
      await waitForValue(async () => chip.getAttribute('data-tone'), 'repeated', 'the tone of the active file chip');
      assert.match((await chip.textContent()) ?? '', /^loop\.js · unchanged, not resent$/);
    });
    await step("screenshot of the turn's chips: test-artifacts/e2e-chips-turn.png", () =>
      page.screenshot({ path: join(artifacts, 'e2e-chips-turn.png') }),
    );
  },
};
