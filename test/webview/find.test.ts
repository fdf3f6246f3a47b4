// Find in the panel and the thought's outline rail: the real panel (src/webview/main.ts) in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { outlineThought } from '../../src/core/thoughtOutline';
import type { HostMessage, TurnWire } from '../../src/shared/protocol';
import { launchChromium, openPanel, panelIdle, postToPanel, type TestPage, wireTurn } from './harness';

/** A finished turn. */
function turn(id: string, patch: Partial<TurnWire> = {}): TurnWire {
  return wireTurn(id, { status: 'done', reasoningEndedAt: 2_000, endedAt: 3_000, ...patch });
}

// Long enough that the thought scrolls: filler paragraphs between the steps.
const filler = (n: number) =>
  Array.from({ length: n }, (_, i) => `Filler paragraph ${i} about loops and arrays and nothing else.`).join('\n\n');
const REASONING = [
  'Okay, the user wants a **sorted** merge of two lists.',
  filler(12),
  'Wait, what if one list is empty? Then the zebra case returns the other list.',
  filler(12),
  'Hmm, the `merge` step must be stable.',
  filler(12),
  '- Actually, duplicates keep their order anyway.',
  filler(6),
  'So the plan holds.',
].join('\n\n');

describe('find in the panel and the outline rail (Chromium, src/webview/main.ts)', () => {
  let browser: Browser;
  let t: TestPage;

  const send = (...messages: HostMessage[]) => postToPanel(t.page, messages);
  const idle = () => panelIdle(t.page);
  const count = () => t.page.textContent('[data-testid="find-count"]');
  const thoughtOpen = (turnId: string) =>
    t.page.evaluate(
      (id) => document.querySelector<HTMLDetailsElement>(`[data-turn-id="${id}"] [data-testid="thinking"]`)!.open,
      turnId,
    );
  /** The text of the current match and the id of the turn it is in. */
  const current = () =>
    t.page.evaluate(() => {
      const range = [...(CSS.highlights.get('r1-find-current') ?? [])][0] as Range | undefined;
      return range
        ? {
            text: range.toString(),
            turn: range.startContainer.parentElement!.closest<HTMLElement>('[data-turn-id]')!.dataset.turnId,
            region: range.startContainer.parentElement!.closest<HTMLElement>('[data-find-region]')!.dataset.findRegion,
          }
        : undefined;
    });
  /** Whether the first range of a highlight lies inside the transcript's visible box (runs in the page). */
  const visibleIn = (name: string) => {
    const range = [...(CSS.highlights.get(name) ?? [])][0] as Range | undefined;
    if (!range) return false;
    const rect = range.getBoundingClientRect();
    const box = document.querySelector('.transcript')!.getBoundingClientRect();
    return rect.height > 0 && rect.top >= box.top && rect.bottom <= box.bottom;
  };

  before(async () => {
    browser = await launchChromium();
    t = await openPanel(browser);
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [
          turn('a', { question: 'Where is the Zebra?', reasoning: 'No zebra here.', answer: 'A ZEBRA crossing.' }),
          // The thought is folded (an answer came): find must open it.
          turn('b', { question: 'Merge two lists', reasoning: REASONING, answer: 'Use `merge`: zebra-safe.' }),
        ],
      },
    });
    await idle();
  });

  after(async () => {
    await browser?.close();
  });

  it('opens with Ctrl+F, counts across questions, thoughts and answers, and opens a folded thought', async () => {
    assert.equal(await thoughtOpen('b'), false, 'the thought starts folded');
    await t.page.focus('[data-testid="prompt-input"]');
    await t.page.keyboard.press('Control+f');
    assert.equal(await t.page.isVisible('[data-testid="find-bar"]'), true);
    assert.equal(
      await t.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'find-input',
      'focus in the find input',
    );
    await t.page.keyboard.type('zebra');
    // a: question, thought, answer; b: thought, answer.
    assert.equal(await count(), '1 of 5');
    assert.deepEqual(await current(), { text: 'Zebra', turn: 'a', region: 'question' });
    const highlighted = await t.page.evaluate(() =>
      [...(CSS.highlights.get('r1-find') ?? [])].map((range) => (range as Range).toString()),
    );
    assert.deepEqual(highlighted, ['Zebra', 'zebra', 'ZEBRA', 'zebra', 'zebra']);

    await t.page.keyboard.press('Enter');
    await t.page.keyboard.press('Enter');
    await t.page.keyboard.press('Enter');
    assert.equal(await count(), '4 of 5');
    assert.deepEqual(await current(), { text: 'zebra', turn: 'b', region: 'reasoning' });
    assert.equal(await thoughtOpen('b'), true, 'the match opened the folded thought');
    await t.page.waitForFunction(visibleIn, 'r1-find-current', { timeout: 5_000 }); // scrolled to the match
  });

  it('Enter and Shift+Enter move and wrap around', async () => {
    await t.page.keyboard.press('Enter');
    assert.equal(await count(), '5 of 5');
    await t.page.keyboard.press('Enter');
    assert.equal(await count(), '1 of 5', 'wrapped to the first');
    await t.page.keyboard.press('Shift+Enter');
    assert.equal(await count(), '5 of 5', 'wrapped back to the last');
    assert.deepEqual(await current(), { text: 'zebra', turn: 'b', region: 'answer' });
    await t.page.fill('[data-testid="find-input"]', 'no such words');
    assert.equal(await count(), 'No results');
  });

  it('Escape closes find, clears the highlights and returns the focus to the input', async () => {
    await t.page.fill('[data-testid="find-input"]', 'filler');
    assert.equal(await count(), '1 of 42');
    await t.page.keyboard.press('Escape');
    assert.equal(await t.page.isVisible('[data-testid="find-bar"]'), false);
    assert.equal(await t.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'prompt-input');
    assert.equal(await t.page.evaluate(() => CSS.highlights.has('r1-find')), false);
  });

  it("opens on the host's openFind (the view's Find button) with the focus in it", async () => {
    await send({ type: 'openFind' });
    await t.page.waitForSelector('[data-testid="find-bar"]', { state: 'visible', timeout: 5_000 });
    assert.equal(await t.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'find-input');
    await t.page.keyboard.press('Escape');
    assert.equal(await t.page.isVisible('[data-testid="find-bar"]'), false);
  });

  it('caps the count at 1000 on a long thought and still finds the first match at once', async () => {
    const long = Array.from({ length: 1_500 }, (_, i) => `Step ${i}: check the index.`).join('\n\n');
    await send({
      type: 'state',
      conversation: { busy: false, turns: [turn('c', { reasoning: long, answer: 'Ok.' })] },
    });
    await idle();
    await t.page.keyboard.press('Control+f');
    await t.page.fill('[data-testid="find-input"]', 'index');
    assert.equal(await count(), '1 of 1000+');
    await t.page.keyboard.press('Shift+Enter');
    assert.equal(await count(), '1000 of 1000+');
    await t.page.keyboard.press('Escape');
  });

  it('follows text that streams in while find is open', async () => {
    await send({ type: 'turnStarted', turn: turn('s', { status: 'streaming', reasoningEndedAt: undefined }) });
    await t.page.keyboard.press('Control+f');
    await t.page.fill('[data-testid="find-input"]', 'quokka');
    assert.equal(await count(), 'No results');
    await send({
      type: 'delta',
      turnId: 's',
      reasoning: 'A quokka appears.\n\nAnother quokka.',
      answer: '',
      at: 2_000,
    });
    await t.page.waitForFunction(
      () => document.querySelector('[data-testid="find-count"]')!.textContent === '1 of 2',
      undefined,
      { timeout: 5_000 },
    );
    await t.page.keyboard.press('Escape');
    await send({ type: 'turnEnded', turnId: 's', status: 'done', at: 3_000 });
  });

  it('rail: one mark per self-correction of the outline, plus the answer; a click opens the fold at the step', async () => {
    await send({
      type: 'state',
      conversation: {
        busy: false,
        turns: [turn('r', { question: 'Merge', reasoning: REASONING, answer: 'Done: use merge.' })],
      },
    });
    await idle();
    const outline = outlineThought(REASONING);
    const expected = outline.steps.filter((step) => step.correction).map((step) => String(step.start));
    assert.equal(expected.length, 3, 'the fixture has three self-corrections');
    const marks = await t.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-turn-id="r"] [data-testid="rail-mark"]')].map((mark) => ({
        kind: mark.dataset.kind,
        start: mark.dataset.start,
        left: mark.style.left,
      })),
    );
    assert.deepEqual(
      marks.map(({ kind, start }) => ({ kind, start })),
      [...expected.map((start) => ({ kind: 'correction', start })), { kind: 'answer', start: undefined }],
    );
    assert.match(
      (await t.page.textContent('[data-turn-id="r"] [data-testid="thinking-header"]')) ?? '',
      /3 self-corrections/,
    );
    // Placed by their share of the thought, in order.
    const lefts = marks.slice(0, 3).map(({ left }) => parseFloat(left));
    assert.deepEqual(
      lefts,
      [...lefts].sort((a, b) => a - b),
    );
    assert.ok(lefts[0]! > 0 && lefts[2]! < 100);

    assert.equal(await thoughtOpen('r'), false);
    await t.page.click('[data-turn-id="r"] [data-testid="rail-mark"][data-kind="correction"] >> nth=1');
    assert.equal(await thoughtOpen('r'), true, 'the rail opened the fold');
    assert.equal(
      await t.page.evaluate(() =>
        ([...(CSS.highlights.get('r1-outline-target') ?? [])][0] as Range | undefined)?.toString(),
      ),
      'Hmm, the merge step must be stable.',
    );
    await t.page.waitForFunction(visibleIn, 'r1-outline-target', { timeout: 5_000 });
  });

  it('rail: arrow keys move between marks and Enter jumps; the answer mark shows the answer', async () => {
    await t.page.focus('[data-turn-id="r"] [data-testid="rail-mark"][tabindex="0"]');
    await t.page.keyboard.press('Home');
    await t.page.keyboard.press('ArrowRight');
    await t.page.keyboard.press('ArrowRight');
    await t.page.keyboard.press('Enter');
    const target = await t.page.evaluate(() =>
      ([...(CSS.highlights.get('r1-outline-target') ?? [])][0] as Range | undefined)?.toString(),
    );
    assert.equal(target, 'Actually, duplicates keep their order anyway.');
    assert.equal(await thoughtOpen('r'), true, 'Enter on a mark does not fold the thought');
    await t.page.keyboard.press('End');
    await t.page.keyboard.press('Enter');
    const answerTop = await t.page.evaluate(() => {
      const answer = document.querySelector('[data-turn-id="r"] [data-testid="answer"]')!.getBoundingClientRect();
      const box = document.querySelector('.transcript')!.getBoundingClientRect();
      return answer.top >= box.top - 1 && answer.top < box.bottom;
    });
    assert.equal(answerTop, true, 'the answer is in view');
    assert.deepEqual(t.errors, []);
  });
});
