/**
 * scripts/patch-node-llama-cpp.mjs (npm postinstall) on copies of the installed LlamaContext.js:
 * it patches the original text once, leaves a patched copy alone, and refuses a text it does not
 * know (a new node-llama-cpp) with a message saying what to review.
 */

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

interface PatchModule {
  readonly PATCHED_FILE: string;
  readonly ORIGINAL: string;
  readonly PATCHED: string;
  patchState(text: string): 'patched' | 'original' | 'unknown';
  patchNodeLlamaCpp(packageDir: string, options?: { check?: boolean }): string;
}

const installed = join(__dirname, '..', '..', 'node_modules', 'node-llama-cpp');
let patch: PatchModule;
let dir: string;
let originalText: string;

before(async () => {
  const script = pathToFileURL(join(__dirname, '..', '..', 'scripts', 'patch-node-llama-cpp.mjs')).href;
  patch = (await import(script)) as PatchModule;
  dir = mkdtempSync(join(tmpdir(), 'r1-patch-nlc-'));
  // The installed copy is original (before postinstall) or patched: derive the original either way.
  const text = readFileSync(join(installed, patch.PATCHED_FILE), 'utf8');
  originalText = text.replace(patch.PATCHED, patch.ORIGINAL);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function packageWith(name: string, text: string): { packageDir: string; file: string } {
  const packageDir = join(dir, name);
  const file = join(packageDir, patch.PATCHED_FILE);
  mkdirSync(dirname(file), { recursive: true });
  cpSync(join(installed, 'package.json'), join(packageDir, 'package.json'));
  writeFileSync(file, text);
  return { packageDir, file };
}

describe('patch-node-llama-cpp', () => {
  it('the installed node-llama-cpp is patched (npm postinstall ran)', () => {
    const text = readFileSync(join(installed, patch.PATCHED_FILE), 'utf8');
    assert.equal(patch.patchState(text), 'patched', 'run: node scripts/patch-node-llama-cpp.mjs');
  });

  it('patches the original once: the acceptance records the accepted token, nothing else changes', () => {
    assert.equal(patch.patchState(originalText), 'original');
    const { packageDir, file } = packageWith('original', originalText);
    assert.throws(() => patch.patchNodeLlamaCpp(packageDir, { check: true }), /is not patched/);
    assert.match(patch.patchNodeLlamaCpp(packageDir), /patched speculative verification/);
    const patched = readFileSync(file, 'utf8');
    assert.equal(patch.patchState(patched), 'patched');
    assert.equal(patched.replace(patch.PATCHED, patch.ORIGINAL), originalText);
    assert.match(patched, /validatedTokens\.push\(\[evalTokens\[i\], resultToken\]\)/);

    assert.match(patch.patchNodeLlamaCpp(packageDir), /already patched/);
    assert.equal(readFileSync(file, 'utf8'), patched, 'a second run changes nothing');
    assert.match(patch.patchNodeLlamaCpp(packageDir, { check: true }), /already patched/);
  });

  it('fails loudly on a node-llama-cpp it does not know, and leaves it untouched', () => {
    const changed = originalText.replace(
      'this._loadedTokenPredictions.push([evalTokens[i]',
      'this._accept([evalTokens[i]',
    );
    assert.notEqual(changed, originalText);
    const { packageDir, file } = packageWith('unknown', changed);
    assert.throws(() => patch.patchNodeLlamaCpp(packageDir), /needs review/);
    assert.equal(readFileSync(file, 'utf8'), changed);
  });
});
