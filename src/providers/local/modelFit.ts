/**
 * Whether a model fits this machine's memory, and which catalog model to recommend. Pure: the
 * machine's RAM and GPU memory go in (GPU memory as node-llama-cpp measured it, or not known), a
 * judgement comes out. The host measures; this decides.
 */

import type { CatalogModel } from './modelCatalog';
import { formatSize } from './sizeText';

/** Context size the estimate assumes; R1 Coder's own cap is larger but shrinks to fit memory. */
export const ESTIMATE_CONTEXT_TOKENS = 4096;

/** Weights + KV cache for the context + compute buffers (llama.cpp's are ~0.3 GB plus a few % of the weights). */
export function estimateMemoryBytes(
  weightsBytes: number,
  kvBytesPerToken: number,
  contextTokens = ESTIMATE_CONTEXT_TOKENS,
): number {
  return Math.round(weightsBytes * 1.05 + kvBytesPerToken * contextTokens + 0.3e9);
}

/** The memory a catalog model needs to run, from its listed download size and KV shape. */
export function catalogMemoryBytes(model: CatalogModel): number {
  return estimateMemoryBytes(model.sizeBytes, model.kvBytesPerToken);
}

export interface MachineMemory {
  readonly ramBytes: number;
  /**
   * Total GPU memory: 0 when there is no GPU (or the settings keep models off it), undefined when
   * it is not known (not measured yet, or the measurement failed). Unknown is judged as none, but
   * a "too big" verdict then says the GPU was not counted.
   */
  readonly vramBytes: number | undefined;
}

export type FitKind = 'gpu' | 'ram' | 'gpuAndRam' | 'tight' | 'tooBig';

export interface ModelFit {
  readonly kind: FitKind;
  /** "fits in RAM", "too big for this machine (needs ~22.0 GB, has 16.0 GB RAM)"… */
  readonly text: string;
}

/** The OS, VS Code and the rest need some RAM; a model that takes more than this share will swap. */
const RAM_SHARE = 0.75;
const VRAM_SHARE = 0.9;

/** Fits where it runs without starving the machine: on the GPU, in RAM, or split across both. */
const RUNS_WELL: ReadonlySet<FitKind> = new Set(['gpu', 'ram', 'gpuAndRam']);

export function assessFit(memoryBytes: number, machine: MachineMemory): ModelFit {
  const vramBytes = machine.vramBytes ?? 0;
  const ram = machine.ramBytes * RAM_SHARE;
  const vram = vramBytes * VRAM_SHARE;
  if (vram > 0 && memoryBytes <= vram) return { kind: 'gpu', text: 'fits in GPU memory' };
  if (memoryBytes <= ram) return { kind: 'ram', text: 'fits in RAM' };
  if (vram > 0 && memoryBytes <= ram + vram) return { kind: 'gpuAndRam', text: 'fits in RAM + GPU memory' };
  if (memoryBytes <= machine.ramBytes + vramBytes)
    return { kind: 'tight', text: 'tight fit: little memory left for anything else' };
  const needs = `needs ~${formatSize(memoryBytes)}`;
  if (machine.vramBytes === undefined) {
    return {
      kind: 'tooBig',
      text: `too big for this machine’s RAM (${needs}, has ${formatSize(machine.ramBytes)} RAM; GPU memory unknown)`,
    };
  }
  const has =
    vramBytes > 0
      ? `${formatSize(machine.ramBytes)} RAM + ${formatSize(vramBytes)} GPU`
      : `${formatSize(machine.ramBytes)} RAM`;
  return { kind: 'tooBig', text: `too big for this machine (${needs}, has ${has})` };
}

/**
 * The largest catalog model that runs well here (on the GPU, in RAM, or across both; never a tight
 * fit), leaving out entries listed as another's alternative. undefined when none does.
 */
export function recommendCatalogModel(
  catalog: readonly CatalogModel[],
  machine: MachineMemory,
): CatalogModel | undefined {
  let best: CatalogModel | undefined;
  for (const model of catalog) {
    if (model.alternativeTo !== undefined) continue;
    if (!RUNS_WELL.has(assessFit(catalogMemoryBytes(model), machine).kind)) continue;
    if (!best || model.parameterCount > best.parameterCount) best = model;
  }
  return best;
}

/** "34.4 GB RAM + 25.8 GB GPU", "24.7 GB RAM, no GPU", "24.7 GB RAM, GPU memory unknown". */
export function describeMachine(machine: MachineMemory): string {
  const ram = `${formatSize(machine.ramBytes)} RAM`;
  if (machine.vramBytes === undefined) return `${ram}, GPU memory unknown`;
  return machine.vramBytes > 0 ? `${ram} + ${formatSize(machine.vramBytes)} GPU` : `${ram}, no GPU`;
}
