/**
 * The production-mode host run: R1 Coder installed from its packaged VSIX (as users install it),
 * so the extension host runs it in ExtensionMode.Production. The tests
 * (test/host/production/index.ts) come from a tiny test-runner extension given as
 * extensionDevelopmentPath: code-server gives ExtensionMode.Test only to that one. They check that
 * the test-only surface is off there (testSurfaceEnabled).
 *
 *   node --import tsx test/harness/runProductionTests.ts [--vsix FILE]
 *
 * Without --vsix it packages the platform VSIX (scripts/package.mjs, a production build). Prints
 * the suite's lines, then `N passed, N failed`; exit code 0 only if all passed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { repoRoot } from './codeServer';
import { runHostTests } from './runHostTests';

const runnerDir = join(repoRoot, 'out', 'test', 'host-production');

/** The platform VSIX users install, written per process so parallel runs never share it. */
function packagePlatformVsix(): string {
  const out = join(repoRoot, '.vscode-test', `r1-coder-production-${process.pid}.vsix`);
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/package.mjs failed:\n${result.stdout}${result.stderr}`);
  return out;
}

/** The test-runner extension: a manifest with no code of its own, and the bundled tests beside it. */
async function buildTestRunner(): Promise<string> {
  rmSync(runnerDir, { recursive: true, force: true });
  mkdirSync(runnerDir, { recursive: true });
  writeFileSync(
    join(runnerDir, 'package.json'),
    JSON.stringify(
      {
        name: 'r1-coder-production-tests',
        displayName: 'R1 Coder production-mode tests',
        publisher: 'r1-coder-tests',
        version: '0.0.0',
        private: true,
        engines: { vscode: '^1.95.0' },
      },
      null,
      2,
    ) + '\n',
  );
  const testsPath = join(runnerDir, 'index.js');
  await esbuild.build({
    entryPoints: [join(repoRoot, 'test', 'host', 'production', 'index.ts')],
    outfile: testsPath,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'node-llama-cpp'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // mocha's parallel mode (unused) resolves worker files at run time; its warnings are noise.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return testsPath;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vsix: { type: 'string' },
      timeout: { type: 'string', default: process.env.R1_HOST_TEST_TIMEOUT_MS ?? '300000' },
    },
  });
  const started = Date.now();
  const vsix = values.vsix ? resolve(values.vsix) : packagePlatformVsix();
  if (!values.vsix) console.log(`packaged ${vsix} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const testsPath = await buildTestRunner();
    const result = await runHostTests({
      extensionPath: runnerDir,
      testsPath,
      vsixFiles: [vsix],
      label: 'production',
      timeoutMs: Number(values.timeout),
      logPath: join(repoRoot, 'test-artifacts', 'host-production-workbench.log'),
    });
    console.log(`${result.passed} passed, ${result.failed} failed`);
    process.exitCode = result.failed === 0 && result.passed > 0 ? 0 : 1;
  } finally {
    if (!values.vsix) rmSync(vsix, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
