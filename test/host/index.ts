/**
 * The extension-host test entry: code-server (test/harness/runHostTests.ts) and
 * @vscode/test-electron (test/electron/runTests.mjs) load the bundle of this file
 * (out/test/host/index.js) and call run(). It resolves when every test passed.
 */
import { runMochaTests } from './mochaRunner';

export async function run(): Promise<void> {
  await runMochaTests('out/test/host/index.js', () => {
    // require, not import: imports would run before the globals exist. esbuild still bundles these.
    /* eslint-disable @typescript-eslint/no-require-imports */
    // First: it checks what start-up alone did, before any other test touches R1 Coder.
    require('./activation.test');
    // Needs a window where the panel was never opened and nothing was saved: before the others.
    require('./freshWindow.test');
    require('./firstRequests.test');
    require('./contributions.test');
    require('./apiKey.test');
    require('./chat.test');
    require('./chatContext.test');
    require('./fixSelection.test');
    require('./fixSamples.test');
    require('./applyCode.test');
    require('./contextSources.test');
    require('./editFiles.test');
    require('./hardening.test');
    require('./localModel.test');
    require('./walkthrough.test');
    require('./soak.test');
    require('./pickerBench.test');
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
}
