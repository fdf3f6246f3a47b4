/**
 * npm run bench:context — time to assemble a question's context: 10 attachments picked from a
 * generated 10,000-file workspace (100 folders × 100 TypeScript files of 1–8 KB, every 500th file
 * 300 KB so the budget must trim), read, screened (exclusion globs, size, binary) and built into
 * the user message with the default cloud budget. Target (issue 11): ≤ 100 ms excluding
 * tokenization. The token counter is the cloud estimate; its time is measured and reported apart.
 *
 * The workspace is generated once into .bench-cache/context-workspace-v1/. Environment:
 * BENCH_ROUNDS (default 30). Prints a table and BENCH_JSON rows for `npm run bench`.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareFileContext } from '../src/cli/contextFiles';
import { buildContextMessage } from '../src/core/context/buildContext';
import { DEFAULT_CLOUD_CONTEXT_TOKENS } from '../src/core/context/defaults';
import { estimateTokens } from '../src/core/context/tokens';
import type { ContextItem } from '../src/core/context/types';

const root = join(__dirname, '..');
const workspace = join(root, '.bench-cache', 'context-workspace-v1');
const FOLDERS = 100;
const FILES_PER_FOLDER = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const TARGET_MS = 100;

function fileText(folder: number, file: number): string {
  const large = (folder * FILES_PER_FOLDER + file) % 500 === 0;
  const functions = large ? 3000 : 10 + ((folder * 31 + file * 17) % 70);
  const lines = [`// module ${folder}/${file}`, `import { helper } from '../shared/helper';`, ''];
  for (let i = 0; i < functions; i++) {
    lines.push(`export function f${folder}_${file}_${i}(values: number[]): number {`);
    lines.push(`  return values.reduce((total, value) => total + helper(value) * ${i}, 0);`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

function ensureWorkspace(): void {
  const marker = join(workspace, '.complete');
  if (existsSync(marker)) return;
  const started = performance.now();
  for (let folder = 0; folder < FOLDERS; folder++) {
    const dir = join(workspace, 'src', `pkg${folder}`);
    mkdirSync(dir, { recursive: true });
    for (let file = 0; file < FILES_PER_FOLDER; file++)
      writeFileSync(join(dir, `mod${file}.ts`), fileText(folder, file));
  }
  writeFileSync(join(workspace, '.env'), 'API_KEY=sk-bench\n');
  writeFileSync(marker, '');
  console.log(`generated ${FOLDERS * FILES_PER_FOLDER} files in ${Math.round(performance.now() - started)} ms`);
}

/** 10 attachments spread over the tree: 2 large (trimmed), 7 ordinary, and a .env (refused). */
const ATTACHMENTS = [
  'src/pkg0/mod0.ts',
  'src/pkg5/mod0.ts',
  'src/pkg12/mod34.ts',
  'src/pkg27/mod3.ts',
  'src/pkg40/mod77.ts',
  'src/pkg58/mod12.ts',
  'src/pkg63/mod50.ts',
  'src/pkg81/mod9.ts',
  'src/pkg99/mod99.ts',
  '.env',
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function main(): void {
  ensureWorkspace();
  const question = 'Where is the total computed wrongly?';
  const total: number[] = [];
  const tokenizing: number[] = [];
  const buildOnly: number[] = [];
  let last: ReturnType<typeof prepareFileContext> | undefined;
  for (let round = 0; round < ROUNDS + 3; round++) {
    let countMs = 0;
    const timedCount = (text: string) => {
      const start = performance.now();
      const tokens = estimateTokens(text);
      countMs += performance.now() - start;
      return tokens;
    };
    const start = performance.now();
    last = prepareFileContext({
      paths: ATTACHMENTS,
      question,
      cwd: workspace,
      budgetTokens: DEFAULT_CLOUD_CONTEXT_TOKENS,
      countTokens: timedCount,
    });
    const elapsed = performance.now() - start;
    if (round < 3) continue; // warm-up: JIT and the page cache
    total.push(elapsed);
    tokenizing.push(countMs);
    if (last.ok) {
      const items: ContextItem[] = last.result.items.map((report) => ({
        kind: 'file',
        path: report.path ?? '',
        text: fileText(...folderAndFile(report.path ?? '')),
        origin: 'picker',
      }));
      const buildStart = performance.now();
      let buildCount = 0;
      buildContextMessage({
        question,
        items,
        budgetTokens: DEFAULT_CLOUD_CONTEXT_TOKENS,
        countTokens: (text) => {
          const s = performance.now();
          const tokens = estimateTokens(text);
          buildCount += performance.now() - s;
          return tokens;
        },
      });
      buildOnly.push(performance.now() - buildStart - buildCount);
    }
  }
  if (!last?.ok) throw new Error(`assembly failed: ${last && !last.ok ? last.error : 'no run'}`);
  const excluding = total.map((ms, index) => ms - (tokenizing[index] ?? 0));
  const trimmed = last.result.items.filter((item) => item.trimmed).length;
  console.log(
    `${ATTACHMENTS.length} attachments from a ${(FOLDERS * FILES_PER_FOLDER).toLocaleString('en-US')}-file workspace: ` +
      `${last.result.items.length} sent (${trimmed} trimmed), ${last.result.refused.length} refused; message ${last.result.tokens.toLocaleString('en-US')} tokens (budget ${DEFAULT_CLOUD_CONTEXT_TOKENS.toLocaleString('en-US')}); ${ROUNDS} rounds`,
  );
  const rows: [string, number, string][] = [
    ['assemble 10 attachments, excl. tokenization (median)', median(excluding), 'ms'],
    ['assemble 10 attachments, excl. tokenization (max)', Math.max(...excluding), 'ms'],
    ['build the message alone, texts in memory (median)', median(buildOnly), 'ms'],
    ['token estimate time within assembly (median)', median(tokenizing), 'ms'],
    ['assemble 10 attachments, incl. estimate (median)', median(total), 'ms'],
  ];
  for (const [metric, value, unit] of rows) console.log(`${metric.padEnd(56)} ${value.toFixed(2).padStart(9)} ${unit}`);
  const met = median(excluding) <= TARGET_MS;
  console.log(`target: assembly ≤ ${TARGET_MS} ms excluding tokenization ... ${met ? 'met' : 'MISSED'}`);
  for (const [metric, value, unit] of rows)
    console.log(
      `BENCH_JSON ${JSON.stringify({ bench: 'context', metric: metric.trim(), value: Number(value.toFixed(3)), unit })}`,
    );
  if (!met) process.exitCode = 1;
}

function folderAndFile(path: string): [number, number] {
  const match = /pkg(\d+)\/mod(\d+)\.ts$/.exec(path);
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
}

main();
