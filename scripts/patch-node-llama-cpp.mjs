// npm postinstall: fixes node-llama-cpp's speculative verification in node_modules.
//
// node-llama-cpp 3.22.1 (LlamaContextSequence._speculativeEvaluate) checks each drafted token after
// the first against the last accepted one, read from a `validatedTokens` list it declares but never
// fills: so at most one drafted token is accepted per batch, and the rest of every draft is refuted
// and erased. The fix records each accepted token. test/local/speculativeBatch.test.ts fails
// without it.
//
//   node scripts/patch-node-llama-cpp.mjs           patch (idempotent), say what was done
//   node scripts/patch-node-llama-cpp.mjs --check   exit 1 unless the installed copy is patched
//
// When neither the original nor the patched text is there (a new node-llama-cpp), it fails loudly:
// check whether the new version still has the bug, then update or drop this patch.
// scripts/package.mjs checks that the VSIX ships the patched file.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PATCHED_FILE = 'dist/evaluator/LlamaContext/LlamaContext.js';

const ACCEPT = `                                if (lastValidatedTokenOutput != null && lastValidatedTokenOutput === evalTokens[i]) {
                                    this._loadedTokenPredictions.push([evalTokens[i], [resultToken, probabilities, confidence]]);
`;
export const ORIGINAL = ACCEPT;
export const PATCHED = `${ACCEPT}                                    validatedTokens.push([evalTokens[i], resultToken]); // r1-coder patch: accept more than one drafted token per batch
`;

/** 'patched' | 'original' | 'unknown' for the text of LlamaContext.js. */
export function patchState(text) {
  if (text.includes(PATCHED)) return 'patched';
  const at = text.indexOf(ORIGINAL);
  if (at >= 0 && text.indexOf(ORIGINAL, at + 1) < 0 && text.includes('const validatedTokens = [];')) return 'original';
  return 'unknown';
}

/** Explains an unknown state: what to do about a node-llama-cpp this patch does not know. */
export function unknownMessage(file, version) {
  return (
    `patch-node-llama-cpp: ${file} (node-llama-cpp ${version}) has neither the original nor the patched ` +
    `text of _speculativeEvaluate's acceptance check.\nA new node-llama-cpp needs review: if it still never fills ` +
    '`validatedTokens`, update scripts/patch-node-llama-cpp.mjs; if it fixed the bug, remove the patch and the ' +
    'postinstall script (test/local/speculativeBatch.test.ts says which).'
  );
}

/** Patches node-llama-cpp in `packageDir`; returns what it did. Throws when the text is unknown. */
export function patchNodeLlamaCpp(packageDir, { check = false } = {}) {
  const file = join(packageDir, PATCHED_FILE);
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const text = readFileSync(file, 'utf8');
  const state = patchState(text);
  if (state === 'unknown') throw new Error(unknownMessage(file, version));
  if (state === 'patched') return `node-llama-cpp ${version}: speculative verification already patched (${file})`;
  if (check) throw new Error(`node-llama-cpp ${version} is not patched: run node scripts/patch-node-llama-cpp.mjs`);
  writeFileSync(file, text.replace(ORIGINAL, PATCHED));
  if (patchState(readFileSync(file, 'utf8')) !== 'patched')
    throw new Error(`patch-node-llama-cpp: writing ${file} failed`);
  return `node-llama-cpp ${version}: patched speculative verification (every matching drafted token is accepted) in ${file}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    console.log(
      patchNodeLlamaCpp(join(root, 'node_modules', 'node-llama-cpp'), { check: process.argv.includes('--check') }),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
