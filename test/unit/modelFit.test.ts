/**
 * Whether a model fits this machine, and which catalog model to recommend. The rule is pure: the
 * machine's RAM and GPU memory (measured, or not known) go in, a judgement comes out.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODEL_CATALOG, type CatalogModel } from '../../src/providers/local/modelCatalog';
import {
  assessFit,
  catalogMemoryBytes,
  describeMachine,
  recommendCatalogModel,
  type MachineMemory,
} from '../../src/providers/local/modelFit';

const GiB = 1024 ** 3;

/** What node-llama-cpp reports for a 24 GB card (an RTX 3090/4090): 24 GiB. */
const GPU_24GB = 24 * GiB;

function catalogModel(parameters: string): CatalogModel {
  const model = MODEL_CATALOG.find((entry) => entry.parameters === parameters);
  assert.ok(model, `the catalog has a ${parameters} model`);
  return model;
}

function recommended(machine: MachineMemory): string | undefined {
  return recommendCatalogModel(MODEL_CATALOG, machine)?.parameters;
}

describe('memory fit', () => {
  const laptop: MachineMemory = { ramBytes: 16e9, vramBytes: 0 };
  const gamingPc: MachineMemory = { ramBytes: 32e9, vramBytes: 12e9 };

  it('places a model on the GPU, in RAM, across both, tight, or nowhere', () => {
    assert.equal(assessFit(5.4e9, laptop).kind, 'ram');
    assert.equal(assessFit(13e9, laptop).kind, 'tight');
    const tooBig = assessFit(22e9, laptop);
    assert.equal(tooBig.kind, 'tooBig');
    assert.equal(tooBig.text, 'too big for this machine (needs ~22.0 GB, has 16.0 GB RAM)');
    assert.equal(assessFit(5.4e9, gamingPc).kind, 'gpu');
    assert.equal(assessFit(22e9, gamingPc).kind, 'ram');
    assert.equal(assessFit(30e9, gamingPc).kind, 'gpuAndRam');
    assert.equal(
      assessFit(50e9, gamingPc).text,
      'too big for this machine (needs ~50.0 GB, has 32.0 GB RAM + 12.0 GB GPU)',
    );
  });

  it('a 24 GB GPU with 16 GB of RAM runs the 32B Q4_K_M on the GPU', () => {
    const model = catalogModel('32B');
    assert.equal(model.quantization, 'Q4_K_M');
    const fit = assessFit(catalogMemoryBytes(model), { ramBytes: 16 * GiB, vramBytes: GPU_24GB });
    assert.equal(fit.kind, 'gpu');
    assert.equal(fit.text, 'fits in GPU memory');
  });

  it('with GPU memory not measured, the same 32B is judged by RAM alone and says so', () => {
    const fit = assessFit(catalogMemoryBytes(catalogModel('32B')), { ramBytes: 16 * GiB, vramBytes: undefined });
    assert.equal(fit.kind, 'tooBig');
    assert.equal(fit.text, 'too big for this machine’s RAM (needs ~22.2 GB, has 17.2 GB RAM; GPU memory unknown)');
    // Known to have no GPU: the plain verdict.
    assert.equal(
      assessFit(catalogMemoryBytes(catalogModel('32B')), { ramBytes: 16 * GiB, vramBytes: 0 }).text,
      'too big for this machine (needs ~22.2 GB, has 17.2 GB RAM)',
    );
  });

  it('a catalog model’s need: weights, a 4096-token f16 KV cache and buffers', () => {
    // 19.85 GB × 1.05 + 64 layers × 8 KV heads × 128 × 2 × 2 bytes × 4096 + 0.3 GB
    assert.equal(catalogMemoryBytes(catalogModel('32B')), Math.round(19.85e9 * 1.05 + 262_144 * 4096 + 0.3e9));
  });
});

describe('the recommended catalog model', () => {
  it('24 GB GPU + 16 GB RAM: the 32B; unknown GPU memory on the same machine: the 14B', () => {
    assert.equal(recommended({ ramBytes: 16 * GiB, vramBytes: GPU_24GB }), '32B');
    assert.equal(recommended({ ramBytes: 16 * GiB, vramBytes: undefined }), '14B');
  });

  it('8 GB of RAM and no GPU: the 7B, not the Llama 8B listed as its alternative', () => {
    assert.equal(recommended({ ramBytes: 8 * GiB, vramBytes: 0 }), '7B');
    // The 8B fits there too: it is left out as an alternative, not for size.
    assert.equal(assessFit(catalogMemoryBytes(catalogModel('8B')), { ramBytes: 8 * GiB, vramBytes: 0 }).kind, 'ram');
  });

  it('4 GB of RAM: the 1.5B; 2 GB: nothing fits, nothing is recommended', () => {
    assert.equal(recommended({ ramBytes: 4 * GiB, vramBytes: 0 }), '1.5B');
    assert.equal(recommended({ ramBytes: 2 * GiB, vramBytes: 0 }), undefined);
  });

  it('a workstation with 64 GB of RAM: the 70B; 23 GB of RAM and no GPU: the 14B', () => {
    assert.equal(recommended({ ramBytes: 64 * GiB, vramBytes: 0 }), '70B');
    assert.equal(recommended({ ramBytes: 23 * GiB, vramBytes: 0 }), '14B');
  });

  it('counts RAM and GPU together when a model fits neither alone', () => {
    // 32B needs ~22.2 GB: 12 GB GPU (10.8 usable) + 16 GB RAM (12 usable).
    const machine: MachineMemory = { ramBytes: 16e9, vramBytes: 12e9 };
    assert.equal(assessFit(catalogMemoryBytes(catalogModel('32B')), machine).kind, 'gpuAndRam');
    assert.equal(recommended(machine), '32B');
  });

  it('never recommends a tight fit', () => {
    // 14B needs ~10.6 GB: more than 75% of 12 GB RAM, less than all of it.
    const machine: MachineMemory = { ramBytes: 12e9, vramBytes: 0 };
    assert.equal(assessFit(catalogMemoryBytes(catalogModel('14B')), machine).kind, 'tight');
    assert.equal(recommended(machine), '7B');
  });
});

describe('the machine in words', () => {
  it('RAM with the GPU, with none, or with GPU memory not known', () => {
    assert.equal(describeMachine({ ramBytes: 16 * GiB, vramBytes: GPU_24GB }), '17.2 GB RAM + 25.8 GB GPU');
    assert.equal(describeMachine({ ramBytes: 23e9, vramBytes: 0 }), '23.0 GB RAM, no GPU');
    assert.equal(describeMachine({ ramBytes: 23e9, vramBytes: undefined }), '23.0 GB RAM, GPU memory unknown');
  });
});
