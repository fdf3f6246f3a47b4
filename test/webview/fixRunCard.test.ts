// The Fix ×N agreement card in the real panel (src/webview/main.ts), driven by protocol messages, in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { FixRunView, HostMessage } from '../../src/shared/protocol';
import { launchChromium, openPanel, postToPanel, takePosted, type TestPage } from './harness';

function sample(index: number, patch: Partial<FixRunView['samples'][number]> = {}): FixRunView['samples'][number] {
  return {
    index,
    status: 'done',
    reasoning: `Thought of sample ${index + 1}.`,
    tokens: 100 + index,
    ms: 2_000,
    ...patch,
  };
}

const RUNNING: FixRunView = {
  id: 'fixrun-1',
  target: 'src/sum.ts:3–5',
  total: 5,
  status: 'running',
  samples: [0, 1, 2, 3, 4].map((index) => sample(index, { status: index < 2 ? 'done' : 'streaming' })),
  groups: [],
  refusals: [],
  tie: false,
};

const AGREED: FixRunView = {
  ...RUNNING,
  status: 'done',
  samples: [
    sample(0, { group: 0 }),
    sample(1, { group: 1 }),
    sample(2, { group: 0 }),
    sample(3, { refusal: 'The answer has no code block.' }),
    sample(4, { group: 0 }),
  ],
  groups: [
    { index: 0, samples: [0, 2, 4] },
    { index: 1, samples: [1] },
  ],
  refusals: [{ reason: 'The answer has no code block.', samples: [3] }],
  winner: 0,
  tie: false,
  summary: '3 of 5 samples agree.',
  shownGroup: 0,
  proposal: { id: 'edit-7', target: 'src/sum.ts:3–5', state: 'pending' },
};

const TIED: FixRunView = {
  id: 'fixrun-2',
  target: 'src/sum.ts:3–5',
  total: 4,
  status: 'done',
  samples: [0, 1, 2, 3].map((index) => sample(index, { group: index % 2 })),
  groups: [
    { index: 0, samples: [0, 2] },
    { index: 1, samples: [1, 3] },
  ],
  refusals: [],
  tie: true,
  summary: '2 edits tie with 2 of 4 samples each: nothing is preselected.',
};

describe('Fix ×N agreement card (Chromium, src/webview/fixRunCard.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = async (...messages: HostMessage[]) => {
    await postToPanel(t.page, messages);
    await t.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  };
  const posted = () => takePosted(t.page);
  const card = (id: string) => `[data-testid="fix-run"][data-run-id="${id}"]`;

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
    await posted();
  });

  after(async () => {
    await browser?.close();
  });

  it('shows progress while sampling, and its Stop stops the run', async () => {
    await send({ type: 'fixRun', run: RUNNING });
    const summary = await t.page.textContent(`${card('fixrun-1')} [data-testid="fix-run-summary"]`);
    assert.equal(summary, 'Sampling 5 fixes… 2 of 5 done.');
    await t.page.click(`${card('fixrun-1')} [data-testid="fix-run-stop"]`);
    assert.deepEqual(await posted(), [{ type: 'fixRunAction', runId: 'fixrun-1', action: 'stop' }]);
  });

  it('agreement: the count, the agreed edit pressed with Accept/Reject, the other group one click away, refusals', async () => {
    // The user opened sample #2's thought while it streamed: it stays open through the redraw.
    await t.page.click(`${card('fixrun-1')} [data-testid="fix-run-samples"] > summary`);
    await t.page.click(`${card('fixrun-1')} [data-testid="fix-sample"]:nth-of-type(2) > summary`);
    await send({ type: 'fixRun', run: AGREED });
    const state = await t.page.evaluate((selector) => {
      const root = document.querySelector(selector)!;
      return {
        stop: root.querySelector('[data-testid="fix-run-stop"]') !== null,
        summary: root.querySelector('[data-testid="fix-run-summary"]')?.textContent,
        groups: [...root.querySelectorAll<HTMLElement>('[data-testid="fix-group"]')].map((button) => ({
          text: button.textContent,
          pressed: button.getAttribute('aria-pressed'),
        })),
        proposal: root.querySelector('[data-testid="edit-proposal"]')?.getAttribute('data-state'),
        refusals: [...root.querySelectorAll('[data-testid="fix-run-refusals"] li')].map((item) => item.textContent),
        samples: [...root.querySelectorAll<HTMLDetailsElement>('[data-testid="fix-sample"]')].map((item) => ({
          summary: item.querySelector('summary')?.textContent,
          open: item.open,
        })),
        total: root.querySelector('[data-testid="fix-run-samples"] > summary')?.textContent,
      };
    }, card('fixrun-1'));
    assert.equal(state.stop, false, 'no Stop once done');
    assert.equal(state.summary, '3 of 5 samples agree.');
    assert.deepEqual(state.groups, [
      { text: 'Edit 1 · 3 of 5 · agreed', pressed: 'true' },
      { text: 'Edit 2 · 1 of 5', pressed: 'false' },
    ]);
    assert.equal(state.proposal, 'pending');
    assert.deepEqual(state.refusals, ['1 of 5 produced no edit: The answer has no code block.']);
    assert.equal(state.samples[0]!.summary, '#1 · edit 1 · 100 tokens · 2.0 s');
    assert.equal(state.samples[3]!.summary, '#4 · no edit · 103 tokens · 2.0 s');
    assert.deepEqual(
      state.samples.map((item) => item.open),
      [false, true, false, false, false],
    );
    assert.equal(state.total, 'Samples · 510 tokens in total · 2.0 s');
    assert.equal(
      await t.page.textContent(`${card('fixrun-1')} [data-testid="fix-sample"]:nth-of-type(2) .fix-sample-thought`),
      'Thought of sample 2.',
    );

    await t.page.click(`${card('fixrun-1')} [data-testid="edit-accept"]`);
    await t.page.click(`${card('fixrun-1')} [data-testid="fix-group"][data-group="1"]`);
    assert.deepEqual(await posted(), [
      { type: 'resolveEdit', proposalId: 'edit-7', decision: 'accept' },
      { type: 'fixRunAction', runId: 'fixrun-1', action: 'showGroup', group: 1 },
    ]);
    // The proposal's later state arrives as editProposal for the run's id.
    await send({
      type: 'editProposal',
      turnId: 'fixrun-1',
      proposal: { id: 'edit-7', target: 'src/sum.ts:3–5', state: 'applied', message: 'Applied.' },
    });
    assert.equal(
      await t.page.getAttribute(`${card('fixrun-1')} [data-testid="edit-proposal"]`, 'data-state'),
      'applied',
    );
  });

  it('a tie: shown as a tie, nothing pressed or proposed', async () => {
    await send({ type: 'fixRun', run: TIED });
    const state = await t.page.evaluate((selector) => {
      const root = document.querySelector(selector)!;
      return {
        summary: root.querySelector('[data-testid="fix-run-summary"]')?.textContent,
        groups: [...root.querySelectorAll<HTMLElement>('[data-testid="fix-group"]')].map((button) => ({
          text: button.textContent,
          pressed: button.getAttribute('aria-pressed'),
        })),
        proposal: root.querySelector('[data-testid="edit-proposal"]') !== null,
      };
    }, card('fixrun-2'));
    assert.equal(state.summary, TIED.summary);
    assert.deepEqual(state.groups, [
      { text: 'Edit 1 · 2 of 4 · tie', pressed: 'false' },
      { text: 'Edit 2 · 2 of 4 · tie', pressed: 'false' },
    ]);
    assert.equal(state.proposal, false);
  });

  it('the panel refuses a malformed card action (protocol validation)', async () => {
    const { parseWebviewMessage } = await import('../../src/shared/protocol');
    assert.equal(parseWebviewMessage({ type: 'fixRunAction', runId: 'r', action: 'showGroup' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'fixRunAction', runId: 'r', action: 'showGroup', group: -1 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'fixRunAction', runId: 'r', action: 'explode' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'fixRunAction', runId: 'r', action: 'showGroup', group: 1 }), {
      type: 'fixRunAction',
      runId: 'r',
      action: 'showGroup',
      group: 1,
    });
  });
});
