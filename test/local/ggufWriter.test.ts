/**
 * The GGUF writer and the synthesized models the local-provider tests stand on, checked against
 * node-llama-cpp's own parser and runtime (never a mock).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { R1_DISTILL_CHAT_TEMPLATE } from '../gguf/distillTemplate';
import {
  array,
  encodeTensor,
  f32,
  GgmlType,
  gpt2ByteToUnicode,
  tensorByteSize,
  toHalf,
  u32,
  u64,
  writeGguf,
} from '../gguf/ggufWriter';
import {
  DEFAULT_SCRIPT,
  expectedSplit,
  longScript,
  splitScript,
  THINK_CLOSE,
  THINK_OPEN,
  writeScriptModel,
} from '../gguf/scriptModel';

type NodeLlamaCpp = typeof import('node-llama-cpp');
let nlc: NodeLlamaCpp;
let dir: string;

before(async () => {
  nlc = await import('node-llama-cpp');
  dir = mkdtempSync(join(tmpdir(), 'r1-gguf-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

describe('GGUF encoding', () => {
  it('converts to IEEE half precision with round-to-nearest-even', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [2 ** -24, 0x0001], // smallest subnormal
      [1e-8, 0x0000],
      [1 + 2 ** -11, 0x3c00], // halfway: ties to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) assert.equal(toHalf(value), bits, `toHalf(${value})`);
    assert.equal(toHalf(NaN) & 0x7c00, 0x7c00);
    assert.notEqual(toHalf(NaN) & 0x3ff, 0);
  });

  it('lays out Q8_0 blocks as an f16 scale and 32 int8 values', () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => i - 16);
    const bytes = encodeTensor(values, GgmlType.Q8_0);
    assert.equal(bytes.length, 34);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const scale = fromHalf(view.getUint16(0, true));
    assert.ok(Math.abs(scale - 16 / 127) < 1e-4);
    for (let i = 0; i < 32; i++) assert.equal(view.getInt8(2 + i), Math.round((i - 16) / (16 / 127)));
  });

  it('round-trips Q4_0 blocks: the extreme exactly, the rest within one step', () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7) * (i % 5 === 0 ? 3 : 1));
    const bytes = encodeTensor(values, GgmlType.Q4_0);
    assert.equal(bytes.length, tensorByteSize([64], GgmlType.Q4_0));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    for (let block = 0; block < 2; block++) {
      const scale = fromHalf(view.getUint16(block * 18, true));
      const original = values.subarray(block * 32, block * 32 + 32);
      const extreme = original.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
      for (let i = 0; i < 32; i++) {
        const byte = view.getUint8(block * 18 + 2 + (i % 16));
        const nibble = i < 16 ? byte & 0x0f : byte >> 4;
        const decoded = (nibble - 8) * scale;
        // Like ggml, the extreme maps to -8; values of the other sign clip at +7 (one step at most).
        const tolerance = original[i] === extreme ? Math.abs(extreme) * 1e-3 : Math.abs(scale) + 1e-3;
        assert.ok(Math.abs(decoded - original[i]!) <= tolerance, `block ${block} element ${i}`);
      }
    }
  });

  it('writes a file that node-llama-cpp parses back: metadata, tensor table, alignment, sparse data', async () => {
    const path = join(dir, 'roundtrip.gguf');
    const weights = Float32Array.from({ length: 64 * 3 }, (_, i) => i / 10);
    const size = writeGguf(path, {
      metadata: {
        'general.architecture': 'llama',
        'general.name': 'round trip',
        'llama.block_count': u32(7),
        'llama.rope.freq_base': f32(10000.5),
        'test.flag': true,
        'test.big': u64(2n ** 40n),
        'test.words': array('string', ['a', 'b', '']),
      },
      tensors: [
        { name: 'a', dims: [64, 3], type: GgmlType.F32, data: () => [encodeTensor(weights, GgmlType.F32)] },
        {
          name: 'b',
          dims: [33],
          type: GgmlType.F16,
          data: () => [encodeTensor(new Float32Array(33).fill(1), GgmlType.F16)],
        },
        {
          name: 'c',
          dims: [64, 2],
          type: GgmlType.Q8_0,
          data: () => [encodeTensor(weights.subarray(0, 128), GgmlType.Q8_0)],
        },
        { name: 'hole', dims: [32, 1000], type: GgmlType.Q4_0 },
      ],
    });
    assert.equal(statSync(path).size, size);
    const info = await nlc.readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
    assert.equal(info.version, 3);
    assert.equal(info.metadata.general.name, 'round trip');
    const raw = info.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(raw.llama!.block_count, 7);
    assert.equal(raw.llama!.rope && (raw.llama!.rope as Record<string, number>).freq_base, 10000.5);
    assert.equal(raw.test!.flag, true);
    assert.equal(BigInt(raw.test!.big as number | bigint), 2n ** 40n);
    assert.deepEqual(raw.test!.words, ['a', 'b', '']);
    const tensors = info.tensorInfo!;
    assert.deepEqual(
      tensors.map((tensor) => [tensor.name, tensor.dimensions.map(Number), tensor.ggmlType]),
      [
        ['a', [64, 3], GgmlType.F32],
        ['b', [33], GgmlType.F16],
        ['c', [64, 2], GgmlType.Q8_0],
        ['hole', [32, 1000], GgmlType.Q4_0],
      ],
    );
    for (const tensor of tensors) assert.equal(Number(tensor.fileOffset) % 32, 0, `${tensor.name} is aligned`);
    const last = tensors.at(-1)!;
    assert.equal(size, Number(last.fileOffset) + tensorByteSize([32, 1000], GgmlType.Q4_0));
  });
});

describe('script model', () => {
  it('splits a script into unique pieces that are not byte tokens and rebuild the script', () => {
    const taken = new Set([...gpt2ByteToUnicode(), THINK_OPEN, THINK_CLOSE]);
    for (const script of [DEFAULT_SCRIPT, longScript(50, 50)]) {
      const pieces = splitScript(script, taken);
      assert.equal(pieces.join(''), script);
      const text = pieces.filter((piece) => piece !== THINK_OPEN && piece !== THINK_CLOSE);
      assert.equal(new Set(text).size, text.length, 'pieces are unique');
      for (const piece of text) assert.ok(!taken.has(piece), `${JSON.stringify(piece)} collides with a fixed token`);
      assert.equal(pieces[1], '\n', 'the newline after <think> is its own state');
    }
  });

  it('carries the R1-Distill chat template and a vocabulary without duplicates', async () => {
    const path = join(dir, 'script.gguf');
    const written = writeScriptModel(path);
    const info = await nlc.readGgufFileInfo(path, { logWarnings: false });
    const tokenizer = info.metadata.tokenizer as unknown as {
      chat_template: string;
      ggml: { tokens: string[]; pre: string };
    };
    assert.equal(tokenizer.chat_template, R1_DISTILL_CHAT_TEMPLATE);
    assert.equal(tokenizer.ggml.pre, 'deepseek-r1-qwen');
    assert.equal(tokenizer.ggml.tokens.length, written.vocabularySize);
    assert.equal(new Set(tokenizer.ggml.tokens).size, tokenizer.ggml.tokens.length);

    const broken = join(dir, 'duplicate.gguf');
    writeScriptModel(broken, DEFAULT_SCRIPT, { duplicateToken: true });
    const brokenTokens = (
      (await nlc.readGgufFileInfo(broken, { logWarnings: false })).metadata.tokenizer as unknown as {
        ggml: { tokens: string[] };
      }
    ).ggml.tokens;
    assert.equal(
      new Set(brokenTokens).size,
      brokenTokens.length - 1,
      'exactly one duplicated string (never loaded here: it aborts)',
    );
  });

  it('makes node-llama-cpp generate the exact script, at temperature 0 and 0.6', async () => {
    const path = join(dir, 'generate.gguf');
    writeScriptModel(path);
    const llama = await nlc.getLlama({ gpu: false, maxThreads: 0, logLevel: nlc.LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({ contextSize: 1024, threads: 1 });
    try {
      for (const temperature of [0, 0.6]) {
        const sequence = context.getSequence();
        const chat = new nlc.LlamaChat({ contextSequence: sequence });
        assert.ok(chat.chatWrapper instanceof nlc.DeepSeekChatWrapper, 'the wrapper is resolved from the template');
        const result = await chat.generateResponse(
          [
            { type: 'user', text: 'Why is the sum wrong?' },
            { type: 'model', response: [] },
          ],
          { temperature, topP: 0.95, seed: 7 },
        );
        const text = result.fullResponse
          .map((item) => (typeof item === 'string' ? item : `${THINK_OPEN}${item.text}${THINK_CLOSE}`))
          .join('');
        assert.equal(text, DEFAULT_SCRIPT, `temperature ${temperature}`);
        assert.equal(result.metadata.stopReason, 'eogToken');
        chat.dispose();
        await sequence.dispose();
      }
    } finally {
      await context.dispose();
      await model.dispose();
    }
    assert.deepEqual(expectedSplit(DEFAULT_SCRIPT), {
      reasoning: 'The loop skips the last element.',
      answer: 'Use `i <= n`:\n```ts\nfor (let i = 0; i <= n; i++) total += values[i];\n```',
    });
  });
});
