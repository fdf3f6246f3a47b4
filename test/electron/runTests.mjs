// `npm run test:electron`: the same extension-host suite (out/test/host/index.js) in desktop VS
// Code through @vscode/test-electron, for machines with a display and internet (it downloads VS
// Code into .vscode-test/). `npm test` runs the suite in code-server instead, offline.
//   R1_VSCODE_VERSION=1.95.0 npm run test:electron    (default: stable; "insiders" works too)
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const extensionTestsPath = join(root, 'out', 'test', 'host', 'index.js');
// Its own profile, extensions and workspace, so the user's VS Code setup plays no part.
const runDir = join(root, '.vscode-test', 'electron-run');
const userDataDir = join(runDir, 'user-data');
const workspace = join(runDir, 'workspace');

async function main() {
  if (!existsSync(extensionTestsPath)) {
    console.error(
      `${extensionTestsPath} is missing: run \`node scripts/build.mjs\` first (npm run test:electron does).`,
    );
    return 1;
  }
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'README.md'), '# Workspace for R1 Coder host tests\n');
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'update.mode': 'none' },
      null,
      2,
    ),
  );
  try {
    return await runTests({
      version: process.env.R1_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath,
      launchArgs: [
        workspace,
        '--user-data-dir',
        userDataDir,
        '--extensions-dir',
        join(runDir, 'extensions'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
      ],
      // Names the settings file, as the code-server harness does, so the SecretStorage test can check it.
      extensionTestsEnv: { R1_TEST_USER_SETTINGS: join(userDataDir, 'User', 'settings.json') },
    });
  } catch (error) {
    if (error instanceof TestRunFailedError) return error.code ?? 1;
    console.error(`Could not start VS Code: ${error instanceof Error ? error.message : error}`);
    console.error(
      'This launcher downloads VS Code (internet) and needs a display (or xvfb-run). Offline, use `npm test`.',
    );
    return 1;
  }
}

const code = await main();
// The suite itself prints per-test lines and `N passed, N failed` (prefixed "[r1-test] ").
console.log(
  code === 0
    ? 'electron: all extension-host tests passed'
    : `electron: extension-host tests failed (exit code ${code})`,
);
process.exitCode = code === 0 ? 0 : 1;
