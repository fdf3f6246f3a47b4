/**
 * The GPU memory probe with the real node-llama-cpp: getLlama() in a child process, on whatever
 * this machine has. Without a GPU the answer is "no GPU, 0 bytes"; with one, its total memory.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeGpuMemory } from '../../src/providers/local/gpuMemoryProbe';

describe('GPU memory probe (real node-llama-cpp)', () => {
  it('answers with the backend and its memory, within the time limit', { timeout: 120_000 }, async () => {
    const started = performance.now();
    const result = await probeGpuMemory({ cwd: process.cwd(), timeoutMs: 100_000 });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(result.ok, `the probe answered: ${result.ok ? '' : result.reason}`);
    console.log(`GPU probe: ${JSON.stringify(result)} in ${seconds.toFixed(1)} s`);
    if (result.gpu === false) assert.equal(result.vramBytes, 0);
    else assert.ok(result.vramBytes > 0, `${result.gpu} reports its memory`);
  });
});
