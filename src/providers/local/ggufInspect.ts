/**
 * Checks and describes a GGUF file before llama.cpp touches it. Runs in the worker process:
 * llama.cpp aborts the whole process on some malformed files, and a clear message ("not a GGUF",
 * "truncated", "needs 40 GB") beats a crash report, so everything that can be checked in JavaScript
 * is checked first.
 */

import { open, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import type { GgufFileInfo, Llama } from 'node-llama-cpp';
import {
  LocalModelError,
  notAFileError,
  notGgufError,
  tooLargeError,
  truncatedError,
  unreadableFileError,
  unreadableGgufError,
} from './localErrors';
import type { GgufInspection } from './workerProtocol';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/** Reads and validates the file's header and tensor table; throws LocalModelError when unusable. */
export async function readModelFile(
  lib: NodeLlamaCpp,
  path: string,
): Promise<{ info: GgufFileInfo; sizeBytes: number }> {
  let sizeBytes: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw notAFileError(path);
    sizeBytes = stats.size;
  } catch (error) {
    if (error instanceof LocalModelError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadableFileError(path, code ?? String(error));
  }
  const magic = await readMagic(path);
  if (magic !== 'GGUF') throw notGgufError(path);
  let info: GgufFileInfo;
  try {
    info = await lib.readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false, spliceSplitFiles: false });
  } catch (error) {
    throw unreadableGgufError(path, error);
  }
  return { info, sizeBytes };
}

/** Bytes of tensor data the header declares (its end offset in the file). */
export function declaredDataEnd(info: GgufFileInfo): number {
  let end = info.infoEndOffset ?? 0;
  for (const tensor of info.tensorInfo ?? []) {
    const tensorEnd = Number(tensor.fileOffset) + tensorBytes(tensor.ggmlType, tensor.dimensions.map(Number));
    if (tensorEnd > end) end = tensorEnd;
  }
  return end;
}

export function checkNotTruncated(path: string, info: GgufFileInfo, sizeBytes: number): void {
  const end = declaredDataEnd(info);
  if (end > sizeBytes) throw truncatedError(path, end, sizeBytes);
}

/** Memory needed to hold the weights with `gpuLayers` offloaded, from node-llama-cpp's estimates. */
export async function estimateWeights(lib: NodeLlamaCpp, info: GgufFileInfo, llama: Llama, gpuLayers: number) {
  const insights = await lib.GgufInsights.from(info, llama);
  const layers = Math.min(gpuLayers, insights.totalLayers);
  const { cpuRam, gpuVram } = await insights.estimateModelResourceRequirementsV2({ gpuLayers: layers });
  return { cpuRam, gpuVram, insights };
}

/** Refuses a model that cannot fit in RAM plus VRAM (llama.cpp would thrash or be killed). */
export async function checkFitsInMemory(
  lib: NodeLlamaCpp,
  path: string,
  info: GgufFileInfo,
  llama: Llama,
): Promise<void> {
  const { cpuRam } = await estimateWeights(lib, info, llama, 0);
  const vram = llama.gpu ? (await llama.getVramState()).total : 0;
  const ram = totalmem();
  if (cpuRam > ram + vram) throw tooLargeError(path, cpuRam, ram, vram);
}

export async function inspectModelFile(lib: NodeLlamaCpp, path: string, llama: Llama): Promise<GgufInspection> {
  const { info, sizeBytes } = await readModelFile(lib, path);
  const { cpuRam, insights } = await estimateWeights(lib, info, llama, 0);
  const allLayers = await estimateWeights(lib, info, llama, insights.totalLayers + 1);
  const vram = llama.gpu ? (await llama.getVramState()).total : 0;
  const general = info.metadata.general;
  const fileType = general?.file_type;
  return {
    path,
    sizeBytes,
    name: general?.name,
    architecture: general?.architecture,
    fileType: fileType === undefined ? undefined : (lib.GgufFileType[fileType] ?? String(fileType)),
    parameterCount: insights.totalParameters,
    layers: insights.totalLayers,
    trainContextSize: insights.trainContextSize,
    chatTemplate: typeof info.metadata.tokenizer?.chat_template === 'string',
    cpuOnlyRamBytes: cpuRam,
    totalRamBytes: totalmem(),
    totalVramBytes: vram,
    fitsInRam: cpuRam <= totalmem(),
    fitsInVram: vram > 0 && allLayers.gpuVram <= vram,
  };
}

/** The first four bytes of a file ("GGUF" for a model), read without loading anything else. */
export async function readMagic(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await file.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await file.close();
  }
}

/** ggml block sizes (elements, bytes) for the types GGUF model files use. */
const BLOCKS: Record<number, readonly [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
  39: [32, 17], // MXFP4
};

/** Size of a tensor's data; 0 for types this table does not know (never a false "truncated"). */
function tensorBytes(type: number, dims: readonly number[]): number {
  const block = BLOCKS[type];
  if (!block) return 0;
  const elements = dims.reduce((product, dim) => product * dim, 1);
  return Math.ceil(elements / block[0]) * block[1];
}
