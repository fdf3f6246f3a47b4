/**
 * The deterministic "script model": a tiny qwen2 GGUF that node-llama-cpp loads and runs like any
 * R1-Distill model, and that always generates the same text (the script), at temperature 0 or 0.6.
 *
 * How: attention-output and FFN-down weights are zero, so the residual stream holds only the
 * current token's embedding. Each chain state (`<｜Assistant｜>` → script tokens → EOS) gets a
 * two-hot embedding, and the output row of its successor matches that pattern, so the successor's
 * logit is ~80 while every other logit is ≤ 40. A bigram machine, in other words.
 *
 * Script pieces are user-defined tokens (llama.cpp matches those literally before BPE), so
 * re-tokenizing generated text yields the same tokens and the KV cache is reused across turns.
 * Every token string is unique: duplicates make llama.cpp abort the whole process.
 */

import { distillQwen2Metadata } from './distillTemplate';
import {
  encodedChunks,
  GgmlType,
  GgufFileType,
  gpt2ByteToUnicode,
  TokenType,
  writeGguf,
  type GgufTensor,
} from './ggufWriter';

export const BOS = '<｜begin▁of▁sentence｜>';
export const EOS = '<｜end▁of▁sentence｜>';
export const USER = '<｜User｜>';
export const ASSISTANT = '<｜Assistant｜>';
export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/** The script of the issue: a short thought, then a fenced fix. */
export const DEFAULT_SCRIPT =
  '<think>\nThe loop skips the last element.\n</think>\n\nUse `i <= n`:\n```ts\nfor (let i = 0; i <= n; i++) total += values[i];\n```';

export interface ScriptModelOptions {
  /** Token strings that appear twice in the vocabulary (makes llama.cpp abort on load). */
  readonly duplicateToken?: boolean;
  /** Declared training context (node-llama-cpp's "auto" context size never exceeds it). */
  readonly contextLength?: number;
  readonly name?: string;
}

export interface ScriptModelInfo {
  readonly path: string;
  readonly bytes: number;
  /** The script's tokens after the leading `<think>` (what generation emits), as strings. */
  readonly pieces: readonly string[];
  readonly vocabularySize: number;
}

/** Splits a script into reasoning and answer the way R1 Coder should show them. */
export function expectedSplit(script: string): { reasoning: string; answer: string } {
  const close = script.indexOf(THINK_CLOSE);
  const thought = script.startsWith(THINK_OPEN) && close >= 0 ? script.slice(THINK_OPEN.length, close) : '';
  const answer = close >= 0 ? script.slice(close + THINK_CLOSE.length) : script;
  return { reasoning: thought.trim(), answer: answer.replace(/^\s*\n/, '') };
}

export function writeScriptModel(
  path: string,
  script: string = DEFAULT_SCRIPT,
  options: ScriptModelOptions = {},
): ScriptModelInfo {
  const byteTokens = gpt2ByteToUnicode();
  const fixed = [BOS, EOS, USER, ASSISTANT, THINK_OPEN, THINK_CLOSE];
  const scriptTokens = splitScript(script, new Set([...byteTokens, ...fixed]));

  const tokens = [...byteTokens, ...fixed];
  const types: number[] = [
    ...byteTokens.map(() => TokenType.NORMAL),
    TokenType.CONTROL,
    TokenType.CONTROL,
    TokenType.CONTROL,
    TokenType.CONTROL,
    TokenType.USER_DEFINED,
    TokenType.USER_DEFINED,
  ];
  const idOf = new Map<string, number>(tokens.map((token, id) => [token, id]));
  for (const piece of scriptTokens) {
    if (idOf.has(piece)) continue; // only the tags repeat; pieces are unique by construction
    idOf.set(piece, tokens.length);
    tokens.push(piece);
    types.push(TokenType.USER_DEFINED);
  }
  if (options.duplicateToken) {
    // Two identical strings: llama.cpp's GGML_ASSERT(id_to_token.size() == token_to_id.size()).
    tokens.push(tokens[tokens.length - 1]!);
    types.push(TokenType.USER_DEFINED);
  }

  // The chain of states: each state's successor is the next token of the chain.
  const chain = [ASSISTANT, ...scriptTokens, EOS].map((token) => idOf.get(token)!);
  const successors = new Map<number, number>();
  chain.slice(0, -1).forEach((state, index) => {
    if (successors.has(state) && successors.get(state) !== chain[index + 1]) {
      throw new Error(`script token ${JSON.stringify(tokens[state])} would need two successors; write the tags once`);
    }
    successors.set(state, chain[index + 1]!);
  });
  const states = [...successors.keys()];
  const groups = Math.max(64, Math.ceil(Math.sqrt(states.length) / 32) * 32);
  const hidden = groups * 2;
  const vocab = tokens.length;
  const embedding = new Float32Array(hidden * vocab);
  const output = new Float32Array(hidden * vocab);
  states.forEach((state, index) => {
    const low = index % groups;
    const high = groups + Math.floor(index / groups);
    embedding[state * hidden + low] = 1;
    embedding[state * hidden + high] = 1;
    const successor = successors.get(state)!;
    // After RMS norm both hot dimensions are sqrt(hidden / 2); the weight brings the logit to ~80.
    const weight = 40 / Math.sqrt(hidden / 2);
    output[successor * hidden + low] = weight;
    output[successor * hidden + high] = weight;
  });

  const heads = 4;
  const kvHeads = 2;
  const kvDim = (hidden / heads) * kvHeads;
  const ffn = 128;
  const layers = 2;
  const zeros = (...dims: number[]) => f32Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)));
  const ones = (size: number) => f32Tensor(new Float32Array(size).fill(1));
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [hidden, vocab], ...f32Tensor(embedding) },
    { name: 'output_norm.weight', dims: [hidden], ...ones(hidden) },
    { name: 'output.weight', dims: [hidden, vocab], ...f32Tensor(output) },
  ];
  for (let layer = 0; layer < layers; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      { name: `${blk}.attn_norm.weight`, dims: [hidden], ...ones(hidden) },
      { name: `${blk}.attn_q.weight`, dims: [hidden, hidden], ...zeros(hidden, hidden) },
      { name: `${blk}.attn_q.bias`, dims: [hidden], ...zeros(hidden) },
      { name: `${blk}.attn_k.weight`, dims: [hidden, kvDim], ...zeros(hidden, kvDim) },
      { name: `${blk}.attn_k.bias`, dims: [kvDim], ...zeros(kvDim) },
      { name: `${blk}.attn_v.weight`, dims: [hidden, kvDim], ...zeros(hidden, kvDim) },
      { name: `${blk}.attn_v.bias`, dims: [kvDim], ...zeros(kvDim) },
      { name: `${blk}.attn_output.weight`, dims: [hidden, hidden], ...zeros(hidden, hidden) },
      { name: `${blk}.ffn_norm.weight`, dims: [hidden], ...ones(hidden) },
      { name: `${blk}.ffn_gate.weight`, dims: [hidden, ffn], ...zeros(hidden, ffn) },
      { name: `${blk}.ffn_up.weight`, dims: [hidden, ffn], ...zeros(hidden, ffn) },
      { name: `${blk}.ffn_down.weight`, dims: [ffn, hidden], ...zeros(ffn, hidden) },
    );
  }

  const metadata = distillQwen2Metadata({
    name: options.name ?? 'R1 Coder script model',
    fileType: GgufFileType.ALL_F32,
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
  });
  const bytes = writeGguf(path, { metadata, tensors });
  return { path, bytes, pieces: scriptTokens.slice(scriptTokens[0] === THINK_OPEN ? 1 : 0), vocabularySize: vocab };
}

function f32Tensor(values: Float32Array): Pick<GgufTensor, 'type' | 'data'> {
  return { type: GgmlType.F32, data: encodedChunks(values, GgmlType.F32) };
}

/** Qwen2's pre-tokenizer pattern (the inline case-insensitive group spelled out for JS). */
const PRE_TOKENIZER =
  /'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/**
 * The script as a token sequence: the tags as their own tokens and the text between them in
 * pieces that are unique (against `taken` and each other) and re-tokenize to themselves.
 */
export function splitScript(script: string, taken: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const used = new Set(taken);
  const parts = script.split(/(<think>|<\/think>)/).filter((part) => part !== '');
  parts.forEach((part, index) => {
    if (part === THINK_OPEN || part === THINK_CLOSE) {
      out.push(part);
      return;
    }
    let pieces = part.match(PRE_TOKENIZER) ?? [part];
    // A lone "\n" right after the opening tag is its own state, so a prompt that already ends in
    // "<think>\n" (R1's forced prefix) continues the script from there.
    if (parts[index - 1] === THINK_OPEN && part.startsWith('\n')) {
      const rest = part.slice(1);
      pieces = ['\n', ...(rest.match(PRE_TOKENIZER) ?? [])];
    }
    const unique = makeUnique(pieces, used);
    for (const piece of unique) used.add(piece);
    out.push(...unique);
  });
  return out;
}

function makeUnique(pretokens: readonly string[], used: ReadonlySet<string>): string[] {
  // Merge neighbours until every piece is new and every stray occurrence of a piece lies inside a
  // strictly longer piece (llama.cpp matches user-defined tokens longest first).
  let pieces = [...pretokens];
  for (;;) {
    const merged: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < pieces.length; i++) {
      let piece = pieces[i]!;
      while ((used.has(piece) || seen.has(piece)) && i + 1 < pieces.length) piece += pieces[++i]!;
      if (used.has(piece) || seen.has(piece)) {
        // The tail could not be made unique: fold it into the previous piece.
        const previous = merged.pop();
        if (previous === undefined) throw new Error(`cannot make script piece ${JSON.stringify(piece)} unique`);
        seen.delete(previous);
        piece = previous + piece;
      }
      merged.push(piece);
      seen.add(piece);
    }
    const bad = firstAmbiguousPiece(merged);
    if (bad < 0) return merged;
    // Join the ambiguous piece with its successor (or predecessor) and try again.
    const at = bad + 1 < merged.length ? bad : bad - 1;
    if (at < 0) throw new Error('cannot split the script into unambiguous pieces');
    pieces = [...merged.slice(0, at), merged[at]! + merged[at + 1]!, ...merged.slice(at + 2)];
  }
}

/** Index of a piece whose string also occurs where llama.cpp's partition would wrongly match it. */
function firstAmbiguousPiece(pieces: readonly string[]): number {
  const text = pieces.join('');
  const starts: number[] = [];
  let offset = 0;
  for (const piece of pieces) {
    starts.push(offset);
    offset += piece.length;
  }
  const pieceAt = (position: number) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index]!;
    for (let found = text.indexOf(piece); found >= 0; found = text.indexOf(piece, found + 1)) {
      if (found === starts[index]) continue;
      const container = pieceAt(found);
      const inside = found + piece.length <= starts[container]! + pieces[container]!.length;
      if (!inside || pieces[container]!.length <= piece.length) return index;
    }
  }
  return -1;
}

/** A long script for stop-mid-stream tests: `lines` numbered thought lines, then `answerLines` of code. */
export function longScript(lines: number, answerLines: number): string {
  const thought = Array.from({ length: lines }, (_, i) => `Step ${i + 1} checks index ${i} against n.`).join('\n');
  const code = Array.from({ length: answerLines }, (_, i) => `total += values[${i}]; // line ${i + 1}`).join('\n');
  return `<think>\n${thought}\n</think>\n\nHere is the fix:\n\`\`\`ts\n${code}\n\`\`\``;
}
