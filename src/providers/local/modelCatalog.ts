/**
 * The curated R1-Distill GGUF downloads offered by "R1: Download Local Model". Data only: the
 * download code takes URLs from here, so tests point them at a loopback server instead
 * (R1_CODER_MODEL_CATALOG_URL_BASE).
 *
 * Sizes are the approximate download sizes Hugging Face lists (decimal GB), not exact byte counts,
 * so a download is checked against them with a tolerance; the exact check is against the size the
 * server announces. No sha256 is listed: we have not verified one, and an invented checksum would
 * fail every download.
 */

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
  /** Exact SHA-256 of the file, only where verified; undefined otherwise. */
  readonly sha256?: string;
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

/** The URL to download a catalog model from, honouring the test override. */
export function catalogDownloadUrl(model: CatalogModel, env: NodeJS.ProcessEnv = process.env): string {
  const base = env[CATALOG_URL_BASE_ENV]?.trim();
  return base ? `${base.replace(/\/+$/, '')}/${encodeURIComponent(model.fileName)}` : model.url;
}
