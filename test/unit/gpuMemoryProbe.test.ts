/**
 * The GPU memory probe's answer line and its failure path. The real measurement (node-llama-cpp's
 * getLlama in a child process) is in test/local/gpuMemoryProbe.test.ts.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseProbeOutput, probeGpuMemory } from '../../src/providers/local/gpuMemoryProbe';

describe('GPU memory probe', () => {
  it('reads the answer line among other output', () => {
    assert.deepEqual(
      parseProbeOutput('[node-llama-cpp] noise\nR1_GPU_PROBE {"gpu":"cuda","vramBytes":25757220864}\n'),
      { ok: true, gpu: 'cuda', vramBytes: 25757220864 },
    );
    assert.deepEqual(parseProbeOutput('R1_GPU_PROBE {"gpu":false,"vramBytes":0}\n'), {
      ok: true,
      gpu: false,
      vramBytes: 0,
    });
  });

  it('no answer line, or a malformed one, is no answer', () => {
    for (const output of [
      '',
      'Cannot find package',
      'R1_GPU_PROBE not json',
      'R1_GPU_PROBE {"gpu":"cuda"}',
      'R1_GPU_PROBE {"gpu":"cuda","vramBytes":-1}',
      'R1_GPU_PROBE {"gpu":1,"vramBytes":0}',
    ])
      assert.equal(parseProbeOutput(output), undefined, output);
  });

  it('where node-llama-cpp cannot be loaded, says why instead of throwing', { timeout: 30_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'r1-gpu-probe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const result = await probeGpuMemory({ cwd: dir, timeoutMs: 25_000 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /node-llama-cpp/);
  });

  it('an abort ends it at once', { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const pending = probeGpuMemory({ cwd: process.cwd(), signal: controller.signal });
    controller.abort();
    assert.deepEqual(await pending, { ok: false, reason: 'cancelled' });
  });
});
