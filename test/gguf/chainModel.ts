/**
 * "Chain models" for speculative decoding: script models (see scriptModel.ts: a bigram machine that
 * always emits the same text) that can (a) cost what a real model costs per token, (b) share one
 * vocabulary with another chain model, and (c) disagree with their twin on a known share of tokens.
 *
 * - Cost: the layers of any shape (the 1.5B shape included) are written as all-zero Q4_0 tensors
 *   (sparse holes in the file, so ~1 GB of weights takes no disk space and no time to write).
 *   llama.cpp multiplies zeros as fast as anything else, so a token costs the real model's time,
 *   while zero attention-output and FFN-down keep the residual stream equal to the embedding.
 * - Vocabulary: byte tokens, the DeepSeek control tokens, `<think>`/`</think>`, the script's pieces,
 *   then filler words up to `vocabularySize`. Two models written from the same script with the same
 *   size have identical vocabularies (what a draft model needs).
 * - Disagreement: with `disagreeEvery: k`, the transition out of every k-th chain state skips one
 *   token, so a draft model predicts the main model's next token for a known share (1 - 1/k) of
 *   states. That share is synthetic: it says nothing about how often a real 1.5B agrees with a 7B.
 *
 * Embedding and output rows are Q4_0 too, written block by block (a row holds at most a few hot
 * values; all of them equal, so one block scale represents them exactly).
 */

import { createHash } from 'node:crypto';
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
import { ASSISTANT, BOS, EOS, splitScript, THINK_CLOSE, THINK_OPEN, USER } from './scriptModel';
import { R1_DISTILL_1_5B_SHAPE } from './shapedModel';

export interface ChainShape {
  /** At least twice the square root of the number of states, a multiple of 32. */
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffn: number;
}

/** Costs almost nothing per token (tests, and the draft of a pair). */
export const TINY_CHAIN_SHAPE: ChainShape = { hidden: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 128 };
/** Costs what R1-Distill-Qwen-1.5B costs per token. */
export const DISTILL_1_5B_CHAIN_SHAPE: ChainShape = {
  hidden: R1_DISTILL_1_5B_SHAPE.hidden,
  layers: R1_DISTILL_1_5B_SHAPE.layers,
  heads: R1_DISTILL_1_5B_SHAPE.heads,
  kvHeads: R1_DISTILL_1_5B_SHAPE.kvHeads,
  ffn: R1_DISTILL_1_5B_SHAPE.ffn,
};

export interface ChainModelOptions {
  readonly shape?: ChainShape;
  /** Pad the vocabulary with filler words to this many tokens (default: no padding). */
  readonly vocabularySize?: number;
  /** Every k-th transition skips a token (a draft that agrees on 1 - 1/k of the states). */
  readonly disagreeEvery?: number;
  /**
   * Ignore the script's chain: after any token, predict this vocabulary token with certainty. A
   * draft that always proposes a token its main model never emits (zero acceptance, full drafting).
   */
  readonly alwaysPredict?: string;
  readonly name?: string;
  readonly contextLength?: number;
}

export interface ChainModelInfo {
  readonly path: string;
  readonly vocabularySize: number;
  /** Tokens of the chain the model emits after `<｜Assistant｜>` (the script's pieces, then EOS). */
  readonly chainLength: number;
  /** Transitions that differ from the faithful chain (0 without disagreeEvery). */
  readonly changedTransitions: number;
}

export function writeChainModel(path: string, script: string, options: ChainModelOptions = {}): ChainModelInfo {
  const shape = options.shape ?? TINY_CHAIN_SHAPE;
  const byteTokens = gpt2ByteToUnicode();
  const fixed = [BOS, EOS, USER, ASSISTANT, THINK_OPEN, THINK_CLOSE];
  const pieces = splitScript(script, new Set([...byteTokens, ...fixed]));
  const tokens = [...byteTokens, ...fixed];
  const types: number[] = [
    ...byteTokens.map(() => TokenType.NORMAL),
    ...fixed.map((_, index) => (index < 4 ? TokenType.CONTROL : TokenType.USER_DEFINED)),
  ];
  const idOf = new Map<string, number>(tokens.map((token, id) => [token, id]));
  for (const piece of pieces) {
    if (idOf.has(piece)) continue;
    idOf.set(piece, tokens.length);
    tokens.push(piece);
    types.push(TokenType.USER_DEFINED);
  }
  for (let id = tokens.length; tokens.length < (options.vocabularySize ?? 0); id++) {
    const filler = `${id % 3 === 0 ? 'Ġ' : ''}w${id.toString(36)}`;
    if (idOf.has(filler)) continue; // every token string must be unique (llama.cpp aborts otherwise)
    idOf.set(filler, tokens.length);
    tokens.push(filler);
    types.push(TokenType.NORMAL);
  }

  const chain = [ASSISTANT, ...pieces, EOS].map((token) => idOf.get(token)!);
  const successors = new Map<number, number>();
  let changed = 0;
  chain.slice(0, -1).forEach((state, index) => {
    if (successors.has(state)) throw new Error(`chain state ${JSON.stringify(tokens[state])} repeats`);
    const every = options.disagreeEvery ?? 0;
    const skip = every > 0 && index % every === every - 1 && index + 2 < chain.length;
    if (skip) changed++;
    successors.set(state, chain[index + (skip ? 2 : 1)]!);
  });
  const states = [...successors.keys()];
  const groups = shape.hidden / 2;
  if (groups * groups < states.length || shape.hidden % 64 !== 0) {
    throw new Error(`hidden ${shape.hidden} cannot hold ${states.length} states`);
  }
  // State k is two-hot (k mod groups, groups + k div groups); its successor's output row repeats it.
  const hotOfState = new Map<number, readonly [number, number]>();
  states.forEach((state, index) => hotOfState.set(state, [index % groups, groups + Math.floor(index / groups)]));
  const embeddingRows = new Map<number, number[]>();
  const outputRows = new Map<number, number[]>();
  if (options.alwaysPredict !== undefined) {
    const target = idOf.get(options.alwaysPredict);
    if (target === undefined) throw new Error(`${JSON.stringify(options.alwaysPredict)} is not in the vocabulary`);
    hotOfState.clear();
    for (let id = 0; id < tokens.length; id++) embeddingRows.set(id, [0, groups]);
    outputRows.set(target, [0, groups]);
  }
  for (const [state, hot] of hotOfState) {
    embeddingRows.set(state, [...hot]);
    const successor = successors.get(state)!;
    outputRows.set(successor, [...(outputRows.get(successor) ?? []), ...hot]);
  }
  // After RMS norm both hot dimensions are sqrt(hidden / 2); the weight brings the logit to ~80.
  const outputWeight = 40 / Math.sqrt(shape.hidden / 2);

  const { hidden, layers, heads, kvHeads, ffn } = shape;
  const vocab = tokens.length;
  const kvDim = (hidden / heads) * kvHeads;
  const zeroQ4 = (name: string, dims: number[]): GgufTensor => ({ name, dims, type: GgmlType.Q4_0 });
  const constant = (name: string, size: number, value: number): GgufTensor => ({
    name,
    dims: [size],
    type: GgmlType.F32,
    data: encodedChunks(new Float32Array(size).fill(value), GgmlType.F32),
  });
  const tensors: GgufTensor[] = [
    sparseRows('token_embd.weight', hidden, vocab, embeddingRows, 1),
    constant('output_norm.weight', hidden, 1),
    sparseRows('output.weight', hidden, vocab, outputRows, outputWeight),
  ];
  for (let layer = 0; layer < layers; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      constant(`${blk}.attn_norm.weight`, hidden, 1),
      zeroQ4(`${blk}.attn_q.weight`, [hidden, hidden]),
      constant(`${blk}.attn_q.bias`, hidden, 0),
      zeroQ4(`${blk}.attn_k.weight`, [hidden, kvDim]),
      constant(`${blk}.attn_k.bias`, kvDim, 0),
      zeroQ4(`${blk}.attn_v.weight`, [hidden, kvDim]),
      constant(`${blk}.attn_v.bias`, kvDim, 0),
      zeroQ4(`${blk}.attn_output.weight`, [hidden, hidden]),
      constant(`${blk}.ffn_norm.weight`, hidden, 1),
      zeroQ4(`${blk}.ffn_gate.weight`, [hidden, ffn]),
      zeroQ4(`${blk}.ffn_up.weight`, [hidden, ffn]),
      zeroQ4(`${blk}.ffn_down.weight`, [ffn, hidden]),
    );
  }
  writeGguf(path, {
    metadata: distillQwen2Metadata({
      name: options.name ?? 'R1 Coder chain model',
      fileType: GgufFileType.MOSTLY_Q4_0,
      contextLength: options.contextLength ?? 4096,
      hidden,
      layers,
      ffn,
      heads,
      kvHeads,
      tokens,
      tokenTypes: types,
      bosId: idOf.get(BOS)!,
      eosId: idOf.get(EOS)!,
    }),
    tensors,
  });
  return { path, vocabularySize: vocab, chainLength: chain.length - 1, changedTransitions: changed };
}

/**
 * A [hidden, rows] Q4_0 matrix that is zero except `value` at the listed columns of some rows.
 * A block with hot values gets scale -value/8: the hot nibbles are 0 (= value), the others 8 (= 0).
 */
function sparseRows(
  name: string,
  hidden: number,
  rows: number,
  hot: ReadonlyMap<number, readonly number[]>,
  value: number,
): GgufTensor {
  const dims = [hidden, rows];
  const blockBytes = 18;
  const rowBytes = (hidden / 32) * blockBytes;
  const total = tensorByteSize(dims, GgmlType.Q4_0);
  const scale = toHalf(-value / 8);
  const chunkRows = 4096;
  return {
    name,
    dims,
    type: GgmlType.Q4_0,
    data: function* () {
      for (let first = 0; first < rows; first += chunkRows) {
        const count = Math.min(chunkRows, rows - first);
        const chunk = Buffer.alloc(count * rowBytes);
        for (let row = first; row < first + count; row++) {
          const columns = hot.get(row);
          if (!columns) continue;
          const rowStart = (row - first) * rowBytes;
          const blocks = new Set(columns.map((column) => Math.floor(column / 32)));
          for (const block of blocks) {
            const offset = rowStart + block * blockBytes;
            chunk.writeUInt16LE(scale, offset);
            chunk.fill(0x88, offset + 2, offset + blockBytes);
          }
          for (const column of columns) {
            const at = rowStart + Math.floor(column / 32) * blockBytes + 2 + ((column % 32) % 16);
            // Low nibbles hold elements 0..15 of the block, high nibbles 16..31.
            chunk[at] = column % 32 < 16 ? chunk[at]! & 0xf0 : chunk[at]! & 0x0f;
          }
        }
        yield chunk;
      }
      if (rows * rowBytes !== total) throw new Error('sparse Q4_0 size mismatch');
    },
  };
}

/** The cached file for these inputs under .bench-cache/, written when missing. */
export function ensureChainModel(
  root: string,
  tag: string,
  script: string,
  options: ChainModelOptions = {},
): { path: string; created: boolean } {
  const key = createHash('sha256')
    .update(JSON.stringify({ version: 1, script, options }))
    .digest('hex')
    .slice(0, 12);
  const path = join(root, '.bench-cache', `chain-${tag}-${key}.gguf`);
  if (existsSync(path) && statSync(path).size > 0) return { path, created: false };
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  writeChainModel(partial, script, options);
  renameSync(partial, path);
  return { path, created: true };
}

/**
 * The copy-heavy fix workload: a `lines`-line function in the prompt, and a script whose answer is
 * the same function with one line changed (what a Fix or an Apply answer looks like).
 */
export function fixWorkload(lines = 60): { prompt: string; script: string; changedLine: number } {
  const body = Array.from({ length: lines - 2 }, (_, i) =>
    i % 7 === 3
      ? `  if (values[${i}] > limit${i}) return fallback(${i});`
      : `  total${i % 5} += values[${i}] * weight${i} - offset${i};`,
  );
  const changedLine = Math.floor(body.length / 2);
  const original = ['export function score(values: number[]): number {', ...body, '}'];
  const fixed = [...original];
  fixed[changedLine + 1] =
    `  total${changedLine % 5} += values[${changedLine}] * weight${changedLine} + offset${changedLine};`;
  const prompt = `Fix the sign error in this function:\n\n\`\`\`ts\n${original.join('\n')}\n\`\`\``;
  const script = `<think>\nThe offset on line ${changedLine + 2} must be added, not subtracted.\n</think>\n\nHere is the fixed function:\n\n\`\`\`ts\n${fixed.join('\n')}\n\`\`\``;
  return { prompt, script, changedLine: changedLine + 2 };
}
