/**
 * `npm run bench:webview`: rendering cost of a long R1 turn in the chat panel, in headless Chromium.
 *
 * Loads the real webview bundle (dist/webview.js when it is up to date, else src/webview/main.ts
 * bundled the same way) with a stubbed acquireVsCodeApi in a cross-site iframe (its own renderer
 * process, as VS Code's webviews are), and the embedding page posts it the protocol's HostMessages:
 * a 50,000-token reasoning trace and a 2,000-token answer with a dozen code blocks, one delta per
 * token as the chat session emits them, (1) as fast as possible and (2) at 100 tokens/s. In the
 * same run, a minimal panel (scripts/bench-webview-page.ts) measures the renderer alone and two
 * baselines, which render the whole message again with the panel's markdown-it setup and sanitizer:
 *   per-frame — at most once per animation frame (what a careful peer would write; the target:
 *               >= 20x less main-thread time, as fast as possible and at 100 tokens/s);
 *   per-delta — on every delta (as fast as possible, that mostly measures batching).
 *
 * At 100 tokens/s the whole trace takes ~9 minutes per run, so by default each run streams
 * SLICES slices at pace, spread evenly over the trace (the panel fed fast in between, the
 * baselines given the text in between in one delta), and the whole-trace figures are the slices'
 * mean cost per token times the trace (labelled as estimates). --full-paced streams the whole
 * trace at pace for the panel and the per-frame baseline (~20 minutes).
 *
 * Figures are the panel process's, from the Chrome DevTools Protocol: Performance.getMetrics
 * sampled every 1,000 tokens and around each paced slice (main-thread task time, CPU time,
 * scripting, style and layout), a trace of every main-thread task (longest task; tasks that
 * served a metrics sample are left out), and heap and node counts after a forced GC. The feed
 * starts 2 s after the panel loaded (a user typing). Prints two tables, PASS/FAIL per target,
 * `BENCH_JSON` rows for `npm run bench`, and one `webview-summary {...}` JSON line.
 *
 * Options: --quick (smaller workload, for trying things), --full-paced (see above),
 * --baseline-seconds N (feeding time allowed to the per-delta baseline, default 40),
 * --frame-baseline-seconds N (to the per-frame baseline, default 300), --trace DIR (save each
 * run's detailed Chrome trace there, for chrome://tracing or DevTools; adds overhead), --find-only
 * (only find's time to first highlight on the same trace: scripts/bench-webview-find.ts).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession } from 'playwright-core';
import type { HostMessage, TurnWire } from '../src/shared/protocol';
import { bundleForBrowser, launchChromium, openPage, readRepoFile, ROOT, VSCODE_STUB } from '../test/webview/harness';
import { measureFind } from './bench-webview-find';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const fullPaced = args.includes('--full-paced');
const baselineSeconds = Number(args[args.indexOf('--baseline-seconds') + 1]) || 40;
const frameBaselineSeconds = Number(args[args.indexOf('--frame-baseline-seconds') + 1]) || 300;
const traceDir = args.includes('--trace') ? args[args.indexOf('--trace') + 1] : undefined;
/** Only the find timing (scripts/bench-webview-find.ts), a few seconds. */
const findOnly = args.includes('--find-only');

const REASONING_TOKENS = quick ? 12_000 : 50_000;
const ANSWER_TOKENS = 2_000;
const CODE_BLOCKS = 12;
const RATE = 100;
const CHECKPOINT_EVERY = 1_000;
/** The linearity window: first vs last this many reasoning tokens. */
const WINDOW = quick ? 3_000 : 10_000;
/** Paced slices per run (without --full-paced), and their length for the panel and the per-frame baseline. */
const SLICES = quick ? 3 : 5;
const SLICE_TOKENS = quick ? 500 : 1_000;
/** The per-delta baseline falls far behind at pace (one full render per delta): shorter slices. */
const DELTA_SLICE_TOKENS = 100;

// ---- workload --------------------------------------------------------------------------------

/** Deterministic, so every run streams the same text. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About four characters per token, like a BPE tokenizer on English prose. */
function tokenize(text: string): string[] {
  return text.match(/\n+|[ \t]*[A-Za-z]{1,6}|[ \t]*\d{1,3}|[ \t]*[^\sA-Za-z\d]|[ \t]+/g) ?? [];
}

const WORDS = (
  'the function returns value so we need to check whether input array is sorted then loop over each element and ' +
  'compare with previous index but wait edge case empty list maybe null pointer also consider time complexity ' +
  'memory usage recursion base case result string parse token buffer stream callback promise error handling ' +
  'test suite assertion type signature generic parameter interface module import export variable constant'
).split(' ');
const OPENERS = [
  'Okay, so',
  'Wait,',
  'Hmm,',
  'Let me think:',
  'Actually,',
  'Alternatively,',
  'So',
  'But',
  'Right,',
  'Now',
];

function sentence(random: () => number): string {
  const words = Array.from(
    { length: 6 + Math.floor(random() * 14) },
    () => WORDS[Math.floor(random() * WORDS.length)]!,
  );
  if (random() < 0.25) words[Math.floor(random() * words.length)] = '`' + words[0] + '()`';
  if (random() < 0.1) words[Math.floor(random() * words.length)] = '**' + words[1] + '**';
  if (random() < 0.08) words.push(`(about ${Math.floor(random() * 1000)} items, O(n log n))`);
  const opener = random() < 0.4 ? OPENERS[Math.floor(random() * OPENERS.length)]! + ' ' : '';
  const text = opener + words.join(' ');
  return text[0]!.toUpperCase() + text.slice(1) + (random() < 0.15 ? '?' : '.');
}

/** R1-style thinking: paragraphs, now and then a list or a small code sketch. */
function reasoningText(tokens: number, random: () => number): string[] {
  const parts: string[] = [];
  let count = 0;
  while (count < tokens) {
    const roll = random();
    let block: string;
    if (roll < 0.07) {
      block = Array.from({ length: 3 + Math.floor(random() * 3) }, (_, i) => `${i + 1}. ${sentence(random)}`).join(
        '\n',
      );
    } else if (roll < 0.1) {
      block = Array.from({ length: 2 + Math.floor(random() * 4) }, () => `- ${sentence(random)}`).join('\n');
    } else if (roll < 0.115) {
      block =
        '```python\n' +
        Array.from(
          { length: 3 + Math.floor(random() * 6) },
          (_, i) => `${'    '.repeat(i ? 1 : 0)}x${i} = compute(${i}, data[${i}])`,
        ).join('\n') +
        '\n```';
    } else {
      block = Array.from({ length: 2 + Math.floor(random() * 5) }, () => sentence(random)).join(' ');
    }
    parts.push(block + '\n\n');
    count += tokenize(block + '\n\n').length;
  }
  return tokenize(parts.join('')).slice(0, tokens);
}

const SNIPPETS: Record<string, string> = {
  ts: 'export function debounce<T extends unknown[]>(fn: (...args: T) => void, ms: number) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  return (...args: T) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}',
  python:
    'def merge_sorted(a: list[int], b: list[int]) -> list[int]:\n    i = j = 0\n    out = []\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n            out.append(a[i]); i += 1\n        else:\n            out.append(b[j]); j += 1\n    return out + a[i:] + b[j:]',
  js: 'const cache = new Map();\nexport async function load(url) {\n  if (cache.has(url)) return cache.get(url);\n  const response = await fetch(url);\n  const data = await response.json();\n  cache.set(url, data);\n  return data;\n}',
  bash: 'set -euo pipefail\nfor file in src/*.ts; do\n  echo "checking $file"\n  npx tsc --noEmit "$file" || exit 1\ndone',
  json: '{\n  "compilerOptions": {\n    "strict": true,\n    "target": "ES2022",\n    "module": "preserve"\n  },\n  "include": ["src"]\n}',
  rust: "fn parse(input: &str) -> Result<Vec<u32>, std::num::ParseIntError> {\n    input\n        .split(',')\n        .map(|s| s.trim().parse::<u32>())\n        .collect()\n}",
  go: 'func Sum(values []int) (total int) {\n\tfor _, v := range values {\n\t\ttotal += v\n\t}\n\treturn total\n}',
  java: 'public final class Point {\n    private final int x, y;\n    public Point(int x, int y) { this.x = x; this.y = y; }\n    @Override public String toString() { return "(" + x + ", " + y + ")"; }\n}',
  cpp: '#include <vector>\n#include <algorithm>\nint median(std::vector<int> v) {\n    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());\n    return v[v.size() / 2];\n}',
  css: '.code-block {\n  border: 1px solid var(--vscode-panel-border);\n  border-radius: 4px;\n}\n.code-block pre { overflow-x: auto; }',
  sql: 'SELECT u.id, u.name, COUNT(o.id) AS orders\nFROM users u\nLEFT JOIN orders o ON o.user_id = u.id\nGROUP BY u.id, u.name\nHAVING COUNT(o.id) > 3\nORDER BY orders DESC;',
  yaml: 'name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test',
};

/** An answer with headings, prose, a list and one code block per language above. */
function answerText(tokens: number, random: () => number): string[] {
  const languages = Object.keys(SNIPPETS).slice(0, CODE_BLOCKS);
  const parts: string[] = ['## Summary\n\n', sentence(random) + ' ' + sentence(random) + '\n\n'];
  for (const [i, language] of languages.entries()) {
    parts.push(`### Step ${i + 1}\n\n${sentence(random)} ${sentence(random)}\n\n`);
    parts.push('```' + language + '\n' + SNIPPETS[language] + '\n```\n\n');
    if (i % 4 === 3) parts.push(`- ${sentence(random)}\n- ${sentence(random)}\n- ${sentence(random)}\n\n`);
  }
  let all = tokenize(parts.join(''));
  // Pad with prose to the token count (the code blocks stay whole).
  while (all.length < tokens) all = all.concat(tokenize(sentence(random) + ' ' + sentence(random) + '\n\n'));
  return all.slice(0, tokens);
}

// ---- pages -----------------------------------------------------------------------------------

/** Runs in the panel's frame before its bundle. */
const BENCH_INIT = `
// The feeder's control messages: registered before the panel's listener, and hidden from it.
// A marker is answered once every message posted before it was handled; an idle request once
// no renderer has work pending. Answers carry how many frames ran the page's animation-frame
// callbacks so far (counted without requesting any frame; the idle check's own are not counted).
const raf = window.requestAnimationFrame.bind(window);
let renderedFrames = 0;
let lastFrameTime = -1;
window.requestAnimationFrame = (callback) => raf((time) => {
  if (time !== lastFrameTime) {
    lastFrameTime = time;
    renderedFrames++;
  }
  callback(time);
});
window.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.__benchMarker === undefined && data.__benchIdle === undefined) return;
  event.stopImmediatePropagation();
  const reply = () =>
    event.source.postMessage({ __benchAck: data.__benchMarker ?? data.__benchIdle, frames: renderedFrames }, '*');
  if (data.__benchMarker !== undefined) return reply();
  let frames = 0;
  const check = () => (!document.querySelector('[aria-busy]') || ++frames > 3000 ? reply() : raf(check));
  raf(() => raf(check));
});`;

/** The real bundle: dist/webview.js if it is newer than the sources it is built from. */
async function panelBundle(): Promise<{ script: string; source: string }> {
  const dist = join(ROOT, 'dist/webview.js');
  const newestSource = ['src/webview', 'src/shared', 'src/core']
    .flatMap((dir) => newestMtimes(join(ROOT, dir)))
    .reduce((a, b) => Math.max(a, b), 0);
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSource) {
    return { script: readFileSync(dist, 'utf8'), source: 'dist/webview.js' };
  }
  const why = existsSync(dist) ? 'dist/webview.js is older than src/' : 'no dist/webview.js';
  return {
    script: await bundleForBrowser('src/webview/main.ts', { minify: true }),
    source: `src/webview/main.ts bundled now (${why})`,
  };
}

function newestMtimes(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? newestMtimes(join(dir, entry.name)) : [statSync(join(dir, entry.name)).mtimeMs],
  );
}

// ---- one run ---------------------------------------------------------------------------------

interface Sample {
  readonly tokens: number;
  /** Wall-clock time of the main thread's tasks. */
  readonly taskMs: number;
  /** CPU time of the main thread (immune to the OS running something else meanwhile). */
  readonly cpuMs: number;
  readonly scriptMs: number;
  readonly layoutMs: number;
  readonly styleMs: number;
}

/** Tokens [from, to) of the trace. */
interface Span {
  readonly from: number;
  readonly to: number;
}

interface FeedPlan {
  readonly reasoning: readonly string[];
  readonly answer: readonly string[];
  /** Spans streamed at `rate` tokens/s, in order; none: the whole trace goes as fast as possible. */
  readonly paced: readonly Span[];
  /**
   * How the tokens outside the paced spans are fed: one delta per token as fast as possible, or
   * one delta for the whole gap (for the baselines, whose state is only the text so far: the same
   * state, without re-rendering it thousands of times on the way).
   */
  readonly fill: 'fast' | 'bulk';
  readonly rate: number;
  readonly checkpointEvery: number;
  /** Stop feeding after this much feeding time (the slow baselines), at a checkpoint. */
  readonly stopAfterMs: number | null;
}

interface SliceResult {
  readonly from: number;
  readonly to: number;
  /** From the slice's first delta until the panel was idle again, checkpoint pauses left out. */
  readonly wallMs: number;
  /** Indexes into the run's samples: just before the slice and once it was rendered. */
  readonly startSample: number;
  readonly endSample: number;
  /** Frames that ran the renderer's animation-frame callbacks during the slice. */
  readonly frames: number;
}

interface FeedResult {
  readonly tokens: number;
  readonly wallMs: number;
  readonly stopped: boolean;
  readonly slices: readonly SliceResult[];
}

/** The longest main-thread task, by wall clock and by CPU time, and how many exceed 50 ms. */
interface Longest {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly over50Wall: number;
  readonly over50Cpu: number;
}

interface RunResult {
  readonly name: string;
  readonly feed: FeedResult;
  readonly samples: readonly Sample[];
  readonly longest: Longest;
  /** Over the paced slices only. */
  readonly longestPaced: Longest;
  readonly elements: number;
  readonly nodes: number;
  readonly heapMB: number;
}

/**
 * Runs in the host page (another process, like VS Code's workbench): posts the protocol messages
 * to the panel's iframe and pauses at checkpoints for a metrics sample. Self-contained: Playwright
 * sends it to the page as source.
 */
async function feedInPage(plan: FeedPlan): Promise<FeedResult> {
  const w = window as unknown as { __benchCheckpoint: (tokens: number) => Promise<number> };
  const panel = document.querySelector('iframe')!.contentWindow!;
  const acks = new Map<number, (frames: number) => void>();
  window.addEventListener('message', (event: MessageEvent<{ __benchAck?: number; frames?: number }>) => {
    const id = event.data.__benchAck;
    if (id !== undefined) acks.get(id)?.(event.data.frames ?? 0);
  });
  let nextId = 0;
  const ask = (kind: '__benchMarker' | '__benchIdle') =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      acks.set(id, resolve);
      panel.postMessage({ [kind]: id }, '*');
    });
  const tokens = [
    ...plan.reasoning.map((text) => ['r', text] as const),
    ...plan.answer.map((text) => ['a', text] as const),
  ];
  const turn: TurnWire = {
    id: 'bench',
    question: 'Benchmark',
    reasoning: '',
    answer: '',
    status: 'streaming',
    modelLabel: 'Bench · r1',
    startedAt: Date.now(),
  };
  const post = (message: HostMessage) => panel.postMessage(message, '*');
  const postTokens = (from: number, to: number) => {
    const part = tokens.slice(from, to);
    post({
      type: 'delta',
      turnId: 'bench',
      reasoning: part.map(([kind, text]) => (kind === 'r' ? text : '')).join(''),
      answer: part.map(([kind, text]) => (kind === 'a' ? text : '')).join(''),
      at: Date.now(),
    });
  };
  let paused = 0;
  /** A metrics sample once every message posted so far was handled; returns the sample's index. */
  const checkpoint = async (count: number): Promise<number> => {
    await ask('__benchMarker');
    const started = performance.now();
    // Marks bracket the sample: the panel's tasks in between serve DevTools, not the panel.
    performance.mark('bench-sample-start');
    const sample = await w.__benchCheckpoint(count);
    performance.mark('bench-sample-end');
    paused += performance.now() - started;
    return sample;
  };
  // Yields to the host page's event loop without the 4 ms clamp of nested timers.
  const channel = new MessageChannel();
  const yieldTask = () =>
    new Promise<void>((resolve) => {
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });

  post({ type: 'turnStarted', turn });
  await checkpoint(0);
  const start = performance.now();
  let index = 0;
  let stopped = false;
  const feedFast = async (until: number) => {
    while (index < until) {
      const end = Math.min(until, index + plan.checkpointEvery - (index % plan.checkpointEvery));
      while (index < end) {
        postTokens(index, index + 1);
        index++;
        if (index % 50 === 0) await yieldTask();
      }
      await checkpoint(index);
      if (plan.stopAfterMs !== null && performance.now() - start - paused > plan.stopAfterMs) {
        stopped = true;
        return;
      }
    }
  };
  const fill = async (until: number) => {
    if (plan.fill === 'fast') return feedFast(until);
    if (index < until) postTokens(index, until);
    index = until;
  };
  const slices: SliceResult[] = [];
  for (const span of plan.paced) {
    await fill(span.from);
    if (stopped) break;
    await ask('__benchIdle');
    const framesBefore = await ask('__benchMarker');
    const startSample = await checkpoint(index);
    performance.mark('bench-slice-start');
    const sliceStart = performance.now();
    while (index < span.to) {
      const due = Math.min(span.to, span.from + Math.floor(((performance.now() - sliceStart) * plan.rate) / 1000) + 1);
      while (index < due) {
        postTokens(index, index + 1);
        index++;
      }
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    const framesAfter = await ask('__benchIdle');
    const wallMs = performance.now() - sliceStart;
    performance.mark('bench-slice-end');
    const endSample = await checkpoint(index);
    slices.push({ from: span.from, to: span.to, wallMs, startSample, endSample, frames: framesAfter - framesBefore });
  }
  if (!stopped) await fill(tokens.length);
  if (!stopped) post({ type: 'turnEnded', turnId: 'bench', status: 'done', at: Date.now() });
  await ask('__benchIdle');
  const wallMs = performance.now() - start - paused;
  await checkpoint(index);
  return { tokens: index, wallMs, stopped, slices };
}

async function run(
  browser: Browser,
  name: string,
  page: { script: string; initScript: string },
  plan: FeedPlan,
): Promise<RunResult> {
  const t = await openPage(browser, {
    script: page.script,
    initScript: page.initScript,
    styles: [readRepoFile('media/webview.css')],
    hosted: true,
  });
  // Metrics of the panel's own process (the iframe is out-of-process, as in VS Code).
  const cdp = await t.page.context().newCDPSession(t.frame);
  await cdp.send('Performance.enable');
  const samples: Sample[] = [];
  await t.page.exposeFunction('__benchCheckpoint', async (tokens: number) => {
    const metrics = await readMetrics(cdp);
    samples.push({
      tokens,
      taskMs: metrics.TaskDuration! * 1000,
      cpuMs: metrics.ThreadTime! * 1000,
      scriptMs: (metrics.ScriptDuration! + (metrics.V8CompileDuration ?? 0)) * 1000,
      layoutMs: metrics.LayoutDuration! * 1000,
      styleMs: metrics.RecalcStyleDuration! * 1000,
    });
    return samples.length - 1;
  });
  const categories = [
    'disabled-by-default-devtools.timeline',
    'blink.user_timing',
    ...(traceDir ? ['devtools.timeline', 'v8'] : []),
  ];
  // The user types the question while the panel idles (and warms up) for a moment.
  await t.frame.evaluate(() => new Promise((resolve) => setTimeout(resolve, 2000)));
  await browser.startTracing(t.page, { categories });
  await t.frame.evaluate(() => performance.mark('bench-panel'));
  const feed = await t.page.evaluate(feedInPage, plan);
  const trace = await browser.stopTracing();
  if (traceDir) {
    mkdirSync(traceDir, { recursive: true });
    writeFileSync(join(traceDir, `${name.replace(/\W+/g, '-')}.json`), trace);
  }
  const tasks = mainThreadTasks(trace);

  await cdp.send('HeapProfiler.collectGarbage');
  const metrics = await readMetrics(cdp);
  const elements = await t.frame.evaluate(() => document.getElementsByTagName('*').length);
  if (t.errors.length) throw new Error(`${name}: page errors: ${t.errors.join('; ')}`);
  if (t.blockedRequests.length) throw new Error(`${name}: unexpected requests: ${t.blockedRequests.join(', ')}`);
  await t.page.context().close();
  return {
    name,
    feed,
    samples,
    longest: longestOf(tasks.list),
    longestPaced: longestOf(tasks.list.filter((task) => inSlices(tasks.slices, task.ts))),
    elements,
    nodes: metrics.Nodes ?? 0,
    heapMB: (metrics.JSHeapUsedSize ?? 0) / 2 ** 20,
  };
}

async function readMetrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  /** Thread (CPU) duration. */
  readonly tdur?: number;
  readonly args?: { readonly name?: string };
}

interface Task {
  /** Start, µs on the trace clock. */
  readonly ts: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

// reduce, not Math.max(...): a run has more tasks than the stack has room for arguments.
function longestOf(tasks: readonly Task[]): Longest {
  return {
    wallMs: tasks.reduce((max, task) => Math.max(max, task.wallMs), 0),
    cpuMs: tasks.reduce((max, task) => Math.max(max, task.cpuMs), 0),
    over50Wall: tasks.filter((task) => task.wallMs > 50).length,
    over50Cpu: tasks.filter((task) => task.cpuMs > 50).length,
  };
}

const inSlices = (slices: readonly [number, number][], ts: number) =>
  slices.some(([from, to]) => ts >= from && ts < to);

/**
 * Every task on the panel's main thread, except those that answered a metrics sample (DevTools
 * work), and the paced slices' bounds on the trace clock.
 */
function mainThreadTasks(trace: Buffer): { list: Task[]; slices: [number, number][] } {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  // The panel's process is the one whose frame set the 'bench-panel' mark.
  const panelPid = events.find((event) => event.name === 'bench-panel')?.pid;
  if (panelPid === undefined) throw new Error('no bench-panel mark in the trace');
  const mainThreads = new Set(
    events
      .filter(
        (event) =>
          event.ph === 'M' &&
          event.name === 'thread_name' &&
          event.args?.name === 'CrRendererMain' &&
          event.pid === panelPid,
      )
      .map((event) => `${event.pid}:${event.tid}`),
  );
  const marks = (name: string) =>
    events
      .filter((event) => event.name === name)
      .map((event) => event.ts)
      .sort((a, b) => a - b);
  const starts = marks('bench-sample-start');
  const ends = marks('bench-sample-end');
  const sampling = (task: TraceEvent) =>
    starts.some((start, i) => task.ts < (ends[i] ?? Infinity) && task.ts + (task.dur ?? 0) > start);
  const all = events.filter(
    (event) => event.name === 'RunTask' && event.ph === 'X' && mainThreads.has(`${event.pid}:${event.tid}`),
  );
  const list = all
    .filter((task) => !sampling(task))
    .map((task): Task => ({ ts: task.ts, wallMs: (task.dur ?? 0) / 1000, cpuMs: (task.tdur ?? task.dur ?? 0) / 1000 }));
  const sliceEnds = marks('bench-slice-end');
  const slices = marks('bench-slice-start').map((from, i): [number, number] => [from, sliceEnds[i] ?? Infinity]);
  return { list, slices };
}

// ---- analysis --------------------------------------------------------------------------------

/** Main-thread ms between two token counts (nearest checkpoints). */
function costBetween(
  samples: readonly Sample[],
  from: number,
  to: number,
  key: keyof Omit<Sample, 'tokens'> = 'taskMs',
): number {
  const at = (tokens: number) => samples.find((sample) => sample.tokens >= tokens) ?? samples[samples.length - 1]!;
  return at(to)[key] - at(from)[key];
}

function total(samples: readonly Sample[], key: keyof Omit<Sample, 'tokens'>): number {
  return samples[samples.length - 1]![key] - samples[0]![key];
}

/**
 * The baseline's main-thread ms for `tokens` tokens, extrapolated: its cost per 1,000 tokens grows
 * linearly with the text already there (least squares over its samples), so the total is quadratic.
 */
function projectQuadratic(samples: readonly Sample[], tokens: number, key: 'taskMs' | 'cpuMs'): number {
  const windows: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const span = samples[i]!.tokens - samples[i - 1]!.tokens;
    if (span > 0)
      windows.push([
        (samples[i - 1]!.tokens + samples[i]!.tokens) / 2,
        ((samples[i]![key] - samples[i - 1]![key]) / span) * 1000,
      ]);
  }
  const n = windows.length;
  const meanX = windows.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = windows.reduce((sum, [, y]) => sum + y, 0) / n;
  const slope =
    windows.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) /
    windows.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const intercept = meanY - slope * meanX;
  // Integral of (intercept + slope * x) per 1,000 tokens over [0, tokens].
  return (intercept * tokens + (slope * tokens * tokens) / 2) / 1000;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `count` spans of `size` tokens centred in `count` equal segments of the trace (the midpoint rule). */
function spreadSlices(tokens: number, count: number, size: number): Span[] {
  return Array.from({ length: count }, (_, i) => {
    const from = Math.max(0, Math.round(((i + 0.5) * tokens) / count - size / 2));
    return { from, to: Math.min(tokens, from + size) };
  });
}

interface PacedFigures {
  readonly slices: number;
  readonly tokens: number;
  readonly frames: number;
  /** Time the slices took to render (from first delta to idle) vs the time they were streamed over. */
  readonly wallMs: number;
  readonly streamedMs: number;
  readonly mainMs: number;
  readonly cpuMs: number;
  readonly scriptMs: number;
  readonly styleLayoutMs: number;
  /** Main-thread time over the time the slices took: saturates at 100 % when it cannot keep up. */
  readonly busy: number;
  readonly busyCpu: number;
  readonly msPer1k: number;
  readonly cpuPer1k: number;
  /** Main-thread time for the whole trace at the rate: measured with --full-paced, else the slices' mean cost per token times the trace. */
  readonly wholeMs: number;
  readonly wholeCpuMs: number;
}

function pacedFigures(r: RunResult, totalTokens: number): PacedFigures {
  const sum = (f: (slice: SliceResult) => number) => r.feed.slices.reduce((acc, slice) => acc + f(slice), 0);
  const delta = (key: keyof Omit<Sample, 'tokens'>) =>
    sum((slice) => r.samples[slice.endSample]![key] - r.samples[slice.startSample]![key]);
  const tokens = sum((slice) => slice.to - slice.from);
  const wallMs = sum((slice) => slice.wallMs);
  const mainMs = delta('taskMs');
  const cpuMs = delta('cpuMs');
  return {
    slices: r.feed.slices.length,
    tokens,
    frames: sum((slice) => slice.frames),
    wallMs,
    streamedMs: (tokens / RATE) * 1000,
    mainMs,
    cpuMs,
    scriptMs: delta('scriptMs'),
    styleLayoutMs: delta('styleMs') + delta('layoutMs'),
    busy: (mainMs / wallMs) * 100,
    busyCpu: (cpuMs / wallMs) * 100,
    msPer1k: (mainMs / tokens) * 1000,
    cpuPer1k: (cpuMs / tokens) * 1000,
    wholeMs: (mainMs / tokens) * totalTokens,
    wholeCpuMs: (cpuMs / tokens) * totalTokens,
  };
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const [loadBefore] = loadavg();
  const random = createRandom(20250101);
  const reasoning = reasoningText(REASONING_TOKENS, random);
  const answer = answerText(ANSWER_TOKENS, random);
  const totalTokens = reasoning.length + answer.length;
  const answerSource = answer.join('');
  const fences = (answerSource.match(/^```\w/gm) ?? []).length;
  console.log(
    `workload: ${reasoning.length.toLocaleString('en-US')} reasoning tokens (${(reasoning.join('').length / 1024).toFixed(0)} KiB), ` +
      `${answer.length.toLocaleString('en-US')} answer tokens with ${fences} code blocks; one delta message per token`,
  );

  const panel = await panelBundle();
  console.log(`panel bundle: ${panel.source}`);
  const harness = await bundleForBrowser('scripts/bench-webview-page.ts', { minify: true });
  const panelPage = { script: panel.script, initScript: VSCODE_STUB + BENCH_INIT };
  const harnessPage = (mode: 'incremental' | 'per-frame' | 'per-delta') => ({
    script: harness,
    initScript: `window.__benchMode = '${mode}';` + BENCH_INIT,
  });
  const fast: FeedPlan = {
    reasoning,
    answer,
    paced: [],
    fill: 'fast',
    rate: RATE,
    checkpointEvery: CHECKPOINT_EVERY,
    stopAfterMs: null,
  };
  const all = [{ from: 0, to: totalTokens }];
  const slices = fullPaced ? all : spreadSlices(totalTokens, SLICES, SLICE_TOKENS);
  const deltaSlices = spreadSlices(totalTokens, SLICES, DELTA_SLICE_TOKENS);
  const describeSlices = (spans: readonly Span[]) =>
    spans.length === 1 && spans[0]!.to - spans[0]!.from === totalTokens
      ? `all ${totalTokens.toLocaleString('en-US')} tokens`
      : `${spans.length} x ${(spans[0]!.to - spans[0]!.from).toLocaleString('en-US')} tokens, at ${spans.map((span) => `${round(span.from / 1000)}k`).join(', ')}`;
  console.log(
    `paced at ${RATE} tokens/s: panel and per-frame baseline ${describeSlices(slices)}; per-delta baseline ${describeSlices(deltaSlices)}` +
      (fullPaced ? '' : ' (the rest fed fast; --full-paced streams the whole trace at pace)'),
  );

  const browser = await launchChromium();
  const results: RunResult[] = [];
  try {
    // Find on the whole trace: its own page, before the long runs.
    const thoughtK = `${round(REASONING_TOKENS / 1000)}k`;
    process.stdout.write('running: find on the finished trace … ');
    const find = await measureFind(browser, panel.script, reasoning.join(''), answerSource);
    console.log('done');
    console.log(
      `find, ${thoughtK}-token thought (${Math.round(find.reasoningChars / 1024)} KiB, folded), query to first highlight painted: ` +
        `fresh bar ${round(find.coldMedianMs)} ms median (max ${round(find.coldMaxMs)}; script ${round(find.coldScriptMedianMs)}), ` +
        `index warm ${round(find.warmMedianMs)} ms, "${find.cappedCount}" matches ${round(find.cappedMs)} ms; counts ${find.counts.join(', ')}`,
    );
    console.log(
      `target: find's first highlight <= 50 ms on a ${thoughtK}-token thought (median) .. ${find.coldMedianMs <= 50 ? 'PASS' : 'FAIL'} (${round(find.coldMedianMs)} ms; max ${round(find.coldMaxMs)} ms)`,
    );
    const findRows: [string, number, string][] = [
      [
        `panel: find, query to first highlight, ${thoughtK}-token folded thought (median)`,
        round(find.coldMedianMs),
        'ms',
      ],
      [`panel: find, query to first highlight, ${thoughtK}-token folded thought (max)`, round(find.coldMaxMs), 'ms'],
      [`panel: find, next query, index warm (median)`, round(find.warmMedianMs), 'ms'],
      [`panel: find, query matching 1000+`, round(find.cappedMs), 'ms'],
    ];
    for (const [metric, value, unit] of findRows)
      console.log(`BENCH_JSON ${JSON.stringify({ bench: 'webview', metric, value, unit })}`);
    if (findOnly) return;

    const steps: [string, { script: string; initScript: string }, FeedPlan][] = [
      ['panel, as fast as possible', panelPage, fast],
      [`panel, ${RATE} tokens/s`, panelPage, { ...fast, paced: slices }],
      ['renderer alone, as fast as possible', harnessPage('incremental'), fast],
      [
        'per-frame baseline, as fast as possible',
        harnessPage('per-frame'),
        { ...fast, stopAfterMs: frameBaselineSeconds * 1000 },
      ],
      [`per-frame baseline, ${RATE} tokens/s`, harnessPage('per-frame'), { ...fast, paced: slices, fill: 'bulk' }],
      [
        'per-delta baseline, as fast as possible',
        harnessPage('per-delta'),
        { ...fast, stopAfterMs: baselineSeconds * 1000 },
      ],
      [`per-delta baseline, ${RATE} tokens/s`, harnessPage('per-delta'), { ...fast, paced: deltaSlices, fill: 'bulk' }],
    ];
    for (const [name, page, plan] of steps) {
      const started = Date.now();
      process.stdout.write(`running: ${name} … `);
      const result = await run(browser, name, page, plan);
      results.push(result);
      console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await browser.close();
  }

  const [panelFast, panelPaced, alone, frameFast, framePaced, deltaFast, deltaPaced] = results as [
    RunResult,
    RunResult,
    RunResult,
    RunResult,
    RunResult,
    RunResult,
    RunResult,
  ];
  type Key = 'taskMs' | 'cpuMs';
  const perK = (r: RunResult, from: number, to: number, key: Key) =>
    costBetween(r.samples, from, to, key) / ((to - from) / 1000);
  const firstWindow = (r: RunResult, key: Key) => perK(r, 0, WINDOW, key);
  const lastWindow = (r: RunResult, key: Key) => perK(r, REASONING_TOKENS - WINDOW, REASONING_TOKENS, key);
  const linearity = (r: RunResult, key: Key) => lastWindow(r, key) / firstWindow(r, key);
  /** Baseline over panel (or renderer), over the tokens the baseline got through. */
  const speedup = (base: RunResult, r: RunResult, key: Key) =>
    costBetween(base.samples, 0, base.feed.tokens, key) / costBetween(r.samples, 0, base.feed.tokens, key);
  const paced = {
    panel: pacedFigures(panelPaced, totalTokens),
    frame: pacedFigures(framePaced, totalTokens),
    delta: pacedFigures(deltaPaced, totalTokens),
  };
  const pacedSpeedup = (base: PacedFigures, key: 'wholeMs' | 'wholeCpuMs') => base[key] / paced.panel[key];
  const both = (wall: number, cpu: number, digits = 0) => `${round(wall, digits)} / ${round(cpu, digits)}`;
  const count = (n: number) => n.toLocaleString('en-US');

  const printTable = (title: string, runs: readonly RunResult[], rows: [string, ...string[]][]) => {
    const header = [title, ...runs.map((r) => r.name.replace(/, (as fast as possible|\d+ tokens\/s)$/, ''))];
    const widths = header.map((_, column) =>
      [header, ...rows].reduce((max, row) => Math.max(max, row[column]!.length), 0),
    );
    const line = (cells: readonly string[]) =>
      cells.map((cell, column) => (column ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
    console.log('\n' + line(header));
    console.log(widths.map((width) => '-'.repeat(width)).join('  '));
    for (const row of rows) console.log(line(row));
  };

  const fastRuns = [panelFast, alone, frameFast, deltaFast];
  const fastRows: [string, ...string[]][] = [];
  const addFast = (label: string, f: (r: RunResult) => string | number) =>
    fastRows.push([label, ...fastRuns.map((r) => String(f(r)))]);
  addFast('tokens rendered', (r) => count(r.feed.tokens) + (r.feed.stopped ? ' (stopped)' : ''));
  addFast('main-thread time, ms (wall / CPU)', (r) => both(total(r.samples, 'taskMs'), total(r.samples, 'cpuMs')));
  addFast('  scripting, ms', (r) => round(total(r.samples, 'scriptMs'), 0));
  addFast('  style + layout, ms', (r) => round(total(r.samples, 'styleMs') + total(r.samples, 'layoutMs'), 0));
  addFast('longest task, ms (wall / CPU)', (r) => both(r.longest.wallMs, r.longest.cpuMs, 1));
  addFast('tasks > 50 ms (wall / CPU)', (r) => `${r.longest.over50Wall} / ${r.longest.over50Cpu}`);
  addFast('sustained tokens/s', (r) => count(round(r.feed.tokens / (r.feed.wallMs / 1000), 0)));
  addFast(`ms per 1k tokens, first ${WINDOW / 1000}k (wall / CPU)`, (r) =>
    r.feed.tokens >= WINDOW ? both(firstWindow(r, 'taskMs'), firstWindow(r, 'cpuMs'), 1) : '-',
  );
  addFast(`ms per 1k tokens, last ${WINDOW / 1000}k (wall / CPU)`, (r) =>
    r.feed.tokens >= REASONING_TOKENS ? both(lastWindow(r, 'taskMs'), lastWindow(r, 'cpuMs'), 1) : '-',
  );
  for (const tokens of new Set([frameFast.feed.tokens, deltaFast.feed.tokens])) {
    addFast(`main-thread ms, first ${count(tokens)} tokens (wall / CPU)`, (r) =>
      r.feed.tokens >= tokens
        ? both(costBetween(r.samples, 0, tokens), costBetween(r.samples, 0, tokens, 'cpuMs'))
        : '-',
    );
  }
  addFast('DOM elements / nodes', (r) => `${count(r.elements)} / ${count(r.nodes)}`);
  addFast('JS heap after GC, MiB', (r) => round(r.heapMB));
  printTable('as fast as possible', fastRuns, fastRows);

  const pacedRuns = [panelPaced, framePaced, deltaPaced];
  const pacedOf = [paced.panel, paced.frame, paced.delta];
  const pacedRows: [string, ...string[]][] = [];
  const addPaced = (label: string, f: (p: PacedFigures, r: RunResult) => string | number) =>
    pacedRows.push([label, ...pacedRuns.map((r, i) => String(f(pacedOf[i]!, r)))]);
  addPaced('tokens streamed at pace', (p) => `${p.slices} x ${count(p.tokens / p.slices)}`);
  addPaced('main thread busy, % (wall / CPU)', (p) => both(p.busy, p.busyCpu, 1));
  addPaced('main-thread ms per 1k tokens (wall / CPU)', (p) => both(p.msPer1k, p.cpuPer1k, 1));
  addPaced('  scripting, ms per 1k', (p) => round((p.scriptMs / p.tokens) * 1000, 1));
  addPaced('  style + layout, ms per 1k', (p) => round((p.styleLayoutMs / p.tokens) * 1000, 1));
  addPaced('  other (paint, GC, ...), ms per 1k', (p) =>
    round(((p.mainMs - p.scriptMs - p.styleLayoutMs) / p.tokens) * 1000, 1),
  );
  addPaced('longest task, ms (wall / CPU)', (_, r) => both(r.longestPaced.wallMs, r.longestPaced.cpuMs, 1));
  addPaced('tasks > 50 ms (wall / CPU)', (_, r) => `${r.longestPaced.over50Wall} / ${r.longestPaced.over50Cpu}`);
  addPaced('frames rendered per s (rAF)', (p) => round(p.frames / (p.wallMs / 1000), 0));
  addPaced('main-thread ms per frame (wall / CPU)', (p) => both(p.mainMs / p.frames, p.cpuMs / p.frames, 2));
  addPaced('time to render / time streamed, s', (p) => `${round(p.wallMs / 1000)} / ${round(p.streamedMs / 1000)}`);
  addPaced(`whole ${totalTokens / 1000}k trace: main-thread s${fullPaced ? '' : ' (est.)'} (wall / CPU)`, (p) =>
    both(p.wholeMs / 1000, p.wholeCpuMs / 1000, 1),
  );
  printTable(`at ${RATE} tokens/s`, pacedRuns, pacedRows);

  const longestWall = Math.max(panelFast.longest.wallMs, panelPaced.longestPaced.wallMs);
  const longestCpu = Math.max(panelFast.longest.cpuMs, panelPaced.longestPaced.cpuMs);
  const projected = {
    wallMs: projectQuadratic(deltaFast.samples, totalTokens, 'taskMs'),
    cpuMs: projectQuadratic(deltaFast.samples, totalTokens, 'cpuMs'),
  };
  const [loadAfter] = loadavg();
  if (!fullPaced) {
    console.log(
      `\nat ${RATE} tokens/s, the whole-trace figures are estimates: each run's mean cost per token over its paced slices ` +
        `(spread evenly over the trace, the midpoint rule) times ${count(totalTokens)} tokens; --full-paced measures the panel and the per-frame baseline over all of it`,
    );
  }
  const other = paced.panel.mainMs - paced.panel.scriptMs - paced.panel.styleLayoutMs;
  const share = (ms: number) => `${round((ms / paced.panel.mainMs) * 100, 0)}%`;
  console.log(
    `panel at ${RATE} tokens/s: ${round(paced.panel.msPer1k)} ms of main thread per 1k tokens (${round(firstWindow(panelFast, 'taskMs'))} as fast as possible): ` +
      `scripting ${share(paced.panel.scriptMs)}, style + layout ${share(paced.panel.styleLayoutMs)}, other (paint, compositing, GC, task overhead) ${share(other)}; ` +
      `${round(paced.panel.frames / (paced.panel.wallMs / 1000), 0)} frames rendered per s, ${round(paced.panel.mainMs / paced.panel.frames, 2)} ms (CPU ${round(paced.panel.cpuMs / paced.panel.frames, 2)} ms) of main thread per frame: ` +
      `at this rate a frame carries a token or two, so the cost per frame dominates, not the markdown`,
  );
  console.log(
    `machine: ${cpus().length} cores, load average ${round(loadBefore!, 1)} before, ${round(loadAfter!, 1)} after`,
  );
  if (Math.max(loadBefore!, loadAfter!) > cpus().length) {
    console.log(
      '  the machine was oversubscribed: wall-clock figures include time the OS gave to other processes; CPU figures do not',
    );
  }
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const x = (value: number) => `${round(value)}x`;
  const frameFastWall = speedup(frameFast, panelFast, 'taskMs');
  const frameFastCpu = speedup(frameFast, panelFast, 'cpuMs');
  const framePacedWall = pacedSpeedup(paced.frame, 'wholeMs');
  const framePacedCpu = pacedSpeedup(paced.frame, 'wholeCpuMs');
  console.log(
    `target: no task > 50 ms (panel) ................... wall ${verdict(longestWall <= 50)} (${round(longestWall)} ms), CPU ${verdict(longestCpu <= 50)} (${round(longestCpu)} ms)`,
  );
  console.log(
    `target: cost per token, last ${WINDOW / 1000}k <= 1.5x first ${WINDOW / 1000}k ... wall ${verdict(linearity(panelFast, 'taskMs') <= 1.5)} (${round(linearity(panelFast, 'taskMs'), 2)}x), CPU ${verdict(linearity(panelFast, 'cpuMs') <= 1.5)} (${round(linearity(panelFast, 'cpuMs'), 2)}x); renderer alone ${round(linearity(alone, 'taskMs'), 2)}x / ${round(linearity(alone, 'cpuMs'), 2)}x`,
  );
  console.log(
    `target: >= 20x less main-thread time than the per-frame baseline, as fast as possible .. wall ${verdict(frameFastWall >= 20)} (${x(frameFastWall)}), CPU ${verdict(frameFastCpu >= 20)} (${x(frameFastCpu)}) over ${frameFast.feed.stopped ? 'the first ' : ''}${count(frameFast.feed.tokens)} tokens; renderer alone ${x(speedup(frameFast, alone, 'taskMs'))} / ${x(speedup(frameFast, alone, 'cpuMs'))}`,
  );
  console.log(
    `target: >= 20x less main-thread time than the per-frame baseline, at ${RATE} tokens/s ..... wall ${verdict(framePacedWall >= 20)} (${x(framePacedWall)}), CPU ${verdict(framePacedCpu >= 20)} (${x(framePacedCpu)}) over the whole trace${fullPaced ? '' : ' (estimated from the slices)'}`,
  );
  console.log(
    `  for reference, the per-delta baseline: ${x(speedup(deltaFast, panelFast, 'taskMs'))} / ${x(speedup(deltaFast, panelFast, 'cpuMs'))} (wall / CPU) as fast as possible over the first ${count(deltaFast.feed.tokens)} tokens, ` +
      `${x(pacedSpeedup(paced.delta, 'wholeMs'))} / ${x(pacedSpeedup(paced.delta, 'wholeCpuMs'))} at ${RATE} tokens/s (estimated from the slices)`,
  );
  console.log(
    `  the per-delta baseline's cost per token grows with the text: fitted to its samples, all ${count(totalTokens)} tokens as fast as possible would take it ` +
      `~${round(projected.wallMs / 1000, 0)} s of main thread, ~${round(projected.wallMs / total(panelFast.samples, 'taskMs'), 0)}x the panel's (a projection, not a measurement)`,
  );
  if (framePacedWall < 20) {
    console.log(
      `  at ${RATE} tokens/s the per-frame baseline can spend at most every frame's time: its busy share (${round(paced.frame.busy)}%) over the panel's (${round(paced.panel.busy)}%) bounds the ratio`,
    );
  }

  const pacedSummary = (p: PacedFigures) => ({
    slices: p.slices,
    tokens: p.tokens,
    busyPercent: round(p.busy),
    busyCpuPercent: round(p.busyCpu),
    msPer1k: round(p.msPer1k, 2),
    cpuMsPer1k: round(p.cpuPer1k, 2),
    renderSeconds: round(p.wallMs / 1000),
    streamedSeconds: round(p.streamedMs / 1000),
    wholeTraceMs: round(p.wholeMs, 0),
    wholeTraceCpuMs: round(p.wholeCpuMs, 0),
    wholeTraceEstimated: p.tokens < totalTokens,
  });
  const summary = {
    bench: 'webview',
    panelBundle: panel.source,
    machine: { cores: cpus().length, loadBefore: round(loadBefore!, 1), loadAfter: round(loadAfter!, 1) },
    tokens: { reasoning: reasoning.length, answer: answer.length, codeBlocks: fences },
    fast: {
      mainThreadMs: round(total(panelFast.samples, 'taskMs'), 0),
      mainThreadCpuMs: round(total(panelFast.samples, 'cpuMs'), 0),
      scriptingMs: round(total(panelFast.samples, 'scriptMs'), 0),
      longestTaskMs: round(panelFast.longest.wallMs),
      longestTaskCpuMs: round(panelFast.longest.cpuMs),
      tokensPerSecond: round(panelFast.feed.tokens / (panelFast.feed.wallMs / 1000), 0),
      msPer1kFirst: round(firstWindow(panelFast, 'taskMs'), 2),
      msPer1kLast: round(lastWindow(panelFast, 'taskMs'), 2),
      linearity: round(linearity(panelFast, 'taskMs'), 3),
      linearityCpu: round(linearity(panelFast, 'cpuMs'), 3),
      domElements: panelFast.elements,
      domNodes: panelFast.nodes,
      heapMB: round(panelFast.heapMB),
    },
    paced: {
      rate: RATE,
      ...pacedSummary(paced.panel),
      longestTaskMs: round(panelPaced.longestPaced.wallMs),
      longestTaskCpuMs: round(panelPaced.longestPaced.cpuMs),
    },
    rendererAlone: {
      mainThreadMs: round(total(alone.samples, 'taskMs'), 0),
      mainThreadCpuMs: round(total(alone.samples, 'cpuMs'), 0),
      longestTaskMs: round(alone.longest.wallMs),
      longestTaskCpuMs: round(alone.longest.cpuMs),
      linearity: round(linearity(alone, 'taskMs'), 3),
    },
    perFrameBaseline: {
      fast: {
        tokens: frameFast.feed.tokens,
        mainThreadMs: round(total(frameFast.samples, 'taskMs'), 0),
        mainThreadCpuMs: round(total(frameFast.samples, 'cpuMs'), 0),
        longestTaskMs: round(frameFast.longest.wallMs),
      },
      paced: { ...pacedSummary(paced.frame), longestTaskMs: round(framePaced.longestPaced.wallMs) },
      speedupFast: round(frameFastWall),
      speedupFastCpu: round(frameFastCpu),
      speedupPaced: round(framePacedWall),
      speedupPacedCpu: round(framePacedCpu),
    },
    perDeltaBaseline: {
      fast: {
        tokens: deltaFast.feed.tokens,
        mainThreadMs: round(total(deltaFast.samples, 'taskMs'), 0),
        mainThreadCpuMs: round(total(deltaFast.samples, 'cpuMs'), 0),
        longestTaskMs: round(deltaFast.longest.wallMs),
      },
      paced: { ...pacedSummary(paced.delta), longestTaskMs: round(deltaPaced.longestPaced.wallMs) },
      speedupFast: round(speedup(deltaFast, panelFast, 'taskMs')),
      speedupFastCpu: round(speedup(deltaFast, panelFast, 'cpuMs')),
      speedupFastRendererAlone: round(speedup(deltaFast, alone, 'taskMs')),
      speedupPaced: round(pacedSpeedup(paced.delta, 'wholeMs')),
      speedupPacedCpu: round(pacedSpeedup(paced.delta, 'wholeCpuMs')),
      projectedFullMs: round(projected.wallMs, 0),
    },
    targets: {
      longestTaskUnder50: longestWall <= 50,
      longestTaskUnder50Cpu: longestCpu <= 50,
      linearWithin1_5: linearity(panelFast, 'taskMs') <= 1.5,
      speedup20xPerFrameFast: frameFastWall >= 20,
      speedup20xPerFramePaced: framePacedWall >= 20,
    },
  };
  const k = (tokens: number) => `${round(tokens / 1000)}k`;
  const benchRows: [string, number, string][] = [
    [`panel: main-thread time, ${k(totalTokens)} tokens fast`, summary.fast.mainThreadMs, 'ms'],
    [`panel: scripting time, ${k(totalTokens)} tokens fast`, summary.fast.scriptingMs, 'ms'],
    ['panel: longest task (fast, paced)', round(longestWall), 'ms'],
    ['panel: longest task, CPU time', round(longestCpu), 'ms'],
    ['panel: sustained throughput (fast)', summary.fast.tokensPerSecond, 'tok/s'],
    [`panel: cost last/first ${WINDOW / 1000}k tokens`, summary.fast.linearity, 'x'],
    [`panel: main thread busy at ${RATE} tok/s`, round(paced.panel.busy), '%'],
    [`panel: DOM nodes after ${k(totalTokens)} tokens`, summary.fast.domNodes, 'nodes'],
    ['panel: JS heap after GC', summary.fast.heapMB, 'MiB'],
    [`per-frame baseline: busy at ${RATE} tok/s`, round(paced.frame.busy), '%'],
    [`per-delta baseline: busy at ${RATE} tok/s`, round(paced.delta.busy), '%'],
    [`vs per-frame re-render, fast (${k(frameFast.feed.tokens)} tokens)`, round(frameFastWall), 'x'],
    [`vs per-frame re-render, fast, CPU time`, round(frameFastCpu), 'x'],
    [`vs per-frame re-render, ${RATE} tok/s${fullPaced ? '' : ' (est.)'}`, round(framePacedWall), 'x'],
    [`vs per-frame re-render, ${RATE} tok/s, CPU time`, round(framePacedCpu), 'x'],
    [`vs per-delta re-render, fast (${k(deltaFast.feed.tokens)} tokens)`, summary.perDeltaBaseline.speedupFast, 'x'],
    [`vs per-delta re-render, ${RATE} tok/s (est.)`, summary.perDeltaBaseline.speedupPaced, 'x'],
  ];
  for (const [metric, value, unit] of benchRows)
    console.log(`BENCH_JSON ${JSON.stringify({ bench: 'webview', metric, value, unit })}`);
  console.log(`webview-summary ${JSON.stringify(summary)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
