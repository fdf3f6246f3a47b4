/**
 * Soak benchmark: 200 sequential turns against the loopback server, extension-host heap before
 * and after (target: flat within 10 %). Runs only with R1_SOAK=1 (`npm run bench:soak`); the
 * figure is reported (BENCH_JSON, PASS/FAIL line), not asserted, since heap readings are noisy.
 *
 * The conversation keeps at most 50 turns by design; this measures memory, not the transcript.
 */
import * as assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';
import { activateExtension, setBaseUrl } from './extension';

const WARMUP_TURNS = 20;
const MEASURED_TURNS = 200;
const TARGET_GROWTH_PERCENT = 10;
const ENABLED = process.env.R1_SOAK === '1';

/** The harness prints only lines with this prefix (test/host/index.ts). */
function say(line: string): void {
  console.log(`[r1-test] ${line}`);
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

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

/** Runs `count` turns; a fresh loopback server per phase, closed before measuring, so its request log is not counted. */
async function runTurns(api: R1CoderTestApi, count: number, label: string): Promise<void> {
  const server: DeepSeekServer = await startDeepSeekServer();
  try {
    await setBaseUrl(server.baseUrl);
    for (let i = 0; i < count; i++) {
      const turn = await api.ask(`${label} question ${i}: what does line ${i} of the loop do?`);
      assert.equal(turn.status, 'done', `${label} turn ${i}: ${turn.error?.message ?? turn.status}`);
    }
    assert.equal(server.requests.length, count, `${label}: one request per turn`);
  } finally {
    await setBaseUrl(undefined);
    await server.close();
  }
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

  test('extension-host heap stays flat over 200 turns (reported, target < 10 %)', async function () {
    this.timeout(15 * 60_000);
    const found = findGc();
    say(
      `  heap measured ${found ? `after full GC (${found.how})` : 'as the minimum of idle samples (no GC available)'}`,
    );

    const warmStart = Date.now();
    await runTurns(api, WARMUP_TURNS, 'warm-up');
    const before = await settledHeap(found?.gc);
    const measuredStart = Date.now();
    await runTurns(api, MEASURED_TURNS, 'soak');
    const seconds = (Date.now() - measuredStart) / 1000;
    const after = await settledHeap(found?.gc);

    const growth = ((after - before) / before) * 100;
    const conversation = api.conversation();
    say(`  warm-up: ${WARMUP_TURNS} turns in ${((measuredStart - warmStart) / 1000).toFixed(1)} s`);
    say(
      `  soak: ${MEASURED_TURNS} turns in ${seconds.toFixed(1)} s (${((seconds * 1000) / MEASURED_TURNS).toFixed(1)} ms/turn)`,
    );
    say(`  heap before: ${mb(before)} MB`);
    say(`  heap after:  ${mb(after)} MB`);
    say(`  turns kept in the conversation: ${conversation.turns.length}`);
    say(
      `BENCH_JSON ${JSON.stringify({ bench: 'soak', metric: 'heap growth over 200 turns', value: Number(growth.toFixed(2)), unit: '%' })}`,
    );
    say(
      `BENCH_JSON ${JSON.stringify({ bench: 'soak', metric: 'heap before (after warm-up)', value: Number(mb(before)), unit: 'MB' })}`,
    );
    say(
      `BENCH_JSON ${JSON.stringify({ bench: 'soak', metric: 'heap after 200 turns', value: Number(mb(after)), unit: 'MB' })}`,
    );
    say(
      `BENCH_JSON ${JSON.stringify({ bench: 'soak', metric: 'time per turn', value: Number(((seconds * 1000) / MEASURED_TURNS).toFixed(1)), unit: 'ms' })}`,
    );
    say(
      `  ${Math.abs(growth) < TARGET_GROWTH_PERCENT ? 'PASS' : 'FAIL'}: heap growth ${growth.toFixed(2)} % (target: within ${TARGET_GROWTH_PERCENT} %)`,
    );

    // What is asserted is what must hold regardless of noise: every turn ran, and the transcript stayed bounded.
    assert.equal(conversation.busy, false);
    assert.equal(conversation.turns.length, 50, 'the conversation keeps its 50 most recent turns');
  });
});
