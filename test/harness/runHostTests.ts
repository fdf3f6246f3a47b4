/**
 * Runs the extension-host test suite (out/test/host/index.js) inside code-server: the workbench,
 * opened in headless Chromium with the tests in its URL payload, starts the extension host, calls
 * the suite's run(), and reports back through `codeAutomationLog` / `codeAutomationExit`.
 *
 *   node --import tsx test/harness/runHostTests.ts [--extension DIR] [--tests FILE]
 *
 * Prints the suite's own lines, then a final `N passed, N failed`; exit code 0 only if all passed.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format, parseArgs } from 'node:util';
import { launchChromium } from './browser';
import { readTestEnv, repoRoot, startCodeServer } from './codeServer';

/** Lines the suite marks for the terminal (test/host/index.ts); the rest is workbench chatter. */
export const TEST_LINE_PREFIX = '[r1-test] ';
const SUMMARY = /^(\d+) passed, (\d+) failed$/;

export interface HostTestOptions {
  readonly extensionPath: string;
  readonly testsPath: string;
  readonly timeoutMs: number;
  /** Where the full workbench/extension-host log goes. */
  readonly logPath: string;
  /** Names the code-server run folder (default "host"). */
  readonly label?: string;
  /** VSIX files installed into the run's extensions folder (Production mode) before start. */
  readonly vsixFiles?: readonly string[];
}

export interface HostTestResult {
  readonly passed: number;
  readonly failed: number;
}

export async function runHostTests(options: HostTestOptions): Promise<HostTestResult> {
  if (!existsSync(options.testsPath))
    throw new Error(`${options.testsPath} is missing: run \`node scripts/build.mjs\` first.`);
  const env = readTestEnv();
  mkdirSync(resolve(options.logPath, '..'), { recursive: true });
  writeFileSync(options.logPath, '');
  const recent: string[] = [];
  const record = (line: string) => {
    appendFileSync(options.logPath, line + '\n');
    recent.push(line);
    if (recent.length > 80) recent.shift();
  };

  const started = Date.now();
  const server = await startCodeServer({
    label: options.label ?? 'host',
    vsixFiles: options.vsixFiles,
    workspaceFiles: { 'README.md': '# Workspace for R1 Coder host tests\n' },
  });
  const browser = await launchChromium(env.chromium);
  let summary: HostTestResult | undefined;
  let exitCode: number | undefined;
  try {
    const page = await browser.newPage();
    const exited = new Promise<number>((done) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    });
    await page.exposeFunction('codeAutomationLog', (level: string, args: unknown) => {
      const text = Array.isArray(args) ? format(...(args as unknown[])) : String(args);
      for (const line of text.split('\n')) {
        record(`[${level}] ${line}`);
        if (!line.startsWith(TEST_LINE_PREFIX)) continue;
        const own = line.slice(TEST_LINE_PREFIX.length);
        console.log(own);
        const match = SUMMARY.exec(own);
        if (match) summary = { passed: Number(match[1]), failed: Number(match[2]) };
      }
    });
    const crashed = new Promise<string>((done) => {
      page.once('crash', () => done('the workbench page crashed'));
      browser.once('disconnected', () => done('Chromium exited'));
    });
    const url = server.workbenchUrl([
      ['extensionDevelopmentPath', server.remoteUri(options.extensionPath)],
      ['extensionTestsPath', server.remoteUri(options.testsPath)],
    ]);
    await page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((done) => {
      timer = setTimeout(() => done(`no result within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    });
    const outcome = await Promise.race([
      exited.then((code) => ({ code })),
      crashed.then((reason) => ({ reason })),
      timedOut.then((reason) => ({ reason })),
    ]);
    clearTimeout(timer);
    if ('code' in outcome) exitCode = outcome.code;
    else console.error(`host tests: ${outcome.reason}`);
  } finally {
    await browser.close().catch(() => undefined);
    const ok = exitCode === 0 && summary !== undefined && summary.failed === 0;
    if (!ok) {
      console.error(`--- last workbench log lines (full log: ${options.logPath}) ---\n${recent.join('\n')}`);
      console.error(`--- code-server output (run folder kept: ${server.runDir}) ---\n${server.output().slice(-4000)}`);
    }
    await server.stop({ keep: !ok });
  }
  console.log(`host tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (summary === undefined) {
    console.error(`host tests: the suite printed no summary (extension host exit code ${exitCode ?? 'none'})`);
    return { passed: 0, failed: 1 };
  }
  // A run() that rejected without a failing test (e.g. a module threw on load) still fails.
  if (exitCode !== 0 && summary.failed === 0) return { passed: summary.passed, failed: 1 };
  return summary;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string', default: repoRoot },
      tests: { type: 'string', default: join(repoRoot, 'out', 'test', 'host', 'index.js') },
      timeout: { type: 'string', default: process.env.R1_HOST_TEST_TIMEOUT_MS ?? '600000' },
    },
  });
  const result = await runHostTests({
    extensionPath: resolve(values.extension),
    testsPath: resolve(values.tests),
    timeoutMs: Number(values.timeout),
    logPath: join(repoRoot, 'test-artifacts', 'host-workbench.log'),
  });
  console.log(`${result.passed} passed, ${result.failed} failed`);
  process.exitCode = result.failed === 0 && result.passed > 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  });
}
