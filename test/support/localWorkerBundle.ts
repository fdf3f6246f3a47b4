/**
 * Builds src/providers/local/worker.ts the way scripts/build.mjs builds dist/localWorker.js (one
 * CommonJS bundle, node-llama-cpp external), so tests and the benchmark run the production worker.
 * The bundle lands under out/ (git-ignored) inside the repo, where node_modules resolves.
 */

import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '..', '..');

export function buildLocalWorker(outfile = join(root, 'out', 'test', 'localWorker.js')): Promise<string> {
  return buildNodeBundle(join('src', 'providers', 'local', 'worker.ts'), outfile);
}

/** One source entry (relative to the repo root) bundled as scripts/build.mjs bundles the node entries. */
export async function buildNodeBundle(entry: string, outfile: string): Promise<string> {
  await esbuild.build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'node-llama-cpp'],
    entryPoints: [join(root, entry)],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
