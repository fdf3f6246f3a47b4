/**
 * Model files that must produce clear errors instead of crashes: not a GGUF, truncated, a
 * vocabulary llama.cpp aborts on, and a header that declares more tensor data than any machine here
 * has memory for.
 */

import { closeSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { f32, GgmlType, GgufFileType, u32, writeGguf } from './ggufWriter';
import { DEFAULT_SCRIPT, writeScriptModel } from './scriptModel';

export function writeNotGguf(path: string): void {
  writeFileSync(path, 'This is a README, not a model.\n'.repeat(64));
}

/** A valid script model cut to `fraction` of its size (an interrupted download). */
export function writeTruncatedModel(path: string, fraction = 0.5): void {
  const full = `${path}.full`;
  writeScriptModel(full);
  const size = Math.floor(statSync(full).size * fraction);
  const bytes = Buffer.alloc(size);
  const input = openSync(full, 'r');
  try {
    readSync(input, bytes, 0, size, 0);
  } finally {
    closeSync(input);
  }
  const output = openSync(path, 'w');
  try {
    writeSync(output, bytes);
  } finally {
    closeSync(output);
  }
}

/** Two identical token strings: llama.cpp's GGML_ASSERT aborts the process that loads it. */
export function writeDuplicateTokenModel(path: string): void {
  writeScriptModel(path, DEFAULT_SCRIPT, { duplicateToken: true });
}

/**
 * A complete, well-formed qwen2 GGUF whose tensors total `bytes` (default 1 TiB). The data is a
 * hole in a sparse file, so it costs no disk space.
 */
export function writeHugeModel(path: string, bytes = 2 ** 40): void {
  const hidden = 8192;
  const rows = Math.ceil(bytes / (hidden * 4) / 2);
  writeGguf(path, {
    metadata: {
      'general.architecture': 'qwen2',
      'general.name': 'Declares more weights than memory',
      'general.file_type': u32(GgufFileType.ALL_F32),
      'qwen2.context_length': u32(4096),
      'qwen2.embedding_length': u32(hidden),
      'qwen2.block_count': u32(1),
      'qwen2.feed_forward_length': u32(hidden * 4),
      'qwen2.attention.head_count': u32(64),
      'qwen2.attention.head_count_kv': u32(8),
      'qwen2.rope.freq_base': f32(10000),
      'qwen2.attention.layer_norm_rms_epsilon': f32(1e-6),
    },
    tensors: [
      { name: 'token_embd.weight', dims: [hidden, rows], type: GgmlType.F32 },
      { name: 'output.weight', dims: [hidden, rows], type: GgmlType.F32 },
    ],
  });
}
