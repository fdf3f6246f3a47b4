/**
 * A GGUF of the exact DeepSeek-R1-Distill-Qwen-1.5B shape (qwen2, hidden 1536, 28 layers, 12 heads,
 * 2 KV heads, FFN 8960, vocab 151936) with random Q4_0 weights, for benchmarks: it costs what the
 * real model costs per token, without downloading 1 GB. Written once and cached under .bench-cache/.
 *
 * The vocabulary is byte-level (256 byte tokens, the DeepSeek control tokens, `<think>`/`</think>`)
 * padded with filler words to 151,936 entries; there are no merges, so ASCII text costs exactly one
 * token per character, which makes a 512-token prompt easy to build.
 */

import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { distillQwen2Metadata } from './distillTemplate';
import {
  encodedChunks,
  GgmlType,
  GgufFileType,
  gpt2ByteToUnicode,
  tensorByteSize,
  toHalf,
  TokenType,
  writeGguf,
  type GgufTensor,
} from './ggufWriter';
import { ASSISTANT, BOS, EOS, THINK_CLOSE, THINK_OPEN, USER } from './scriptModel';

export const R1_DISTILL_1_5B_SHAPE = {
  hidden: 1536,
  layers: 28,
  heads: 12,
  kvHeads: 2,
  ffn: 8960,
  vocab: 151936,
  contextLength: 131072,
} as const;

export type ModelShape = { readonly [K in keyof typeof R1_DISTILL_1_5B_SHAPE]: number };

/** Bump when the file's content changes, so stale caches are not reused. */
const CACHE_VERSION = 1;

export function shapedModelCachePath(root: string, shape: ModelShape = R1_DISTILL_1_5B_SHAPE): string {
  const tag = shape === R1_DISTILL_1_5B_SHAPE ? 'r1-distill-qwen-1.5b-shape' : `qwen2-${shape.hidden}x${shape.layers}`;
  return join(root, '.bench-cache', `${tag}-q4_0-v${CACHE_VERSION}.gguf`);
}

/** Returns the cached model's path, writing it first when missing (about 1 GB, a few seconds). */
export function ensureShapedModel(
  root: string,
  shape: ModelShape = R1_DISTILL_1_5B_SHAPE,
): { path: string; created: boolean } {
  const path = shapedModelCachePath(root, shape);
  if (existsSync(path) && statSync(path).size > 0) return { path, created: false };
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  writeShapedModel(partial, shape);
  renameSync(partial, path); // a killed run never leaves a half-written file under the final name
  return { path, created: true };
}

export function writeShapedModel(path: string, shape: ModelShape = R1_DISTILL_1_5B_SHAPE): number {
  const { hidden, layers, heads, kvHeads, ffn, vocab } = shape;
  const kvDim = (hidden / heads) * kvHeads;
  const tokens = [...gpt2ByteToUnicode(), BOS, EOS, USER, ASSISTANT, THINK_OPEN, THINK_CLOSE];
  const types: number[] = tokens.map((_, id) =>
    id < 256 ? TokenType.NORMAL : id < 260 ? TokenType.CONTROL : TokenType.USER_DEFINED,
  );
  for (let id = tokens.length; id < vocab; id++) {
    // Distinct filler words, some with a leading space (Ġ), like a BPE vocabulary.
    tokens.push(`${id % 3 === 0 ? 'Ġ' : ''}w${id.toString(36)}`);
    types.push(TokenType.NORMAL);
  }

  const q4 = (name: string, dims: number[]): GgufTensor => ({
    name,
    dims,
    type: GgmlType.Q4_0,
    data: randomQ4_0(tensorByteSize(dims, GgmlType.Q4_0)),
  });
  const constant = (name: string, size: number, value: number): GgufTensor => ({
    name,
    dims: [size],
    type: GgmlType.F32,
    data: encodedChunks(new Float32Array(size).fill(value), GgmlType.F32),
  });
  const tensors: GgufTensor[] = [
    q4('token_embd.weight', [hidden, vocab]),
    constant('output_norm.weight', hidden, 1),
    q4('output.weight', [hidden, vocab]),
  ];
  for (let layer = 0; layer < layers; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      constant(`${blk}.attn_norm.weight`, hidden, 1),
      q4(`${blk}.attn_q.weight`, [hidden, hidden]),
      constant(`${blk}.attn_q.bias`, hidden, 0),
      q4(`${blk}.attn_k.weight`, [hidden, kvDim]),
      constant(`${blk}.attn_k.bias`, kvDim, 0),
      q4(`${blk}.attn_v.weight`, [hidden, kvDim]),
      constant(`${blk}.attn_v.bias`, kvDim, 0),
      q4(`${blk}.attn_output.weight`, [hidden, hidden]),
      constant(`${blk}.ffn_norm.weight`, hidden, 1),
      q4(`${blk}.ffn_gate.weight`, [hidden, ffn]),
      q4(`${blk}.ffn_up.weight`, [hidden, ffn]),
      q4(`${blk}.ffn_down.weight`, [ffn, hidden]),
    );
  }
  return writeGguf(path, {
    metadata: distillQwen2Metadata({
      name: 'R1-Distill-Qwen-1.5B shape (random Q4_0)',
      fileType: GgufFileType.MOSTLY_Q4_0,
      contextLength: shape.contextLength,
      hidden,
      layers,
      ffn,
      heads,
      kvHeads,
      tokens,
      tokenTypes: types,
      bosId: 256,
      eosId: 257,
    }),
    tensors,
  });
}

/** Random Q4_0 blocks (18 bytes: f16 scale, 16 bytes of nibbles) with weights of std ≈ 0.02. */
function randomQ4_0(bytes: number): () => Iterable<Uint8Array> {
  const blockBytes = 18;
  const chunkBlocks = 1 << 16;
  const scale = toHalf(0.0045);
  return function* () {
    const chunk = Buffer.alloc(chunkBlocks * blockBytes);
    for (let written = 0; written < bytes;) {
      const size = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, size);
      for (let offset = 0; offset < size; offset += blockBytes) chunk.writeUInt16LE(scale, offset);
      yield chunk.subarray(0, size);
      written += size;
    }
  };
}
