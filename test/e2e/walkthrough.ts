/**
 * The Get Started walkthrough in the real workbench. First scenario: it opened by itself on the
 * extension's first activation, nothing checked, the cloud's steps shown (the local-model step is
 * hidden by its `when`). Last scenario: the steps the scenarios before really did (key stored, an
 * answer, an accepted fix) are checked off through the extension's context keys, and the page's own
 * "Use the cloud" button checks the first step off.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { WALKTHROUGH_ID } from '../../src/host/walkthroughSteps';
import type { Scenario } from './scenarios';
import { runCommand, step, waitForValue } from './workbench';

const WALKTHROUGH = `r1-coder.r1-coder#${WALKTHROUGH_ID}`;

/** A step's checkbox on the walkthrough page (VS Code marks it with the step's full id and aria-checked). */
function checkbox(page: Page, stepId: string): Locator {
  return page.locator(`[data-done-step-id="${WALKTHROUGH}#${stepId}"]`);
}

function checked(page: Page, stepId: string): Promise<string | null> {
  return checkbox(page, stepId).getAttribute('aria-checked', { timeout: 1_000 });
}

/** The step ids shown, in order, each with its checked state. */
function shownSteps(page: Page): Promise<string[]> {
  return page
    .locator(`[data-done-step-id^="${WALKTHROUGH}#"]`)
    .evaluateAll((nodes) =>
      nodes.map(
        (node) => `${node.getAttribute('data-done-step-id')?.split('#').pop()}=${node.getAttribute('aria-checked')}`,
      ),
    );
}

export const walkthroughFirstRun: Scenario = {
  name: 'walkthrough: opens by itself on the first activation, at its first step, nothing checked',
  slug: 'walkthrough-first-run',
  async run(context) {
    const { page, artifacts } = context;
    await step('the Get Started page is open without anyone asking', async () => {
      await page.locator('.tab', { hasText: 'Welcome' }).waitFor();
      await page.getByText('Get Started with R1 Coder').first().waitFor();
      await checkbox(page, 'chooseSource').waitFor();
    });
    await step("the cloud's steps, none checked (the local-model step is hidden in cloud mode)", async () => {
      assert.deepEqual(await shownSteps(page), [
        'chooseSource=false',
        'setApiKey=false',
        'firstQuestion=false',
        'fixSample=false',
      ]);
      await page.getByRole('button', { name: 'Use the cloud' }).waitFor();
    });
    await step('screenshot: test-artifacts/e2e-walkthrough.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-walkthrough.png') }),
    );
    await step('close it (the next scenarios work in the editor area)', async () => {
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.tab', { hasText: 'Welcome' }).waitFor({ state: 'detached' });
    });
  },
};

export const walkthroughProgress: Scenario = {
  name: 'walkthrough: the steps done before are checked off; its Use the cloud button checks the first',
  slug: 'walkthrough-progress',
  async run(context) {
    const { page, artifacts } = context;
    if (!context.apiKeySet) throw new Error('needs the key, answer and fix of the cloud scenarios, which did not run');
    await step('R1: Get Started from the command palette opens the walkthrough', async () => {
      await runCommand(page, 'R1: Get Started');
      await checkbox(page, 'chooseSource').waitFor();
    });
    await step('key stored, first answer, accepted fix: checked; the source was never chosen: not', async () => {
      for (const id of ['setApiKey', 'firstQuestion', 'fixSample'])
        await waitForValue(() => checked(page, id), 'true', `the "${id}" step's checkbox`);
      assert.equal(await checked(page, 'chooseSource'), 'false');
    });
    await step('click "Use the cloud" on the page: the first step checks itself off', async () => {
      await page
        .getByRole('button', { name: /Choose cloud or local/ })
        .first()
        .click();
      await page.getByRole('button', { name: 'Use the cloud' }).click();
      await waitForValue(() => checked(page, 'chooseSource'), 'true', 'the "chooseSource" step\'s checkbox');
      assert.deepEqual(await shownSteps(page), [
        'chooseSource=true',
        'setApiKey=true',
        'firstQuestion=true',
        'fixSample=true',
      ]);
    });
    await step('screenshot: test-artifacts/e2e-walkthrough-done.png', () =>
      page.screenshot({ path: join(artifacts, 'e2e-walkthrough-done.png') }),
    );
    await runCommand(page, 'View: Close All Editors');
  },
};
