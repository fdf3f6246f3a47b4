/**
 * Soak benchmark: 200 sequential turns of realistic size (20–50 KB of reasoning and answer each,
 * streamed word by word by the loopback DeepSeek server) in the real extension host. Runs only
 * with R1_SOAK=1 (`npm run bench:soak`). Reports, as BENCH_JSON and PASS/FAIL lines:
 *   - extension-host heap growth after GC over the 200 turns (target: within 10 %): reported,
 *     not asserted, since heap readings are noisy;
 *   - a census of retained turns: every turn's reasoning and answer start with a marker unique to
 *     the turn, and a heap snapshot after GC says whose text is still reachable. Turns still in the
 *     conversation or the saved history may be; any other is a leak (asserted). The test API hands
 *     out copies of turns, so WeakRefs on what `ask()` returns would prove nothing (the strings are
 *     shared). Checked by keeping those copies in an array: the census then reported the turns of
 *     the conversation that the history budget had dropped, while heap growth stayed under 10 %.
 *   - the history budget: the saved conversations' text within DEFAULT_HISTORY_LIMITS.totalChars
 *     (asserted: deterministic).
 *
 * Steady state first: a warm-up conversation of 60 turns fills the conversation to its 50-turn
 * bound and the saved history. The 200 measured turns are two conversations of 100 (New Chat in
 * between), so at the end the state is again one full conversation, and the history budget has to
 * drop older ones (without it the saved text would be ~3x the budget).
 */
import * as assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';
import { DEFAULT_HISTORY_LIMITS } from '../../src/core/conversationHistory';
import type { R1CoderTestApi } from '../../src/host/extension';
import { startDeepSeekServer, type DeepSeekServer, type StreamScenario } from '../support/deepseekServer';
import { activateExtension, setBaseUrl } from './extension';

const WARMUP_TURNS = 60;
const CONVERSATIONS = 2;
const TURNS_PER_CONVERSATION = 100;
const MEASURED_TURNS = CONVERSATIONS * TURNS_PER_CONVERSATION;
const MIN_TURN_CHARS = 20_000;
const MAX_TURN_CHARS = 50_000;
const TARGET_GROWTH_PERCENT = 10;
const ENABLED = process.env.R1_SOAK === '1';

/** The harness prints only lines with this prefix (test/host/index.ts). */
function say(line: string): void {
  console.log(`[r1-test] ${line}`);
}

function bench(metric: string, value: number, unit: string): void {
  say(`BENCH_JSON ${JSON.stringify({ bench: 'soak', metric, value, unit })}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A full GC if one can be had: `global.gc` when the host runs with --expose-gc, otherwise the
 * flag set at run time and `gc` taken from a fresh context (V8 installs it there). Undefined
 * when neither works; the caller then takes the minimum of idle samples.
 */
function findGc(): { gc: () => void; how: string } | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return { gc: exposed, how: 'global.gc' };
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') return { gc: gc as () => void, how: 'v8 --expose-gc set at run time' };
  } catch {
    // Not allowed in this host: fall back to sampling.
  }
  return undefined;
}

/** Heap in use after idling: after full GCs when available, else the lowest of several samples. */
async function settledHeap(gc: (() => void) | undefined): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    gc?.();
    samples.push(process.memoryUsage().heapUsed);
  }
  return Math.min(...samples);
}

const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(2));
const count = (n: number) => n.toLocaleString('en-US');

// ---- realistic turns -------------------------------------------------------------------------

/** Marks turn `n`'s texts, so that a heap snapshot tells whose text is still reachable. */
const marker = (n: number) => `soakturn${String(n).padStart(4, '0')}x`;
const MARKER = /soakturn(\d{4})x/g;

const WORDS = (
  'the function returns value so we need to check whether input array is sorted then loop over each element and ' +
  'compare with previous index but wait edge case empty list maybe null pointer also consider time complexity ' +
  'memory usage recursion base case result string parse token buffer stream callback promise error handling'
).split(' ');

/** Deterministic prose of about `chars` characters, different for every seed. */
function prose(seed: number, chars: number): string {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const words = Array.from(
      { length: 8 + Math.floor(random() * 12) },
      () => WORDS[Math.floor(random() * WORDS.length)],
    );
    const sentence = `${words.join(' ')}${random() < 0.2 ? '?' : '.'}${random() < 0.15 ? '\n\n' : ' '}`;
    parts.push(sentence);
    length += sentence.length;
  }
  return parts.join('').slice(0, chars);
}

/** Turn `n`: 20–50 KB in all, about three quarters reasoning, the answer with a code block. */
function realisticTurn(n: number): StreamScenario & { readonly chars: number } {
  const chars = MIN_TURN_CHARS + ((n * 7919) % (MAX_TURN_CHARS - MIN_TURN_CHARS + 1));
  const reasoningChars = Math.round(chars * 0.75);
  const code = `\n\n\`\`\`ts\nexport function step${n}(values: number[]): number {\n  return values.reduce((a, b) => a + b, ${n});\n}\n\`\`\`\n\n`;
  const answerChars = chars - reasoningChars - code.length;
  const reasoning = `${marker(n)} ${prose(n * 2 + 1, reasoningChars - marker(n).length - 1)}`;
  const half = Math.floor(answerChars / 2);
  const answer = `${marker(n)} ${prose(n * 2 + 2, half - marker(n).length - 1)}${code}${prose(n * 2 + 3, answerChars - half)}`;
  return { reasoning, answer, chars: reasoning.length + answer.length };
}

// ---- census ------------------------------------------------------------------------------------

/** The turn numbers whose marker appears in `texts`. */
function markersIn(texts: Iterable<string>): Set<number> {
  const found = new Set<number>();
  for (const text of texts) for (const match of text.slice(0, 64).matchAll(MARKER)) found.add(Number(match[1]));
  return found;
}

/**
 * The turns whose text is reachable in this process, from a heap snapshot (V8 collects garbage
 * first). Read as a stream: the snapshot can be large, and parsing it would cost more than it says.
 */
async function reachableTurns(): Promise<{ turns: Set<number>; snapshotMB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'r1-soak-'));
  try {
    const file = writeHeapSnapshot(join(dir, 'host.heapsnapshot'));
    const turns = new Set<number>();
    let carry = '';
    let bytes = 0;
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = carry + (chunk as string);
      bytes += Buffer.byteLength(chunk as string);
      for (const match of text.matchAll(MARKER)) turns.add(Number(match[1]));
      carry = text.slice(-16);
    }
    return { turns, snapshotMB: mb(bytes) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What may legitimately be kept: the turns in the conversation and in the saved history. */
function keptTurns(api: R1CoderTestApi): Set<number> {
  const texts: string[] = [];
  const add = (turns: readonly { readonly reasoning: string; readonly answer: string }[]) => {
    for (const turn of turns) texts.push(turn.reasoning, turn.answer);
  };
  add(api.conversation().turns);
  for (const saved of api.savedConversations()) add(saved.turns);
  return markersIn(texts);
}

/** Turn text in the saved history, counted as the history budget counts it. */
function savedChars(api: R1CoderTestApi): { chars: number; conversations: number; turns: number; jsonBytes: number } {
  const saved = api.savedConversations();
  let chars = 0;
  let turns = 0;
  for (const conversation of saved) {
    for (const turn of conversation.turns) {
      chars += turn.question.length + turn.reasoning.length + turn.answer.length;
      turns++;
    }
  }
  return { chars, conversations: saved.length, turns, jsonBytes: Buffer.byteLength(JSON.stringify(saved)) };
}

// ---- runs ----------------------------------------------------------------------------------------

/**
 * Runs `count` turns numbered from `first`; a fresh loopback server per run, closed before
 * measuring, so its request log (whole conversations) is not counted. Returns the reply text streamed.
 */
async function runTurns(api: R1CoderTestApi, first: number, turns: number, label: string): Promise<number> {
  let next = first;
  let chars = 0;
  const server: DeepSeekServer = await startDeepSeekServer({
    defaultScenario: () => {
      const turn = realisticTurn(next++);
      chars += turn.chars;
      return turn;
    },
  });
  try {
    await setBaseUrl(server.baseUrl);
    for (let i = 0; i < turns; i++) {
      const turn = await api.ask(`${label} question ${i}: what does line ${i} of the loop do?`);
      assert.equal(turn.status, 'done', `${label} turn ${i}: ${turn.error?.message ?? turn.status}`);
      assert.ok(turn.reasoning.startsWith(marker(first + i)), `${label} turn ${i}: the reply streamed whole`);
      if ((i + 1) % 50 === 0) say(`  … ${label}: ${i + 1} turns`);
    }
    assert.equal(server.requests.length, turns, `${label}: one request per turn`);
  } finally {
    await setBaseUrl(undefined);
    await server.close();
  }
  return chars;
}

suite('Soak: 200 sequential turns (R1_SOAK=1)', () => {
  let api: R1CoderTestApi;

  suiteSetup(async function () {
    if (!ENABLED) {
      say('  soak skipped: set R1_SOAK=1 (npm run bench:soak) to run 200 turns and report heap growth');
      this.skip();
    }
    api = await activateExtension();
    await vscode.commands.executeCommand('r1Coder.newChat');
  });

  suiteTeardown(async () => {
    if (ENABLED) await vscode.commands.executeCommand('r1Coder.newChat');
  });

  test('200 realistic turns: heap flat, no turn retained beyond the bounds, history budget kept', async function () {
    this.timeout(60 * 60_000);
    const found = findGc();
    say(
      `  heap measured ${found ? `after full GC (${found.how})` : 'as the minimum of idle samples (no GC available)'}`,
    );

    const warmStart = Date.now();
    await runTurns(api, 1, WARMUP_TURNS, 'warm-up');
    const before = await settledHeap(found?.gc);
    const censusBefore = await reachableTurns();
    const keptBefore = keptTurns(api);
    const measuredStart = Date.now();
    let streamed = 0;
    for (let c = 0; c < CONVERSATIONS; c++) {
      await vscode.commands.executeCommand('r1Coder.newChat');
      streamed += await runTurns(
        api,
        WARMUP_TURNS + 1 + c * TURNS_PER_CONVERSATION,
        TURNS_PER_CONVERSATION,
        `soak ${c + 1}`,
      );
    }
    const seconds = (Date.now() - measuredStart) / 1000;
    const after = await settledHeap(found?.gc);
    const census = await reachableTurns();
    const kept = keptTurns(api);
    const saved = savedChars(api);
    const conversation = api.conversation();

    const growth = ((after - before) / before) * 100;
    const leaked = [...census.turns].filter((n) => !kept.has(n)).sort((a, b) => a - b);
    const leakedBefore = [...censusBefore.turns].filter((n) => !keptBefore.has(n));
    const budget = DEFAULT_HISTORY_LIMITS.totalChars ?? Infinity;
    say(`  warm-up: ${WARMUP_TURNS} turns in ${((measuredStart - warmStart) / 1000).toFixed(1)} s`);
    say(
      `  soak: ${MEASURED_TURNS} turns (${CONVERSATIONS} conversations), ${count(Math.round(streamed / 1024))} KiB streamed ` +
        `(${count(Math.round(streamed / MEASURED_TURNS / 1024))} KiB a turn), ${seconds.toFixed(1)} s (${((seconds * 1000) / MEASURED_TURNS).toFixed(0)} ms/turn)`,
    );
    say(`  heap before: ${mb(before)} MB (after warm-up)`);
    say(`  heap after:  ${mb(after)} MB`);
    say(
      `  turns whose text is reachable after GC: ${census.turns.size} after (${censusBefore.turns.size} before); ` +
        `in the conversation or saved history: ${kept.size}; anywhere else: ${leaked.length} (${leakedBefore.length} before)` +
        (leaked.length ? ` — turns ${leaked.slice(0, 10).join(', ')}${leaked.length > 10 ? ', …' : ''}` : '') +
        ` [heap snapshot ${census.snapshotMB} MB]`,
    );
    say(
      `  saved history: ${saved.conversations} conversation(s), ${saved.turns} turns, ${count(saved.chars)} characters of turn text ` +
        `(budget ${count(budget)}), ${count(Math.round(saved.jsonBytes / 1024))} KiB as JSON`,
    );
    say(`  turns kept in the conversation: ${conversation.turns.length}`);
    say(
      `  machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (above the core count, times include other processes' work)`,
    );
    bench('heap growth over 200 turns', Number(growth.toFixed(2)), '%');
    bench('heap before (after warm-up)', mb(before), 'MB');
    bench('heap after 200 turns', mb(after), 'MB');
    bench('turn size (reasoning + answer)', Math.round(streamed / MEASURED_TURNS / 1024), 'KiB');
    bench('turns reachable after GC', census.turns.size, 'turns');
    bench('turns reachable beyond conversation+history', leaked.length, 'turns');
    bench('saved history text', saved.chars, 'chars');
    bench('time per turn', Number(((seconds * 1000) / MEASURED_TURNS).toFixed(1)), 'ms');
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    say(
      `  ${verdict(Math.abs(growth) <= TARGET_GROWTH_PERCENT)}: heap growth ${growth.toFixed(2)} % (target: within ${TARGET_GROWTH_PERCENT} %)`,
    );
    say(
      `  ${verdict(leaked.length === 0)}: ${leaked.length} turns reachable beyond the conversation and saved history (target: 0)`,
    );
    say(
      `  ${verdict(saved.chars <= budget)}: saved history ${count(saved.chars)} characters (target: within DEFAULT_HISTORY_LIMITS.totalChars, ${count(budget)})`,
    );

    // Asserted: what must hold regardless of noise. Every turn ran (runTurns), the transcript stayed
    // bounded, the budget held, the census saw the turns it must see (else it measures nothing), and
    // nothing else kept a turn (the snapshot is taken after a full GC: not noisy).
    assert.equal(conversation.busy, false);
    assert.equal(
      conversation.turns.length,
      DEFAULT_HISTORY_LIMITS.turnsPerConversation,
      'the conversation keeps its 50 most recent turns',
    );
    assert.ok(saved.chars <= budget, `saved history ${saved.chars} characters, over the budget of ${budget}`);
    for (const n of kept) assert.ok(census.turns.has(n), `turn ${n} is kept, so the census must find it`);
    assert.deepEqual(leaked, [], 'turns reachable beyond the conversation and saved history');
  });
});
