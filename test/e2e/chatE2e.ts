/**
 * End-to-end: the packaged extension in the real VS Code workbench (code-server), driven like a
 * user in headless Chromium. One code-server and one page serve every scenario (start-up is the
 * expensive part); each scenario passes or fails on its own and the last line counts them.
 *
 *   node --import tsx test/e2e/chatE2e.ts      (after `node scripts/build.mjs`; npm test does both)
 *
 * The extension is installed from the platform VSIX that `npm run package` builds for this machine
 * (node-llama-cpp and its binaries inside), not loaded as a development folder: that is what users
 * get, so a file the VSIX leaves out fails here too.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_SCRIPT, expectedSplit, writeScriptModel } from '../gguf/scriptModel';
import { launchChromium } from '../harness/browser';
import { readTestEnv, repoRoot, startCodeServer } from '../harness/codeServer';
import { startDeepSeekServer } from '../support/deepseekServer';
import { chatContext, CONTEXT_FILE, CONTEXT_SOURCE } from './chatContext';
import { cloudChat } from './cloudChat';
import { findInThought } from './findInThought';
import { CART_FILE, CART_SOURCE, editFiles, REPORT_FILE, REPORT_SOURCE } from './editFiles';
import { fixSamples } from './fixSamples';
import { fixSelection, SUM_FILE, SUM_SOURCE } from './fixSelection';
import { localModel } from './localModel';
import { runScenarios, type Scenario, type ScenarioResult } from './scenarios';
import { themeScreens } from './themeScreens';
import { walkthroughFirstRun, walkthroughProgress } from './walkthrough';
import { webviewReload } from './webviewReload';
import { ACTION_TIMEOUT_MS, ChatPanel, log, step, type E2eContext } from './workbench';

const artifacts = join(repoRoot, 'test-artifacts');
// The walkthrough first (it opens on the first activation) and last (it shows what the others did).
// Then cloud scenarios: the key set by the first one serves the next three.
const SCENARIOS: readonly Scenario[] = [
  walkthroughFirstRun,
  cloudChat,
  webviewReload,
  themeScreens,
  fixSelection,
  findInThought,
  chatContext,
  // Before Edit Files: the multi-file diff editor leaves unchanged regions collapsed in later diffs.
  fixSamples,
  editFiles,
  localModel,
  walkthroughProgress,
];
/** R1_E2E_GREP=regex runs only the scenarios whose name matches (the API key scenario is kept: others need it). */
const GREP = process.env.R1_E2E_GREP ? new RegExp(process.env.R1_E2E_GREP) : undefined;
const SELECTED = GREP ? SCENARIOS.filter((scenario) => scenario === cloudChat || GREP.test(scenario.name)) : SCENARIOS;
const SCENARIO_TIMEOUT_MS = Number(process.env.R1_E2E_TIMEOUT_MS ?? 240_000);
const SIDE_BAR_WIDTH = 520;

/** The platform VSIX users install (`npm run package`), written per process so parallel runs never share it. */
function packagePlatformVsix(): string {
  const out = join(repoRoot, '.vscode-test', `r1-coder-e2e-${process.pid}.vsix`);
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scripts/package.mjs failed:\n${result.stdout}${result.stderr}`);
  return out;
}

/** Drags the side bar's sash: a wider panel reads better in screenshots and leaves the diff side by side. */
async function widenSideBar(page: Page, width: number): Promise<void> {
  const sideBar = page.locator('.part.sidebar');
  const box = await sideBar.boundingBox();
  assert.ok(box, 'the side bar is visible');
  const edge = box.x + box.width;
  const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((nodes) =>
    nodes.map((node) => {
      const rect = node.getBoundingClientRect();
      return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2, height: rect.height };
    }),
  );
  const sash = sashes.find((candidate) => candidate.height > 0 && Math.abs(candidate.x - edge) <= 4);
  assert.ok(sash, `no sash at the side bar's edge (x ${edge})`);
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, sash.y, { steps: 8 });
  await page.mouse.up();
  const widened = await sideBar.boundingBox();
  assert.ok(widened && Math.abs(widened.width - width) <= 8, `side bar width ${widened?.width}, wanted ${width}`);
}

async function openChatView(page: Page, panel: ChatPanel): Promise<void> {
  await step('the workbench loads', () => page.locator('.monaco-workbench').waitFor());
  const tab = page.getByRole('tab', { name: 'R1', exact: true });
  await step('the R1 tab appears in the activity bar', () => tab.waitFor());
  await step('open the R1 view container from the activity bar', async () => {
    await tab.click();
    // A container with one view folds the view's header into the side bar title.
    await page.locator('.part.sidebar .composite.title', { hasText: /R1/ }).waitFor();
    assert.equal(await tab.getAttribute('aria-selected'), 'true', 'the R1 tab is selected');
  });
  await step('the chat panel renders its input', () => panel.input.waitFor());
  await step(`widen the side bar to ${SIDE_BAR_WIDTH} px`, () => widenSideBar(page, SIDE_BAR_WIDTH));
}

async function main(): Promise<ScenarioResult[]> {
  const started = Date.now();
  mkdirSync(artifacts, { recursive: true });
  // A failure screenshot left by an earlier run would point at a failure this run did not have.
  for (const name of readdirSync(artifacts)) if (/^e2e-failure-.*\.png$/.test(name)) rmSync(join(artifacts, name));
  const env = readTestEnv();
  const vsix = await step('package the platform VSIX (scripts/package.mjs)', packagePlatformVsix);
  const modelDir = join(repoRoot, '.vscode-test', `e2e-model-${process.pid}`);
  mkdirSync(modelDir, { recursive: true });
  const modelPath = join(modelDir, 'r1-script-model.gguf');
  writeScriptModel(modelPath);
  const deepseek = await startDeepSeekServer();
  const server = await step('start code-server with the VSIX installed', () =>
    startCodeServer({
      label: 'e2e',
      vsixFiles: [vsix],
      settings: {
        'r1Coder.cloud.baseUrl': deepseek.baseUrl,
        // The local scenario picks local per request; the default source stays cloud.
        'r1Coder.local.threads': 1,
        'r1Coder.local.gpuLayers': 0,
      },
      // A machine-scoped setting: code-server reads it from the remote settings only.
      machineSettings: { 'r1Coder.local.modelPath': modelPath },
      workspaceFiles: {
        [CONTEXT_FILE]: CONTEXT_SOURCE,
        [SUM_FILE]: SUM_SOURCE,
        [CART_FILE]: CART_SOURCE,
        [REPORT_FILE]: REPORT_SOURCE,
      },
    }),
  );
  const browser = await launchChromium(env.chromium);
  const browserLog: string[] = [];
  let results: ScenarioResult[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.on('console', (message) => browserLog.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`[pageerror] ${error.message}`));
    await page.goto(server.workbenchUrl());
    const panel = new ChatPanel(page);
    try {
      await openChatView(page, panel);
    } catch (error) {
      await page.screenshot({ path: join(artifacts, 'e2e-failure-setup.png') }).catch(() => undefined);
      const message = `set-up failed: ${error instanceof Error ? error.message : String(error)}`;
      console.error(`[e2e] ✗ ${message}\n[e2e]   screenshot: test-artifacts/e2e-failure-setup.png`);
      return SCENARIOS.map((scenario) => ({ name: scenario.name, ok: false, ms: 0, error: message }));
    }
    const context: E2eContext = {
      page,
      server,
      deepseek,
      panel,
      artifacts,
      localModel: { path: modelPath, ...expectedSplit(DEFAULT_SCRIPT) },
      apiKeySet: false,
    };
    results = await runScenarios(context, SELECTED, SCENARIO_TIMEOUT_MS);
    return results;
  } finally {
    const ok = results.length === SELECTED.length && results.every((result) => result.ok);
    writeFileSync(join(artifacts, 'e2e-browser.log'), browserLog.join('\n') + '\n');
    if (!ok) {
      console.error(`[e2e] browser log: test-artifacts/e2e-browser.log`);
      console.error(`--- code-server output (run folder kept: ${server.runDir}) ---\n${server.output().slice(-4000)}`);
    }
    await browser.close().catch(() => undefined);
    await server.stop({ keep: !ok });
    await deepseek.close();
    rmSync(vsix, { force: true });
    rmSync(modelDir, { recursive: true, force: true });
    log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (results) => {
    for (const result of results)
      log(`${result.ok ? '✓' : '✗'} ${result.name}${result.error ? ` — ${result.error.split('\n')[0]}` : ''}`);
    const passed = results.filter((result) => result.ok).length;
    console.log(`${passed} passed, ${results.length - passed} failed`);
    process.exitCode = passed === results.length && passed > 0 ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    console.log(`0 passed, ${SCENARIOS.length} failed`);
    process.exitCode = 1;
  },
);
