/**
 * Scenario 5 (issue 3): one question answered by a local GGUF model, chosen for this request with
 * the panel's model selector. The installed VSIX is the platform package (node-llama-cpp and its
 * linux-x64 binaries inside), and the model is the synthesized script model, so the text is known.
 */
import * as assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import type { Scenario } from './scenarios';
import { step, waitForText, waitForValue } from './workbench';

const QUESTION = 'Why does my sum skip the last value?';
// Loading the model in a fresh worker on a busy machine takes a while.
const LOCAL_ANSWER_TIMEOUT_MS = 150_000;

/** The answer's markdown split into what the panel renders: prose, code language, code. */
function answerParts(answer: string): { prose: string; language: string; code: string } {
  const match = /^([\s\S]*?)\n```(\w+)\n([\s\S]*?)\n```\s*$/.exec(answer);
  assert.ok(match, `the script model's answer is prose then one fenced block: ${JSON.stringify(answer)}`);
  // Inline code spans render without their backticks.
  return { prose: match[1]!.replaceAll('`', '').trim(), language: match[2]!, code: match[3]! };
}

export const localModel: Scenario = {
  name: 'local model from the panel selector: the script model answers exactly',
  slug: 'local-model',
  async run({ page, panel, deepseek, artifacts, localModel: model }) {
    const expected = answerParts(model.answer);
    const label = `Local · ${basename(model.path).replace(/\.gguf$/i, '')}`;
    await step('start from a new chat', () => panel.newChat());
    const select = panel.frame.locator('[data-testid="source-select"]');
    await step(`the model selector offers "Just this once: ${label}"`, async () => {
      await waitForValue(
        () => select.locator('option[value="local"]').textContent({ timeout: 1_000 }),
        `Just this once: ${label}`,
        'the local option',
      );
    });
    const requestsBefore = deepseek.requests.length;
    await step('choose it and ask', async () => {
      await select.selectOption('local');
      await panel.ask(QUESTION);
    });
    const turn = panel.lastTurn();
    await step('the turn says the local model answers', () => waitForText(turn.locator('.model-label'), label));
    await step('the reasoning, exactly', () =>
      waitForText(turn.locator('[data-testid="thinking-body"]'), model.reasoning, LOCAL_ANSWER_TIMEOUT_MS),
    );
    await step('the turn ends done, with no error', () => panel.expectDone(turn, LOCAL_ANSWER_TIMEOUT_MS));
    await step('the answer, exactly: prose, then the highlighted code block', async () => {
      const answer = turn.locator('[data-testid="answer"]');
      assert.equal((await answer.locator('p').first().textContent())?.trim(), expected.prose);
      assert.equal((await answer.locator('.code-block .language').textContent())?.trim(), expected.language);
      assert.equal((await answer.locator('pre code').textContent())?.replace(/\n$/, ''), expected.code);
      assert.ok((await answer.locator('pre code span[class^="hljs-"]').count()) > 0, 'the code is highlighted');
    });
    await step('nothing went to the cloud server, and the selector is back on the default', async () => {
      assert.equal(deepseek.requests.length, requestsBefore, 'no cloud request');
      assert.equal(await select.inputValue(), 'default');
    });
    await step('screenshot with the reasoning unfolded: test-artifacts/e2e-local.png', async () => {
      await panel.unfoldReasoning(turn);
      await page.screenshot({ path: join(artifacts, 'e2e-local.png') });
    });
  },
};
