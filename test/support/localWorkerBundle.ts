/**
 * Builds src/providers/local/worker.ts the way scripts/build.mjs builds dist/localWorker.js (one
 * CommonJS bundle, node-llama-cpp external), so tests and the benchmark run the production worker.
 * The bundle lands under out/ (git-ignored) inside the repo, where node_modules resolves.
 */

import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '..', '..');

export async function buildLocalWorker(outfile = join(root, 'out', 'test', 'localWorker.js')): Promise<string> {
  await esbuild.build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'node-llama-cpp'],
    entryPoints: [join(root, 'src', 'providers', 'local', 'worker.ts')],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
