/**
 * Finds GGUF models already on this machine (recent picks, our downloads, Ollama, LM Studio) and
 * describes each from its GGUF header (size, quantization, parameters, memory need) without
 * loading it. Pure JavaScript: node-llama-cpp's header parser runs here, llama.cpp never does, so a
 * malformed file can only produce a note, not take the extension host down.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir, platform as osPlatform, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { GgufFileInfo } from 'node-llama-cpp';
import { declaredDataEnd, readMagic } from './ggufInspect';
import type { GgufInspection } from './workerProtocol';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * node-llama-cpp is ESM and about a second to import; load it only when a file is described.
 * The module loader keeps the loaded module, so later calls cost nothing.
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  return import('node-llama-cpp');
}

export type ModelSource = 'recent' | 'downloaded' | 'ollama' | 'lmStudio';

export interface ModelCandidate {
  readonly path: string;
  readonly source: ModelSource;
  /** What to call it: the Ollama model name ("deepseek-r1:7b") or the file name. */
  readonly label: string;
}

export interface DiscoveryOptions {
  /** Files the user picked before, most recent first; missing ones are left out. */
  readonly recent?: readonly string[];
  /** Folders R1 Coder downloads into (their *.gguf files are listed as "downloaded"). */
  readonly downloadDirs?: readonly string[];
  /**
   * Home folder to look under (tests use a temp dir). When set, only that home and `env` are
   * searched, not system-wide folders such as a Linux service's /usr/share/ollama.
   */
  readonly homeDir?: string;
  /** Environment for OLLAMA_MODELS; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
}

/** Ollama model stores to read, first wins on duplicates. */
export function ollamaModelRoots(options: DiscoveryOptions = {}): string[] {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? homedir();
  const roots = [env.OLLAMA_MODELS?.trim(), join(home, '.ollama', 'models')];
  // Ollama's Linux installer runs it as a service user whose store is here.
  if (!options.homeDir && (options.platform ?? osPlatform()) === 'linux')
    roots.push('/usr/share/ollama/.ollama/models');
  return unique(roots.filter((root): root is string => !!root).map((root) => resolve(root)));
}

/** LM Studio's model folders: the current one and the pre-0.3 location. */
export function lmStudioModelRoots(options: DiscoveryOptions = {}): string[] {
  const home = options.homeDir ?? homedir();
  return [join(home, '.lmstudio', 'models'), join(home, '.cache', 'lm-studio', 'models')];
}

/** Every candidate, de-duplicated by path: recent first, then downloaded, Ollama, LM Studio. */
export async function findModelCandidates(options: DiscoveryOptions = {}): Promise<ModelCandidate[]> {
  const [downloaded, ollama, lmStudio] = await Promise.all([
    Promise.all((options.downloadDirs ?? []).map((dir) => findGgufFiles(dir, 1))).then((lists) =>
      lists.flat().map((path): ModelCandidate => ({ path, source: 'downloaded', label: basename(path) })),
    ),
    Promise.all(ollamaModelRoots(options).map((root) => findOllamaModels(root))).then((lists) => lists.flat()),
    Promise.all(lmStudioModelRoots(options).map((root) => findGgufFiles(root, 4))).then((lists) =>
      lists.flat().map((path): ModelCandidate => ({ path, source: 'lmStudio', label: basename(path) })),
    ),
  ]);
  const known = new Map<string, ModelCandidate>();
  for (const candidate of [...downloaded, ...ollama, ...lmStudio]) {
    if (!known.has(candidate.path)) known.set(candidate.path, candidate);
  }
  const recent: ModelCandidate[] = [];
  for (const picked of unique((options.recent ?? []).filter((path) => path.trim()).map((path) => resolve(path)))) {
    if (!(await isFile(picked))) continue;
    // A recent pick that is also an Ollama blob keeps its Ollama name: "sha256-…" says nothing.
    recent.push({ path: picked, source: 'recent', label: known.get(picked)?.label ?? basename(picked) });
    known.delete(picked);
  }
  return [...recent, ...known.values()];
}

const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';

/**
 * Ollama keeps `manifests/<registry>/<namespace>/<model>/<tag>` (JSON) and content-addressed blobs;
 * the layer of type "image.model" is the GGUF. Names are shown the way `ollama list` shows them.
 */
export async function findOllamaModels(modelsRoot: string): Promise<ModelCandidate[]> {
  const manifests = join(modelsRoot, 'manifests');
  const found: ModelCandidate[] = [];
  for (const registry of await listDirs(manifests)) {
    for (const namespace of await listDirs(join(manifests, registry))) {
      for (const model of await listDirs(join(manifests, registry, namespace))) {
        for (const tag of await listFiles(join(manifests, registry, namespace, model))) {
          const digest = await modelLayerDigest(join(manifests, registry, namespace, model, tag));
          if (!digest) continue;
          const blob = await ollamaBlobPath(modelsRoot, digest);
          if (!blob) continue; // a pull in progress or a pruned blob: nothing to load
          found.push({ path: blob, source: 'ollama', label: ollamaName(registry, namespace, model, tag) });
        }
      }
    }
  }
  return found.sort((a, b) => a.label.localeCompare(b.label));
}

function ollamaName(registry: string, namespace: string, model: string, tag: string): string {
  if (registry === 'registry.ollama.ai')
    return namespace === 'library' ? `${model}:${tag}` : `${namespace}/${model}:${tag}`;
  return `${registry}/${namespace}/${model}:${tag}`;
}

async function modelLayerDigest(manifestPath: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      layers?: { mediaType?: unknown; digest?: unknown }[];
    };
    const layer = manifest.layers?.find((entry) => entry.mediaType === OLLAMA_MODEL_LAYER);
    return typeof layer?.digest === 'string' && /^sha256[:-][0-9a-f]{64}$/i.test(layer.digest)
      ? layer.digest
      : undefined;
  } catch {
    return undefined; // not JSON, unreadable: not a model we can offer
  }
}

async function ollamaBlobPath(modelsRoot: string, digest: string): Promise<string | undefined> {
  const hex = digest.slice('sha256:'.length);
  // Current Ollama names blobs "sha256-<hex>"; early versions used "sha256:<hex>".
  for (const name of [`sha256-${hex}`, `sha256:${hex}`]) {
    const path = join(modelsRoot, 'blobs', name);
    if (await isFile(path)) return path;
  }
  return undefined;
}

/**
 * *.gguf files under `root`, at most `maxDepth` folders deep. Vision projectors (mmproj) and the
 * second and later parts of split models are left out: neither can be loaded on its own.
 */
export async function findGgufFiles(root: string, maxDepth: number, limit = 500): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (found.length >= limit || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(path)));
      if (isDir) {
        if (depth < maxDepth) await walk(path, depth + 1);
      } else if (isLoadableGgufName(entry.name) && (entry.isFile() || (await isFile(path)))) {
        found.push(path);
      }
    }
  };
  await walk(resolve(root), 0);
  return found;
}

function isLoadableGgufName(name: string): boolean {
  if (!/\.gguf$/i.test(name) || /^mmproj/i.test(name)) return false;
  const split = /-(\d{5})-of-\d{5}\.gguf$/i.exec(name);
  return !split || split[1] === '00001';
}

export type ModelDescription =
  | {
      readonly ok: true;
      readonly sizeBytes: number;
      readonly name?: string;
      readonly architecture?: string;
      /** "Q4_K_M", "Q8_0", "F16"… */
      readonly quantization?: string;
      readonly parameterCount?: number;
      readonly layers?: number;
      readonly contextLength?: number;
      /** f16 KV-cache bytes per context token, when the header says enough to compute it. */
      readonly kvBytesPerToken?: number;
      /** Estimated memory to run it (weights, a 4096-token context, buffers). */
      readonly memoryBytes: number;
    }
  | {
      readonly ok: false;
      readonly sizeBytes?: number;
      /** Short, for a list: "not a GGUF model file", "truncated: …", "unreadable (EACCES)". */
      readonly problem: string;
    };

/** Reads the GGUF header (never the weights) and says what the file is, or why it is unusable. */
export async function describeModelFile(path: string): Promise<ModelDescription> {
  let sizeBytes: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) return { ok: false, problem: 'not a file' };
    sizeBytes = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === 'ENOENT' ? 'file not found' : `unreadable (${code ?? String(error)})` };
  }
  let magic: string;
  try {
    magic = await readMagic(path);
  } catch (error) {
    return { ok: false, sizeBytes, problem: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (magic !== 'GGUF') return { ok: false, sizeBytes, problem: 'not a GGUF model file' };

  let info: GgufFileInfo;
  let lib: NodeLlamaCpp;
  try {
    lib = await loadNodeLlamaCpp();
    info = await lib.readGgufFileInfo(path, {
      readTensorInfo: true,
      logWarnings: false,
      spliceSplitFiles: false,
      // The vocabulary is most of the header and says nothing we show.
      ignoreKeys: [
        'tokenizer.ggml.tokens',
        'tokenizer.ggml.token_type',
        'tokenizer.ggml.merges',
        'tokenizer.ggml.scores',
      ],
    });
  } catch (error) {
    return { ok: false, sizeBytes, problem: `damaged GGUF header (${firstLine(error)})` };
  }
  const dataEnd = declaredDataEnd(info);
  if (dataEnd > sizeBytes) {
    return {
      ok: false,
      sizeBytes,
      problem: `truncated: ${formatSize(sizeBytes)} of ${formatSize(dataEnd)} (an unfinished download?)`,
    };
  }

  const general = info.metadata.general as { name?: unknown; architecture?: unknown; file_type?: unknown } | undefined;
  const architecture = typeof general?.architecture === 'string' ? general.architecture : undefined;
  const arch = (info.architectureMetadata ?? {}) as Record<string, unknown>;
  const layers = positive(arch.block_count);
  const kvBytesPerToken = kvBytesPerTokenOf(arch);
  const weightsBytes = Math.max(0, dataEnd - (info.infoEndOffset ?? 0)) || sizeBytes;
  const fileType = typeof general?.file_type === 'number' ? lib.GgufFileType[general.file_type] : undefined;
  return {
    ok: true,
    sizeBytes,
    name: typeof general?.name === 'string' ? general.name : undefined,
    architecture,
    quantization: fileType ? fileType.replace(/^(MOSTLY|ALL)_/, '') : quantizationFromName(path),
    parameterCount: parameterCountOf(info),
    layers,
    contextLength: positive(arch.context_length),
    kvBytesPerToken,
    memoryBytes: estimateMemoryBytes(weightsBytes, kvBytesPerToken ?? 0),
  };
}

function parameterCountOf(info: GgufFileInfo): number | undefined {
  if (!info.tensorInfo?.length) return undefined;
  let total = 0;
  for (const tensor of info.tensorInfo)
    total += tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
  return total;
}

/** layers × KV heads × (key + value size) × 2 bytes: llama.cpp's default f16 KV cache. */
function kvBytesPerTokenOf(arch: Record<string, unknown>): number | undefined {
  const layers = positive(arch.block_count);
  const attention = (arch.attention ?? {}) as Record<string, unknown>;
  const heads = positive(attention.head_count);
  // Some architectures list KV heads per layer; the largest sizes the cache.
  const kvRaw = attention.head_count_kv;
  const kvHeads = Array.isArray(kvRaw)
    ? Math.max(...kvRaw.map(Number).filter(Number.isFinite))
    : (positive(kvRaw) ?? heads);
  const embedding = positive(arch.embedding_length);
  const keySize = positive(attention.key_length) ?? (embedding && heads ? embedding / heads : undefined);
  const valueSize = positive(attention.value_length) ?? keySize;
  if (!layers || !kvHeads || !keySize || !valueSize) return undefined;
  return layers * kvHeads * (keySize + valueSize) * 2;
}

function quantizationFromName(path: string): string | undefined {
  return /(?:^|[-_.])((?:I?Q\d_[A-Z0-9_]+?)|BF16|F16|F32)(?=\.gguf$|[-.])/i.exec(basename(path))?.[1]?.toUpperCase();
}

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

export interface MachineMemory {
  readonly ramBytes: number;
  /** Total GPU memory; 0 when there is no GPU or it is not known. */
  readonly vramBytes: number;
}

export function thisMachine(vramBytes = 0): MachineMemory {
  return { ramBytes: totalmem(), vramBytes };
}

export type FitKind = 'gpu' | 'ram' | 'gpuAndRam' | 'tight' | 'tooBig';

export interface ModelFit {
  readonly kind: FitKind;
  /** "fits in RAM", "too big for this machine (16 GB RAM)"… */
  readonly text: string;
}

/** The OS, VS Code and the rest need some RAM; a model that takes more than this share will swap. */
const RAM_SHARE = 0.75;
const VRAM_SHARE = 0.9;

export function assessFit(memoryBytes: number, machine: MachineMemory): ModelFit {
  const ram = machine.ramBytes * RAM_SHARE;
  const vram = machine.vramBytes * VRAM_SHARE;
  if (vram > 0 && memoryBytes <= vram) return { kind: 'gpu', text: 'fits in GPU memory' };
  if (memoryBytes <= ram) return { kind: 'ram', text: 'fits in RAM' };
  if (vram > 0 && memoryBytes <= ram + vram) return { kind: 'gpuAndRam', text: 'fits in RAM + GPU memory' };
  if (memoryBytes <= machine.ramBytes + machine.vramBytes)
    return { kind: 'tight', text: 'tight fit: little memory left for anything else' };
  const has =
    machine.vramBytes > 0
      ? `${formatSize(machine.ramBytes)} RAM + ${formatSize(machine.vramBytes)} GPU`
      : `${formatSize(machine.ramBytes)} RAM`;
  return { kind: 'tooBig', text: `too big for this machine (needs ~${formatSize(memoryBytes)}, has ${has})` };
}

/** The machine's memory as the inference worker measured it (node-llama-cpp sees the GPU; we do not). */
export function machineFromInspection(inspection: GgufInspection): MachineMemory {
  return { ramBytes: inspection.totalRamBytes, vramBytes: inspection.totalVramBytes };
}

/** "4.7 GB · Q4_K_M · 7.6B params · fits in RAM", or "12 KB · not a GGUF model file". */
export function describeDetail(description: ModelDescription, machine: MachineMemory): string {
  if (!description.ok) {
    return [description.sizeBytes === undefined ? undefined : formatSize(description.sizeBytes), description.problem]
      .filter(Boolean)
      .join(' · ');
  }
  return [
    formatSize(description.sizeBytes),
    description.quantization,
    description.parameterCount ? `${formatParameterCount(description.parameterCount)} params` : undefined,
    assessFit(description.memoryBytes, machine).text,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Decimal units, the way Hugging Face and Ollama list model sizes ("4.7 GB" for 4,683,075,271 bytes). */
export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** 7_615_616_512 → "7.6B", 494_032_768 → "494M". */
export function formatParameterCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(1)}B`;
  if (count >= 1e6) return `${Math.round(count / 1e6)}M`;
  if (count >= 1e3) return `${Math.round(count / 1e3)}K`;
  return String(count);
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function positive(value: unknown): number | undefined {
  const number = typeof value === 'bigint' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? text;
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
