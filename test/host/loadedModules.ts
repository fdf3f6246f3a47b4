/**
 * What the extension host has loaded, for the checks that activation stays cheap. Both probes read
 * process-wide state of the extension host (all extensions share it), so they see what R1 Coder's
 * activate() loaded however it was bundled; activation.test.ts checks that each probe turns true
 * once its module does load, so neither can pass vacuously.
 */
import { realpathSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The openai SDK is bundled into dist/extension.js behind a dynamic import, so it never appears in
 * require.cache. Evaluating it defines this global registry (openai/internal/provider.mjs).
 */
const OPENAI_MARK = Symbol.for('openai.node.providerDefinitions.v1');

export function openAiLoaded(): boolean {
  return OPENAI_MARK in globalThis;
}

/**
 * node-llama-cpp stays external (an ES module, invisible to require.cache), but importing it loads
 * CommonJS files from its own package folder (its private dependencies), and those are in
 * require.cache. `extensionPath` is R1 Coder's folder, whose node_modules holds the copy it would load.
 */
export function nodeLlamaCppFilesLoaded(extensionPath: string): string[] {
  const dir = realpathSync(join(extensionPath, 'node_modules', 'node-llama-cpp')) + sep;
  return Object.keys(require.cache).filter((file) => file.startsWith(dir));
}
