// The attachment chips of the real panel (src/webview/main.ts) in Chromium: shown, removed by click
// and by Backspace, and `#` asking the host for its picker.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { AttachmentChipWire, HostMessage } from '../../src/shared/protocol';
import { launchChromium, openPanel, postToPanel, takePosted, type TestPage } from './harness';

const CHIPS: AttachmentChipWire[] = [
  { id: 'active', label: 'sum.js · lines 1–40 · ~510 tokens', detail: 'Active file: src/sum.js', tone: 'normal' },
  { id: 'a1', label: 'big.log · lines 1–60 · ~2,000 tokens · trimmed', detail: 'lines cut', tone: 'trimmed' },
  { id: 'a2', label: '.env · not sent', detail: '.env is not sent: it matches "**/.env*"', tone: 'refused' },
];

describe('attachment chips (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = (...messages: HostMessage[]) => postToPanel(t.page, messages);
  const posted = () => takePosted(t.page);
  const chipIds = () =>
    t.page.$$eval('[data-testid="attachment-chips"] [data-testid="chip"]', (nodes) =>
      nodes.map((node) => (node as HTMLElement).dataset.chipId),
    );
  const input = '[data-testid="prompt-input"]';

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    await send({ type: 'state', conversation: { turns: [], busy: false } }, { type: 'attachments', chips: CHIPS });
    await t.page.fill(input, '');
    await posted();
  });

  it('shows the chips above the input with their labels, tooltips and tones', async () => {
    await t.page.waitForSelector('[data-testid="chip"][data-chip-id="a2"]');
    const chips = await t.page.$$eval('[data-testid="attachment-chips"] [data-testid="chip"]', (nodes) =>
      nodes.map((node) => ({
        label: node.querySelector('.chip-label')?.textContent,
        title: (node as HTMLElement).title,
        tone: (node as HTMLElement).dataset.tone,
      })),
    );
    assert.deepEqual(
      chips,
      CHIPS.map((chip) => ({ label: chip.label, title: chip.detail, tone: chip.tone })),
    );
    const above = await t.page.evaluate(() => {
      const bar = document.querySelector('[data-testid="attachment-chips"]')!.getBoundingClientRect();
      const box = document.querySelector('[data-testid="prompt-input"]')!.getBoundingClientRect();
      return bar.bottom <= box.top + 1;
    });
    assert.equal(above, true, 'the chips sit above the input');
    const refusedColor = await t.page.$eval('[data-chip-id="a2"]', (node) => getComputedStyle(node).borderStyle);
    assert.equal(refusedColor, 'solid');
  });

  it('removes a chip by its × button (and by keyboard on it), telling the host', async () => {
    await t.page.click('[data-chip-id="a1"] [data-testid="chip-remove"]');
    assert.deepEqual(await chipIds(), ['active', 'a2']);
    await t.page.focus('[data-chip-id="active"] [data-testid="chip-remove"]');
    await t.page.keyboard.press('Enter');
    assert.deepEqual(await chipIds(), ['a2']);
    assert.deepEqual(await posted(), [
      { type: 'removeAttachment', id: 'a1' },
      { type: 'removeAttachment', id: 'active' },
    ]);
  });

  it('Backspace in the empty input removes the last chip; in a non-empty input it edits the text', async () => {
    await t.page.focus(input);
    await t.page.keyboard.press('Backspace');
    assert.deepEqual(await chipIds(), ['active', 'a1']);
    await t.page.keyboard.type('ab');
    await t.page.keyboard.press('Backspace');
    assert.equal(await t.page.inputValue(input), 'a');
    assert.deepEqual(await chipIds(), ['active', 'a1']);
    assert.deepEqual(await posted(), [{ type: 'removeAttachment', id: 'a2' }]);
  });

  it('`#` at the start or after a space asks for the picker; inside a word it does not', async () => {
    await t.page.focus(input);
    await t.page.keyboard.type('issue#1');
    assert.deepEqual(await posted(), []);
    await t.page.fill(input, '');
    await t.page.keyboard.type('#');
    assert.deepEqual(await posted(), [{ type: 'pickAttachment' }]);
    await t.page.keyboard.type('x see ');
    await t.page.keyboard.type('#');
    assert.deepEqual(await posted(), [{ type: 'pickAttachment' }]);
  });

  it('removes the `#` it typed only when something was picked', async () => {
    await t.page.focus(input);
    await t.page.keyboard.type('why ');
    await t.page.keyboard.type('#');
    await send({ type: 'attachmentPicked', picked: false });
    await t.page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'prompt-input');
    assert.equal(await t.page.inputValue(input), 'why #', 'nothing picked: the # stays');
    await t.page.keyboard.type(' and ');
    await t.page.keyboard.type('#');
    await send({ type: 'attachmentPicked', picked: true });
    await t.page.waitForFunction(
      (selector) => (document.querySelector(selector) as HTMLTextAreaElement).value === 'why # and ',
      input,
    );
    await t.page.keyboard.type('this');
    assert.equal(await t.page.inputValue(input), 'why # and this', 'the caret stays where the # was');
  });

  it("shows each turn's typed question and the chips of what it carried, read-only", async () => {
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [
          {
            id: 't1',
            question: 'I attached context …\n\n### Question\nWhy?',
            reasoning: '',
            answer: 'Because.',
            status: 'done',
            modelLabel: 'M',
            startedAt: 1,
            context: {
              typed: 'Why?',
              attachments: [
                { kind: 'activeFile', path: 'src/sum.js', tokens: 510, shown: 'lines 1–40', trimmed: false },
                { kind: 'file', path: '.env', tokens: 0, shown: '', trimmed: false, refused: 'matches "**/.env*"' },
              ],
            },
          },
        ],
      },
    });
    await t.page.waitForSelector('[data-testid="turn-chip"]');
    assert.equal(await t.page.textContent('[data-testid="turn"] .question-text'), 'Why?');
    const chips = await t.page.$$eval('[data-testid="turn-chip"]', (nodes) =>
      nodes.map((node) => [
        node.textContent,
        (node as HTMLElement).dataset.tone,
        node.querySelector('button') === null,
      ]),
    );
    assert.deepEqual(chips, [
      ['sum.js · lines 1–40 · ~510 tokens', 'normal', true],
      ['.env · not sent', 'refused', true],
    ]);
  });
});
