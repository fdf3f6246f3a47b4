/**
 * The curated R1-Distill GGUF downloads offered by "R1: Download Local Model", and the download
 * request each entry makes. In the extension-host tests (and only there) the URLs can be pointed at
 * a loopback server (R1_CODER_MODEL_CATALOG_URL_BASE); the caller says whether that is allowed.
 *
 * Sizes are the approximate download sizes Hugging Face lists (decimal GB), not exact byte counts,
 * so a download is checked against them with a tolerance; the exact check is against the size the
 * server announces. A `sha256`, where an entry has one, is checked after the download.
 */

import type { DownloadRequest } from './modelDownload';

export interface CatalogModel {
  readonly id: string;
  readonly label: string;
  /** Base model family, "Qwen" or "Llama". */
  readonly family: string;
  /** Size class as DeepSeek names it, e.g. "7B". */
  readonly parameters: string;
  readonly parameterCount: number;
  readonly quantization: string;
  readonly fileName: string;
  readonly url: string;
  /** Approximate download size in bytes (Hugging Face's listing, rounded). */
  readonly sizeBytes: number;
  /**
   * Lower-case hex SHA-256 of the file, checked after every download of it (a mismatch deletes the
   * file). Only a checksum taken from the published file belongs here: a guessed one fails every
   * download.
   */
  readonly sha256?: string;
  /** The id of the entry this one is an alternative to: listed, never the recommended one. */
  readonly alternativeTo?: string;
  /** KV-cache bytes per context token at f16: layers × KV heads × head size × 2 (K and V) × 2 bytes. */
  readonly kvBytesPerToken: number;
  /** One line on who it is for. */
  readonly note: string;
}

/** Relative tolerance for the approximate catalog sizes: catches HTML error pages and wrong files. */
export const CATALOG_SIZE_TOLERANCE = 0.1;

/** Set in tests so catalog downloads come from a loopback server: `${base}/${fileName}`. */
export const CATALOG_URL_BASE_ENV = 'R1_CODER_MODEL_CATALOG_URL_BASE';

const hf = (repo: string, file: string) => `https://huggingface.co/${repo}/resolve/main/${file}`;
const kv = (layers: number, kvHeads: number, headSize = 128) => layers * kvHeads * headSize * 2 * 2;

/**
 * No entry has a sha256 yet: Hugging Face publishes each file's SHA-256 (its LFS oid), but none has
 * been copied from there and checked against a download, so the downloads are checked by size and
 * GGUF header only. Add `sha256` to an entry once it is verified.
 */
export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'r1-distill-qwen-1.5b',
    label: 'DeepSeek-R1-Distill-Qwen-1.5B',
    family: 'Qwen',
    parameters: '1.5B',
    parameterCount: 1.78e9,
    // Q8_0: a 1.5B model loses too much at 4 bits, and 8 bits is still under 2 GB.
    quantization: 'Q8_0',
    fileName: 'DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF', 'DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf'),
    sizeBytes: 1.89e9,
    kvBytesPerToken: kv(28, 2),
    note: 'Small and fast; runs on any machine, weakest reasoning',
  },
  {
    id: 'r1-distill-qwen-7b',
    label: 'DeepSeek-R1-Distill-Qwen-7B',
    family: 'Qwen',
    parameters: '7B',
    parameterCount: 7.62e9,
    quantization: 'Q4_K_M',
    fileName: 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF', 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf'),
    sizeBytes: 4.68e9,
    kvBytesPerToken: kv(28, 4),
    note: 'Good first choice for laptops with 8–16 GB',
  },
  {
    id: 'r1-distill-llama-8b',
    label: 'DeepSeek-R1-Distill-Llama-8B',
    family: 'Llama',
    parameters: '8B',
    parameterCount: 8.03e9,
    quantization: 'Q4_K_M',
    fileName: 'DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Llama-8B-GGUF', 'DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf'),
    sizeBytes: 4.92e9,
    kvBytesPerToken: kv(32, 8),
    // DeepSeek's own evaluation puts the Qwen 7B ahead of it on math, so size alone is no reason to prefer it.
    alternativeTo: 'r1-distill-qwen-7b',
    note: 'Llama-based alternative to the 7B',
  },
  {
    id: 'r1-distill-qwen-14b',
    label: 'DeepSeek-R1-Distill-Qwen-14B',
    family: 'Qwen',
    parameters: '14B',
    parameterCount: 14.8e9,
    quantization: 'Q4_K_M',
    fileName: 'DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF', 'DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf'),
    sizeBytes: 8.99e9,
    kvBytesPerToken: kv(48, 8),
    note: 'Noticeably better reasoning; wants 16 GB or a 12 GB GPU',
  },
  {
    id: 'r1-distill-qwen-32b',
    label: 'DeepSeek-R1-Distill-Qwen-32B',
    family: 'Qwen',
    parameters: '32B',
    parameterCount: 32.8e9,
    quantization: 'Q4_K_M',
    fileName: 'DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Qwen-32B-GGUF', 'DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf'),
    sizeBytes: 19.85e9,
    kvBytesPerToken: kv(64, 8),
    note: 'The strongest distill for its size; wants 32 GB or a 24 GB GPU',
  },
  {
    id: 'r1-distill-llama-70b',
    label: 'DeepSeek-R1-Distill-Llama-70B',
    family: 'Llama',
    parameters: '70B',
    parameterCount: 70.6e9,
    quantization: 'Q4_K_M',
    fileName: 'DeepSeek-R1-Distill-Llama-70B-Q4_K_M.gguf',
    url: hf('bartowski/DeepSeek-R1-Distill-Llama-70B-GGUF', 'DeepSeek-R1-Distill-Llama-70B-Q4_K_M.gguf'),
    sizeBytes: 42.52e9,
    kvBytesPerToken: kv(80, 8),
    note: 'Workstations only: 64 GB of RAM or 48 GB of GPU memory',
  },
];

export interface CatalogSourceOptions {
  /** Whether R1_CODER_MODEL_CATALOG_URL_BASE may redirect the download: true only for test surface. */
  readonly allowOverride: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** The loopback base URL the tests set, when they may: undefined in normal use. */
function overrideBase(options: CatalogSourceOptions): string | undefined {
  if (!options.allowOverride) return undefined;
  return (options.env ?? process.env)[CATALOG_URL_BASE_ENV]?.trim() || undefined;
}

/** The URL to download a catalog model from: its Hugging Face URL, or the test server's when allowed. */
export function catalogDownloadUrl(model: CatalogModel, options: CatalogSourceOptions): string {
  const base = overrideBase(options);
  return base ? `${base.replace(/\/+$/, '')}/${encodeURIComponent(model.fileName)}` : model.url;
}

/**
 * What downloading a catalog model asks of downloadModel: its URL, file name, approximate size and
 * checksum. A redirected download skips the size check (the catalog sizes describe the real files,
 * not what a test server sends) but keeps the checksum.
 */
export function catalogDownloadRequest(
  model: CatalogModel,
  options: CatalogSourceOptions & { readonly dirPath: string },
): Pick<DownloadRequest, 'url' | 'fileName' | 'dirPath' | 'expectedSizeBytes' | 'sizeTolerance' | 'sha256'> {
  const redirected = overrideBase(options) !== undefined;
  return {
    url: catalogDownloadUrl(model, options),
    fileName: model.fileName,
    dirPath: options.dirPath,
    expectedSizeBytes: redirected ? undefined : model.sizeBytes,
    sizeTolerance: CATALOG_SIZE_TOLERANCE,
    sha256: model.sha256,
  };
}
