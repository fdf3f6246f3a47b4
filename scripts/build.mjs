// One esbuild script, every bundle: the extension host (node/cjs, `vscode` and `node-llama-cpp`
// external), the local inference worker, the CLI, the webview (browser), and the tests that run
// inside the extension host. `--production` minifies and drops sourcemaps; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Paths are relative to the repository, wherever the script is started from. */
const common = { absWorkingDir: root };

const nodeCommon = {
  ...common,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // node-llama-cpp ships native binaries and loads them relative to its own files.
  external: ['vscode', 'node-llama-cpp'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

/** Every bundle; each entry point must exist (see checkEntries). */
const builds = [
  { ...nodeCommon, entryPoints: ['src/host/extension.ts'], outfile: 'dist/extension.js' },
  { ...nodeCommon, entryPoints: ['src/providers/local/worker.ts'], outfile: 'dist/localWorker.js' },
  {
    ...nodeCommon,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
  },
  ...(production
    ? []
    : [
        {
          ...nodeCommon,
          entryPoints: ['test/host/index.ts'],
          outfile: 'out/test/host/index.js',
          sourcemap: 'inline',
          // mocha's parallel mode (unused) resolves worker files at run time; its warnings are noise.
          logOverride: { 'require-resolve-not-external': 'silent' },
        },
      ]),
];

/**
 * Stops before anything is built when an entry point is missing: a renamed or deleted source (the
 * worker, say) must fail the build, not leave a VSIX that silently lacks its bundle.
 */
function checkEntries() {
  const missing = builds.flatMap((options) => options.entryPoints).filter((entry) => !existsSync(join(root, entry)));
  if (missing.length === 0) return;
  console.error(
    `scripts/build.mjs: missing entry point${missing.length > 1 ? 's' : ''}:\n${missing.map((entry) => `  ${entry}\n`).join('')}` +
      'Restore the file, or update its entry in scripts/build.mjs if it was renamed. Nothing was built.',
  );
  process.exit(1);
}

function copyStatic() {
  // Codicons are served to the webview from dist/, so the VSIX needs no node_modules.
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) {
    copyFileSync(join(root, 'node_modules/@vscode/codicons/dist', file), join(root, 'dist', file));
  }
}

process.chdir(root);
checkEntries();
copyStatic();
if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log(`watching ${builds.length} bundles`);
} else {
  const started = Date.now();
  await Promise.all(builds.map((options) => esbuild.build(options)));
  console.log(`built ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
