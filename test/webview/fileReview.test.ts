// The multi-file review card, Apply to file and the Edit mode switch, in the real panel (Chromium).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { FileReviewView, HostMessage, TurnWire, WebviewMessage } from '../../src/shared/protocol';
import { launchChromium, openPanel, type TestPage } from './harness';

const ANSWER = [
  'The total uses the quantity now.',
  '',
  'File: src/cart.ts',
  '```ts',
  'export const total = (items) => items.reduce((sum, item) => sum + item.price * item.quantity, 0);',
  '```',
  '',
  'Run the tests:',
  '',
  '```sh',
  'npm test',
  '```',
  '',
  '```ts src/report.ts',
  'export const report = () => "ok";',
  '```',
].join('\n');

const TURN: TurnWire = {
  id: 't1',
  question: 'Edit',
  title: 'Edit: use the quantity',
  reasoning: '',
  answer: ANSWER,
  status: 'done',
  modelLabel: 'Test · r1',
  startedAt: 1_000,
  endedAt: 2_000,
};

const REVIEW: FileReviewView = {
  id: 'review-1',
  files: [
    { id: 'review-1-0', path: 'src/cart.ts', change: 'modify', state: 'pending', added: 3, removed: 1 },
    { id: 'review-1-1', path: 'src/new.ts', change: 'create', state: 'pending', added: 12, removed: 0 },
    {
      id: 'review-1-2',
      path: 'src/gone.ts',
      change: 'refused',
      state: 'refused',
      added: 0,
      removed: 0,
      message: 'The answer deletes src/gone.ts, but deletions were not asked for.',
    },
  ],
};

describe('file review card (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = (...messages: HostMessage[]) =>
    t.page.evaluate((list) => {
      for (const message of list) window.postMessage(message, '*');
    }, messages);
  const posted = () => t.page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted.splice(0));
  const rows = () =>
    t.page.$$eval('[data-testid="review-file"]', (nodes) =>
      nodes.map((node) => ({
        path: node.querySelector('.file-review-path')?.textContent,
        counts: node.querySelector('.file-review-counts')?.textContent,
        status: node.querySelector('[data-testid="review-status"]')?.textContent,
        message: node.querySelector('.file-review-message')?.textContent ?? null,
        buttons: [...node.querySelectorAll('button')].map((button) => button.textContent),
      })),
    );

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
    await send({ type: 'state', conversation: { busy: false, turns: [TURN] } });
    await t.page.waitForSelector('[data-testid="answer"] .code-block');
    await posted();
  });

  after(async () => {
    await browser?.close();
  });

  it('lists each file with its +/− counts and status; refused files show the reason and no buttons', async () => {
    await send({ type: 'fileReview', turnId: 't1', review: REVIEW });
    await t.page.waitForSelector('[data-testid="review-file"]');
    assert.equal(await t.page.textContent('[data-testid="file-review"] .file-review-title'), '2 of 3 files planned');
    assert.deepEqual(await rows(), [
      {
        path: 'src/cart.ts',
        counts: '+3 −1',
        status: 'changed',
        message: null,
        buttons: ['Accept', 'Reject', 'Show Diff'],
      },
      {
        path: 'src/new.ts',
        counts: '+12 −0',
        status: 'new',
        message: null,
        buttons: ['Accept', 'Reject', 'Show Diff'],
      },
      {
        path: 'src/gone.ts',
        counts: '',
        status: 'refused',
        message: 'The answer deletes src/gone.ts, but deletions were not asked for.',
        buttons: [],
      },
    ]);
  });

  it('the buttons post ids and decisions only', async () => {
    await t.page.click('[data-testid="review-accept-all"]');
    await t.page.click('[data-testid="review-show-all"]');
    await t.page.click('[data-file-id="review-1-0"] [data-testid="review-diff"]');
    await t.page.click('[data-file-id="review-1-0"] [data-testid="review-accept"]');
    await t.page.click('[data-file-id="review-1-1"] [data-testid="review-reject"]');
    assert.deepEqual(await posted(), [
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'accept' },
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'showDiff' },
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'showDiff', fileId: 'review-1-0' },
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'accept', fileId: 'review-1-0' },
      { type: 'reviewFiles', reviewId: 'review-1', decision: 'reject', fileId: 'review-1-1' },
    ]);
  });

  it('a later state redraws the card: decided files lose their buttons, Accept All goes with the last pending file', async () => {
    const [cart, created, gone] = REVIEW.files as [
      FileReviewView['files'][number],
      FileReviewView['files'][number],
      FileReviewView['files'][number],
    ];
    await send({
      type: 'fileReview',
      turnId: 't1',
      review: {
        id: 'review-1',
        files: [
          { ...cart, state: 'applied', message: 'Applied. Undo (Ctrl+Z) restores it.' },
          { ...created, state: 'rejected', message: 'Rejected. The file was not changed.' },
          gone,
        ],
      },
    });
    await t.page.waitForSelector('[data-file-id="review-1-0"][data-state="applied"]');
    const [first, second] = await rows();
    assert.equal(first?.status, 'changed · applied');
    assert.deepEqual(first?.buttons, []);
    assert.equal(second?.status, 'new · rejected');
    assert.equal(await t.page.$('[data-testid="review-accept-all"]'), null);
    assert.equal(await t.page.$$eval('[data-testid="file-review"]', (cards) => cards.length), 1, 'one card per review');
  });

  it('Apply to file only on blocks that name a file (not on a shell command), posting the block index', async () => {
    await t.page.waitForSelector('[data-testid="apply-file"]');
    const labelled = await t.page.$$eval('[data-testid="apply-file"]', (buttons) =>
      buttons.map((button) => [button.getAttribute('data-block-index'), button.getAttribute('title')]),
    );
    assert.deepEqual(labelled, [
      ['0', 'Apply to src/cart.ts'],
      ['2', 'Apply to src/report.ts'],
    ]);
    await t.page.click('[data-testid="apply-file"][data-block-index="2"]');
    assert.deepEqual(await posted(), [{ type: 'applyToFile', turnId: 't1', blockIndex: 2 }]);
  });

  it('Edit mode sends the question as an Edit request; off again, as a question', async () => {
    await t.page.click('[data-testid="edit-mode"]');
    assert.equal(await t.page.getAttribute('[data-testid="edit-mode"]', 'aria-pressed'), 'true');
    await t.page.fill('[data-testid="prompt-input"]', 'Use the quantity everywhere');
    await t.page.press('[data-testid="prompt-input"]', 'Enter');
    await t.page.click('[data-testid="edit-mode"]');
    await t.page.fill('[data-testid="prompt-input"]', 'Why?');
    await t.page.press('[data-testid="prompt-input"]', 'Enter');
    assert.deepEqual(await posted(), [
      { type: 'editFiles', text: 'Use the quantity everywhere' },
      { type: 'ask', text: 'Why?' },
    ]);
  });
});
