/**
 * The entry of the production-mode host run (test/harness/runProductionTests.ts): R1 Coder is
 * installed from its packaged VSIX, so the extension host runs it in ExtensionMode.Production; these
 * tests come from a tiny test-runner extension, the only one loaded in development/test mode.
 */
import { runMochaTests } from '../mochaRunner';

export async function run(): Promise<void> {
  await runMochaTests('out/test/host-production/index.js', () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('./testSurface.test');
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
}
