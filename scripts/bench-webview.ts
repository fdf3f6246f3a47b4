/**
 * `npm run bench:webview`: rendering cost of a long R1 turn in the chat panel, in headless Chromium.
 *
 * Loads the real webview bundle (dist/webview.js when it is up to date, else src/webview/main.ts
 * bundled the same way) with a stubbed acquireVsCodeApi in a cross-site iframe (its own renderer
 * process, as VS Code's webviews are), and the embedding page posts it the protocol's HostMessages:
 * a 50,000-token reasoning trace and a 2,000-token answer with a dozen code blocks, one delta per
 * token as the chat session emits them, (1) as fast as possible and (2) at 100 tokens/s. In the
 * same run, a minimal panel (scripts/bench-webview-page.ts) measures the renderer alone and the
 * baseline that re-renders the whole message into innerHTML on every chunk.
 *
 * Figures are the panel process's, from the Chrome DevTools Protocol: Performance.getMetrics
 * sampled every 1,000 tokens (main-thread task time, scripting, style and layout), a trace of every
 * main-thread task (longest task; tasks that served a metrics sample are left out), and heap and
 * node counts after a forced GC. The feed starts 2 s after the panel loaded (a user typing). Prints a table, `BENCH_JSON` rows for
 * `npm run bench`, and one `webview-summary {...}` JSON line.
 *
 * Options: --quick (smaller workload, for trying things), --full-paced (stream all 52,000 tokens
 * at 100 tokens/s instead of the last 12,000; takes about 9 minutes), --baseline-seconds N
 * (feeding time allowed to the quadratic baseline, default 40), --trace DIR (save each run's
 * detailed Chrome trace there, for chrome://tracing or DevTools; adds overhead).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession } from 'playwright-core';
import type { HostMessage, TurnWire } from '../src/shared/protocol';
import { bundleForBrowser, launchChromium, openPage, readRepoFile, ROOT, VSCODE_STUB } from '../test/webview/harness';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const fullPaced = args.includes('--full-paced');
const baselineSeconds = Number(args[args.indexOf('--baseline-seconds') + 1]) || 40;
const traceDir = args.includes('--trace') ? args[args.indexOf('--trace') + 1] : undefined;

const REASONING_TOKENS = quick ? 12_000 : 50_000;
const ANSWER_TOKENS = 2_000;
const CODE_BLOCKS = 12;
const RATE = 100;
const CHECKPOINT_EVERY = 1_000;
/** The linearity window: first vs last this many reasoning tokens. */
const WINDOW = quick ? 3_000 : 10_000;
/** Tokens streamed at RATE in the paced run (the rest is fed fast first). */
const PACED_TOKENS = fullPaced ? REASONING_TOKENS + ANSWER_TOKENS : WINDOW + ANSWER_TOKENS;

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
// no renderer has work pending.
window.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.__benchMarker === undefined && data.__benchIdle === undefined) return;
  event.stopImmediatePropagation();
  const reply = () => event.source.postMessage({ __benchAck: data.__benchMarker ?? data.__benchIdle }, '*');
  if (data.__benchMarker !== undefined) return reply();
  let frames = 0;
  const check = () => (!document.querySelector('[aria-busy]') || ++frames > 3000 ? reply() : requestAnimationFrame(check));
  requestAnimationFrame(() => requestAnimationFrame(check));
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

interface FeedPlan {
  readonly reasoning: readonly string[];
  readonly answer: readonly string[];
  /** Tokens fed as fast as possible before pacing starts (all of them: no pacing). */
  readonly fastUntil: number;
  readonly rate: number;
  readonly checkpointEvery: number;
  /** Stop feeding after this much feeding time (the baseline), at a checkpoint. */
  readonly stopAfterMs: number | null;
}

interface FeedResult {
  readonly tokens: number;
  readonly wallMs: number;
  readonly pacedStartToken: number;
  readonly pacedWallMs: number;
  readonly stopped: boolean;
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
  /** Over the paced phase only. */
  readonly longestPaced: Longest;
  readonly elements: number;
  readonly nodes: number;
  readonly heapMB: number;
}

/**
 * Runs in the host page (another process, like VS Code's workbench): posts the protocol messages
 * to the panel's iframe and pauses at checkpoints for a metrics sample.
 */
async function feedInPage(plan: FeedPlan): Promise<FeedResult> {
  const w = window as unknown as { __benchCheckpoint: (tokens: number) => Promise<void> };
  const panel = document.querySelector('iframe')!.contentWindow!;
  const acks = new Map<number, () => void>();
  window.addEventListener('message', (event: MessageEvent<{ __benchAck?: number }>) => {
    const id = event.data.__benchAck;
    if (id !== undefined) acks.get(id)?.();
  });
  let nextId = 0;
  const ask = (kind: '__benchMarker' | '__benchIdle') =>
    new Promise<void>((resolve) => {
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
  const postToken = (index: number) => {
    const [kind, text] = tokens[index]!;
    post({
      type: 'delta',
      turnId: 'bench',
      reasoning: kind === 'r' ? text : '',
      answer: kind === 'a' ? text : '',
      at: Date.now(),
    });
  };
  let paused = 0;
  const checkpoint = async (count: number) => {
    await ask('__benchMarker');
    const started = performance.now();
    // Marks bracket the sample: the panel's tasks in between serve DevTools, not the panel.
    performance.mark('bench-sample-start');
    await w.__benchCheckpoint(count);
    performance.mark('bench-sample-end');
    paused += performance.now() - started;
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
  while (index < plan.fastUntil) {
    const end = Math.min(plan.fastUntil, index + plan.checkpointEvery - (index % plan.checkpointEvery));
    while (index < end) {
      postToken(index++);
      if (index % 50 === 0) await yieldTask();
    }
    await checkpoint(index);
    if (plan.stopAfterMs !== null && performance.now() - start - paused > plan.stopAfterMs) {
      stopped = true;
      break;
    }
  }
  const pacedStartToken = index;
  performance.mark('bench-paced-start');
  const pacedStart = performance.now();
  const pausedBeforePacing = paused;
  if (!stopped && index < tokens.length) {
    let base = performance.now();
    while (index < tokens.length) {
      const due = Math.min(
        tokens.length,
        pacedStartToken + Math.floor(((performance.now() - base) * plan.rate) / 1000) + 1,
      );
      while (index < due) {
        postToken(index++);
        if (index % plan.checkpointEvery === 0) {
          const before = performance.now();
          await checkpoint(index);
          base += performance.now() - before;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  }
  if (!stopped) post({ type: 'turnEnded', turnId: 'bench', status: 'done', at: Date.now() });
  await ask('__benchIdle');
  const wallMs = performance.now() - start - paused;
  const pacedWallMs = performance.now() - pacedStart - (paused - pausedBeforePacing);
  await checkpoint(index);
  return { tokens: index, wallMs, pacedStartToken, pacedWallMs, stopped };
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
  const pacedFrom = tasks.pacedStart ?? Infinity;

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
    longestPaced: longestOf(tasks.list.filter((task) => task.ts >= pacedFrom)),
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

/**
 * Every task on the panel's main thread, except those that answered a metrics sample (DevTools
 * work), and the paced-phase mark.
 */
function mainThreadTasks(trace: Buffer): { list: Task[]; pacedStart: number | undefined } {
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
  const starts = events
    .filter((event) => event.name === 'bench-sample-start')
    .map((event) => event.ts)
    .sort((a, b) => a - b);
  const ends = events
    .filter((event) => event.name === 'bench-sample-end')
    .map((event) => event.ts)
    .sort((a, b) => a - b);
  const sampling = (task: TraceEvent) =>
    starts.some((start, i) => task.ts < (ends[i] ?? Infinity) && task.ts + (task.dur ?? 0) > start);
  const all = events.filter(
    (event) => event.name === 'RunTask' && event.ph === 'X' && mainThreads.has(`${event.pid}:${event.tid}`),
  );
  const list = all
    .filter((task) => !sampling(task))
    .map((task): Task => ({ ts: task.ts, wallMs: (task.dur ?? 0) / 1000, cpuMs: (task.tdur ?? task.dur ?? 0) / 1000 }));
  const mark = events.find((event) => event.name === 'bench-paced-start');
  return { list, pacedStart: mark?.ts };
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
  const harnessPage = (mode: string) => ({
    script: harness,
    initScript: `window.__benchMode = '${mode}';` + BENCH_INIT,
  });
  const fast = {
    reasoning,
    answer,
    fastUntil: totalTokens,
    rate: RATE,
    checkpointEvery: CHECKPOINT_EVERY,
    stopAfterMs: null,
  };

  const browser = await launchChromium();
  const results: RunResult[] = [];
  try {
    const steps: [string, { script: string; initScript: string }, FeedPlan][] = [
      ['panel, as fast as possible', panelPage, fast],
      [`panel, ${RATE} tokens/s`, panelPage, { ...fast, fastUntil: totalTokens - PACED_TOKENS }],
      ['renderer alone, as fast as possible', harnessPage('incremental'), fast],
      [
        'baseline (full innerHTML per chunk)',
        harnessPage('baseline'),
        { ...fast, stopAfterMs: baselineSeconds * 1000 },
      ],
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

  const [panelFast, panelPaced, alone, baseline] = results as [RunResult, RunResult, RunResult, RunResult];
  type Key = 'taskMs' | 'cpuMs';
  const perK = (r: RunResult, from: number, to: number, key: Key) =>
    costBetween(r.samples, from, to, key) / ((to - from) / 1000);
  const firstWindow = (r: RunResult, key: Key) => perK(r, 0, WINDOW, key);
  const lastWindow = (r: RunResult, key: Key) => perK(r, REASONING_TOKENS - WINDOW, REASONING_TOKENS, key);
  const linearity = (r: RunResult, key: Key) => lastWindow(r, key) / firstWindow(r, key);
  const baselineTokens = baseline.feed.tokens;
  const speedup = (r: RunResult, key: Key) =>
    costBetween(baseline.samples, 0, baselineTokens, key) / costBetween(r.samples, 0, baselineTokens, key);
  const pacedSamples = panelPaced.samples.filter((sample) => sample.tokens >= panelPaced.feed.pacedStartToken);
  const paced = {
    wallMs: total(pacedSamples, 'taskMs'),
    cpuMs: total(pacedSamples, 'cpuMs'),
    seconds: panelPaced.feed.pacedWallMs / 1000,
  };
  const both = (wall: number, cpu: number, digits = 0) => `${round(wall, digits)} / ${round(cpu, digits)}`;

  const rows: [string, ...string[]][] = [];
  const header = ['', ...results.map((r) => r.name)];
  const add = (label: string, values: (string | number)[]) => rows.push([label, ...values.map(String)]);
  add(
    'tokens rendered',
    results.map((r) => r.feed.tokens.toLocaleString('en-US') + (r.feed.stopped ? ' (stopped)' : '')),
  );
  add(
    'main-thread time, ms (wall / CPU)',
    results.map((r) => both(total(r.samples, 'taskMs'), total(r.samples, 'cpuMs'))),
  );
  add(
    '  scripting, ms',
    results.map((r) => round(total(r.samples, 'scriptMs'), 0)),
  );
  add(
    '  style + layout, ms',
    results.map((r) => round(total(r.samples, 'styleMs') + total(r.samples, 'layoutMs'), 0)),
  );
  add(
    'longest task, ms (wall / CPU)',
    results.map((r) => both(r.longest.wallMs, r.longest.cpuMs, 1)),
  );
  add(
    'tasks > 50 ms (wall / CPU)',
    results.map((r) => `${r.longest.over50Wall} / ${r.longest.over50Cpu}`),
  );
  add(
    'sustained tokens/s',
    results.map((r) =>
      r === panelPaced
        ? `${round((totalTokens - r.feed.pacedStartToken) / paced.seconds, 0)} (paced)`
        : round(r.feed.tokens / (r.feed.wallMs / 1000), 0).toLocaleString('en-US'),
    ),
  );
  add(
    `ms per 1k tokens, first ${WINDOW / 1000}k (wall / CPU)`,
    results.map((r) => (r.feed.tokens >= WINDOW ? both(firstWindow(r, 'taskMs'), firstWindow(r, 'cpuMs'), 1) : '-')),
  );
  add(
    `ms per 1k tokens, last ${WINDOW / 1000}k (wall / CPU)`,
    results.map((r) =>
      r.feed.tokens >= REASONING_TOKENS ? both(lastWindow(r, 'taskMs'), lastWindow(r, 'cpuMs'), 1) : '-',
    ),
  );
  add(
    `main-thread ms, first ${baselineTokens.toLocaleString('en-US')} tokens (wall / CPU)`,
    results.map((r) =>
      both(costBetween(r.samples, 0, baselineTokens), costBetween(r.samples, 0, baselineTokens, 'cpuMs')),
    ),
  );
  add(
    'DOM elements / nodes',
    results.map((r) => `${r.elements.toLocaleString('en-US')} / ${r.nodes.toLocaleString('en-US')}`),
  );
  add(
    'JS heap after GC, MiB',
    results.map((r) => round(r.heapMB)),
  );
  const widths = header.map((_, column) =>
    [header, ...rows].reduce((max, row) => Math.max(max, row[column]!.length), 0),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  console.log('\n' + line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));

  const longestWall = Math.max(panelFast.longest.wallMs, panelPaced.longestPaced.wallMs);
  const longestCpu = Math.max(panelFast.longest.cpuMs, panelPaced.longestPaced.cpuMs);
  const projected = {
    wallMs: projectQuadratic(baseline.samples, totalTokens, 'taskMs'),
    cpuMs: projectQuadratic(baseline.samples, totalTokens, 'cpuMs'),
  };
  const [loadAfter] = loadavg();
  console.log(
    `\npaced run: ${PACED_TOKENS.toLocaleString('en-US')} tokens at ${RATE}/s after ${panelPaced.feed.pacedStartToken.toLocaleString('en-US')} fed fast; ` +
      `main thread busy ${round((paced.wallMs / 1000 / paced.seconds) * 100)}% (CPU ${round((paced.cpuMs / 1000 / paced.seconds) * 100)}%) of the time, ` +
      `longest task ${both(panelPaced.longestPaced.wallMs, panelPaced.longestPaced.cpuMs, 1)} ms (wall / CPU)`,
  );
  console.log(
    `machine: ${cpus().length} cores, load average ${round(loadBefore!, 1)} before, ${round(loadAfter!, 1)} after`,
  );
  if (Math.max(loadBefore!, loadAfter!) > cpus().length) {
    console.log(
      '  the machine was oversubscribed: wall-clock figures include time the OS gave to other processes; CPU figures do not',
    );
  }
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `target: no task > 50 ms (panel) ................... wall ${verdict(longestWall <= 50)} (${round(longestWall)} ms), CPU ${verdict(longestCpu <= 50)} (${round(longestCpu)} ms)`,
  );
  console.log(
    `target: cost per token, last ${WINDOW / 1000}k <= 1.5x first ${WINDOW / 1000}k ... wall ${verdict(linearity(panelFast, 'taskMs') <= 1.5)} (${round(linearity(panelFast, 'taskMs'), 2)}x), CPU ${verdict(linearity(panelFast, 'cpuMs') <= 1.5)} (${round(linearity(panelFast, 'cpuMs'), 2)}x); renderer alone ${round(linearity(alone, 'taskMs'), 2)}x / ${round(linearity(alone, 'cpuMs'), 2)}x`,
  );
  console.log(
    `target: >= 20x less main-thread time than baseline .. wall ${verdict(speedup(panelFast, 'taskMs') >= 20)} (${round(speedup(panelFast, 'taskMs'))}x), CPU ${verdict(speedup(panelFast, 'cpuMs') >= 20)} (${round(speedup(panelFast, 'cpuMs'))}x) over the first ${baselineTokens.toLocaleString('en-US')} tokens; renderer alone ${round(speedup(alone, 'taskMs'))}x / ${round(speedup(alone, 'cpuMs'))}x`,
  );
  console.log(
    `  the baseline's cost per token grows with the text: fitted to its samples, all ${totalTokens.toLocaleString('en-US')} tokens would take it ` +
      `~${round(projected.wallMs / 1000, 0)} s of main thread, ~${round(projected.wallMs / total(panelFast.samples, 'taskMs'), 0)}x the panel's (a projection, not a measurement)`,
  );

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
      tokens: PACED_TOKENS,
      mainThreadMs: round(paced.wallMs, 0),
      mainThreadCpuMs: round(paced.cpuMs, 0),
      busyPercent: round((paced.wallMs / 1000 / paced.seconds) * 100),
      busyCpuPercent: round((paced.cpuMs / 1000 / paced.seconds) * 100),
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
    baseline: {
      tokens: baselineTokens,
      mainThreadMs: round(total(baseline.samples, 'taskMs'), 0),
      mainThreadCpuMs: round(total(baseline.samples, 'cpuMs'), 0),
      longestTaskMs: round(baseline.longest.wallMs),
    },
    speedupVsBaseline: round(speedup(panelFast, 'taskMs')),
    speedupVsBaselineCpu: round(speedup(panelFast, 'cpuMs')),
    speedupVsBaselineRendererAlone: round(speedup(alone, 'taskMs')),
    projectedBaselineFullMs: round(projected.wallMs, 0),
    targets: {
      longestTaskUnder50: longestWall <= 50,
      longestTaskUnder50Cpu: longestCpu <= 50,
      linearWithin1_5: linearity(panelFast, 'taskMs') <= 1.5,
      speedup20x: speedup(panelFast, 'taskMs') >= 20,
    },
  };
  const benchRows: [string, number, string][] = [
    [`panel: main-thread time, ${totalTokens / 1000}k tokens fast`, summary.fast.mainThreadMs, 'ms'],
    [`panel: scripting time, ${totalTokens / 1000}k tokens fast`, summary.fast.scriptingMs, 'ms'],
    ['panel: longest task (fast, paced)', round(longestWall), 'ms'],
    ['panel: longest task, CPU time', round(longestCpu), 'ms'],
    ['panel: sustained throughput (fast)', summary.fast.tokensPerSecond, 'tok/s'],
    [`panel: cost last/first ${WINDOW / 1000}k tokens`, summary.fast.linearity, 'x'],
    [`panel: main thread busy at ${RATE} tok/s`, summary.paced.busyPercent, '%'],
    [`panel: DOM nodes after ${totalTokens / 1000}k tokens`, summary.fast.domNodes, 'nodes'],
    ['panel: JS heap after GC', summary.fast.heapMB, 'MiB'],
    [`speed-up vs full re-render (${baselineTokens / 1000}k tokens)`, summary.speedupVsBaseline, 'x'],
  ];
  for (const [metric, value, unit] of benchRows)
    console.log(`BENCH_JSON ${JSON.stringify({ bench: 'webview', metric, value, unit })}`);
  console.log(`webview-summary ${JSON.stringify(summary)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
