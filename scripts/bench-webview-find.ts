/**
 * Part of `npm run bench:webview`: find in the panel on a long thought. The real panel bundle is
 * given a finished turn with the bench's 50,000-token reasoning (folded, as an answer follows) and
 * left to render it all; then, each time with the find bar freshly opened (no index yet) and the
 * thought folded again, a query is typed (the input's value set and its `input` event dispatched,
 * in the page, so no driver latency is counted) and the time is taken to the end of the frame that
 * paints the first highlight: search, highlight, opening the fold and scrolling to the match
 * included. Target: median <= 50 ms (the first query also lays the folded thought out for the first
 * time; the max is printed too, and on a busy machine shows its noise). The same with the index warm (the next query, bar still open) and for
 * a word that matches past the 1,000-match cap.
 */

import type { Browser } from 'playwright-core';
import type { HostMessage, TurnWire } from '../src/shared/protocol';
import { openPage, readRepoFile, VSCODE_STUB } from '../test/webview/harness';

/** Words of the bench's reasoning generator: each occurs many times, spread over the thought. */
const QUERIES = ['complexity', 'recursion', 'callback', 'assertion', 'generic', 'previous', 'pointer'];
/** Each query this many times: a shared machine's noise shows in the max, the median holds. */
const ROUNDS = 3;
/** Occurs well past the cap. */
const COMMON = 'the';

export interface FindFigures {
  readonly reasoningChars: number;
  /** Fresh bar (index built by this query, typed at once), thought folded: to the painted frame, ms. */
  readonly coldMedianMs: number;
  readonly coldMaxMs: number;
  /** The same query work with the index built (typing on in an open bar). */
  readonly warmMedianMs: number;
  /** A query matching more than the cap ("1000+"), fresh bar. */
  readonly cappedMs: number;
  readonly cappedCount: string;
  /** The synchronous part (search, highlight, fold, scroll) of the cold queries, median. */
  readonly coldScriptMedianMs: number;
  readonly counts: readonly string[];
}

interface Timing {
  readonly totalMs: number;
  readonly scriptMs: number;
  readonly count: string;
  readonly opened: boolean;
}

export async function measureFind(
  browser: Browser,
  script: string,
  reasoning: string,
  answer: string,
): Promise<FindFigures> {
  const t = await openPage(browser, { script, styles: [readRepoFile('media/webview.css')], initScript: VSCODE_STUB });
  try {
    const turn: TurnWire = {
      id: 'bench',
      question: 'Why is the merge slow?',
      reasoning,
      answer,
      status: 'done',
      modelLabel: 'Bench · r1',
      startedAt: 1_000,
      reasoningStartedAt: 1_000,
      reasoningEndedAt: 600_000,
      endedAt: 650_000,
    };
    const state: HostMessage = { type: 'state', conversation: { busy: false, turns: [turn] } };
    await t.page.evaluate((message) => window.postMessage(message, '*'), state);
    // The restore renders progressively: wait until all of it is in the DOM.
    await t.page.waitForFunction(
      () => document.querySelector('[data-testid="thinking-body"]') !== null && !document.querySelector('[aria-busy]'),
      undefined,
      { timeout: 120_000, polling: 100 },
    );
    await t.page.waitForTimeout(500);

    const time = (query: string, fresh: boolean, typedAfterMs = 0) =>
      t.page.evaluate(typeQuery, { query, fresh, typedAfterMs });
    const cold: Timing[] = [];
    const warm: Timing[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, query] of QUERIES.entries()) {
        cold.push(await time(query, true));
        warm.push(await time(QUERIES[(i + 1) % QUERIES.length]!, false));
      }
    }
    const capped = await time(COMMON, true);
    if (t.errors.length) throw new Error(`find bench: page errors: ${t.errors.join('; ')}`);
    if (!cold.every((timing) => timing.opened)) throw new Error('find bench: a match did not open the folded thought');
    return {
      reasoningChars: reasoning.length,
      coldMedianMs: median(cold.map((timing) => timing.totalMs)),
      coldMaxMs: Math.max(...cold.map((timing) => timing.totalMs)),
      warmMedianMs: median(warm.map((timing) => timing.totalMs)),
      cappedMs: capped.totalMs,
      cappedCount: capped.count,
      coldScriptMedianMs: median(cold.map((timing) => timing.scriptMs)),
      counts: cold.slice(0, QUERIES.length).map((timing) => timing.count),
    };
  } finally {
    await t.page.context().close();
  }
}

/** Runs in the panel: types `query` into the find bar and times it to the frame that shows it. */
async function typeQuery({
  query,
  fresh,
  typedAfterMs,
}: {
  query: string;
  fresh: boolean;
  typedAfterMs: number;
}): Promise<Timing> {
  const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const thinking = document.querySelector<HTMLDetailsElement>('[data-testid="thinking"]')!;
  const transcript = document.querySelector<HTMLElement>('.transcript')!;
  const key = (init: KeyboardEventInit, target: EventTarget) =>
    target.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
  let input = document.querySelector<HTMLInputElement>('[data-testid="find-input"]')!;
  if (fresh) {
    // Empty the bar and close it (its indexes go), fold the thought, scroll to the end, open the bar.
    input.value = '';
    input.dispatchEvent(new Event('input'));
    if (!input.closest<HTMLElement>('[data-testid="find-bar"]')!.hidden) key({ key: 'Escape' }, input);
    thinking.open = false;
    transcript.scrollTop = transcript.scrollHeight;
    await frame();
    await frame();
    await new Promise((resolve) => setTimeout(resolve, 50));
    key({ key: 'f', ctrlKey: true }, document.activeElement ?? document.body);
    input = document.querySelector<HTMLInputElement>('[data-testid="find-input"]')!;
    // Typed at once: the query pays for indexing the thought. Otherwise a user's pause to type.
    if (typedAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, typedAfterMs));
  }
  const start = performance.now();
  input.value = query;
  input.dispatchEvent(new Event('input'));
  const scripted = performance.now();
  await frame();
  const end = performance.now();
  return {
    totalMs: end - start,
    scriptMs: scripted - start,
    count: document.querySelector('[data-testid="find-count"]')!.textContent ?? '',
    opened: thinking.open,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
