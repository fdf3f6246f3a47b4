/**
 * A small streaming GGUF v3 writer for synthesized test and benchmark models. No npm package
 * writes tensors, and the files we need are either tiny (script models) or about 1 GB (the
 * benchmark shape), so tensor data is produced in chunks and written straight to the file.
 *
 * Layout: magic "GGUF", version 3, tensor count (u64), KV count (u64), metadata KVs, tensor infos
 * (name, dims innermost-first, ggml type, offset), padding to the alignment, tensor data (each tensor
 * aligned).
 */

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** llama_ftype values for general.file_type. */
export const GgufFileType = { ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_Q4_0: 2, MOSTLY_Q8_0: 7 } as const;

/** Token types of tokenizer.ggml.token_type (llama.cpp's llama_token_type). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

type ScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';
const VALUE_TYPE: Record<ScalarType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue =
  | { readonly type: ScalarType; readonly value: GgufScalar }
  | { readonly type: 'array'; readonly itemType: ScalarType; readonly value: readonly GgufScalar[] };

/** Plain strings and booleans need no tag; numbers always say their width. */
export type GgufMetadata = Readonly<Record<string, GgufValue | string | boolean>>;

export const u32 = (value: number): GgufValue => ({ type: 'u32', value });
export const i32 = (value: number): GgufValue => ({ type: 'i32', value });
export const f32 = (value: number): GgufValue => ({ type: 'f32', value });
export const u64 = (value: number | bigint): GgufValue => ({ type: 'u64', value });
export const array = (itemType: ScalarType, value: readonly GgufScalar[]): GgufValue => ({
  type: 'array',
  itemType,
  value,
});

export interface GgufTensor {
  readonly name: string;
  /** Innermost (fastest-varying) dimension first, as GGUF stores them: a matrix is [columns, rows]. */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /**
   * Encoded data, in order; the total must equal tensorByteSize(dims, type). Without data the
   * tensor is a hole in a sparse file (reads as zeros, takes no disk space).
   */
  readonly data?: () => Iterable<Uint8Array>;
}

const BLOCK = 32;

export function tensorByteSize(dims: readonly number[], type: GgmlType): number {
  const count = dims.reduce((product, dim) => product * dim, 1);
  switch (type) {
    case GgmlType.F32:
      return count * 4;
    case GgmlType.F16:
      return count * 2;
    case GgmlType.Q8_0:
    case GgmlType.Q4_0: {
      if ((dims[0] ?? 0) % BLOCK !== 0)
        throw new Error(`quantized tensors need a first dimension divisible by ${BLOCK}`);
      return (count / BLOCK) * (type === GgmlType.Q8_0 ? 34 : 18);
    }
  }
}

/** Encodes float values as the given type (quantized types need a length divisible by 32). */
export function encodeTensor(values: Float32Array, type: GgmlType): Uint8Array {
  switch (type) {
    case GgmlType.F32:
      return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case GgmlType.F16: {
      const out = new Uint8Array(values.length * 2);
      const view = new DataView(out.buffer);
      for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toHalf(values[i]!), true);
      return out;
    }
    case GgmlType.Q8_0:
      return quantize(values, 34, (block, view, offset) => {
        const max = Math.max(...block.map(Math.abs));
        const scale = max / 127;
        view.setUint16(offset, toHalf(scale), true);
        for (let i = 0; i < BLOCK; i++) view.setInt8(offset + 2 + i, scale === 0 ? 0 : Math.round(block[i]! / scale));
      });
    case GgmlType.Q4_0:
      return quantize(values, 18, (block, view, offset) => {
        // Like ggml: the value of largest magnitude maps to -8, so its sign fixes the scale's sign.
        let extreme = 0;
        for (const value of block) if (Math.abs(value) > Math.abs(extreme)) extreme = value;
        const scale = extreme / -8;
        view.setUint16(offset, toHalf(scale), true);
        const inverse = scale === 0 ? 0 : 1 / scale;
        const nibble = (value: number) => Math.min(15, Math.max(0, Math.round(value * inverse + 8)));
        // Low nibbles hold elements 0..15, high nibbles 16..31.
        for (let i = 0; i < 16; i++) view.setUint8(offset + 2 + i, nibble(block[i]!) | (nibble(block[i + 16]!) << 4));
      });
  }
}

function quantize(
  values: Float32Array,
  blockBytes: number,
  encode: (block: number[], view: DataView, offset: number) => void,
): Uint8Array {
  if (values.length % BLOCK !== 0) throw new Error(`quantized tensors need a length divisible by ${BLOCK}`);
  const out = new Uint8Array((values.length / BLOCK) * blockBytes);
  const view = new DataView(out.buffer);
  for (let block = 0; block < values.length / BLOCK; block++) {
    encode(Array.from(values.subarray(block * BLOCK, (block + 1) * BLOCK)), view, block * blockBytes);
  }
  return out;
}

/** IEEE 754 half precision, round to nearest even. */
export function toHalf(value: number): number {
  const f32Buffer = new Float32Array([value]);
  const bits = new Uint32Array(f32Buffer.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && half & 1)) half++;
  halfExponent = half >> 10;
  return sign | half;
}

/** Chunks a Float32Array into encoded pieces so big tensors never exist twice in memory. */
export function encodedChunks(values: Float32Array, type: GgmlType, chunkValues = 1 << 20): () => Iterable<Uint8Array> {
  return function* () {
    for (let start = 0; start < values.length; start += chunkValues) {
      yield encodeTensor(values.subarray(start, Math.min(values.length, start + chunkValues)), type);
    }
  };
}

class BufferedFile {
  private readonly buffer = Buffer.alloc(1 << 22);
  private used = 0;
  /** File offset of buffer[0]. */
  private bufferStart = 0;
  position = 0;
  constructor(private readonly fd: number) {}

  write(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length - this.used) this.flush();
    if (bytes.length >= this.buffer.length) {
      writeAll(this.fd, bytes, this.position);
      this.bufferStart = this.position + bytes.length;
    } else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.position += bytes.length;
  }

  /** Moves forward without writing, leaving a hole. */
  skip(bytes: number): void {
    this.flush();
    this.position += bytes;
    this.bufferStart = this.position;
  }

  flush(): void {
    if (this.used) writeAll(this.fd, this.buffer.subarray(0, this.used), this.bufferStart);
    this.bufferStart += this.used;
    this.used = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, position + offset);
}

class Encoder {
  constructor(private readonly file: BufferedFile) {}
  u32(value: number): void {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(value);
    this.file.write(bytes);
  }
  u64(value: number | bigint): void {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt(value));
    this.file.write(bytes);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.file.write(bytes);
  }
  scalar(type: ScalarType, value: GgufScalar): void {
    const bytes = Buffer.alloc(8);
    switch (type) {
      case 'u8':
        bytes.writeUInt8(Number(value));
        return this.file.write(bytes.subarray(0, 1));
      case 'i8':
        bytes.writeInt8(Number(value));
        return this.file.write(bytes.subarray(0, 1));
      case 'u16':
        bytes.writeUInt16LE(Number(value));
        return this.file.write(bytes.subarray(0, 2));
      case 'i16':
        bytes.writeInt16LE(Number(value));
        return this.file.write(bytes.subarray(0, 2));
      case 'u32':
        bytes.writeUInt32LE(Number(value));
        return this.file.write(bytes.subarray(0, 4));
      case 'i32':
        bytes.writeInt32LE(Number(value));
        return this.file.write(bytes.subarray(0, 4));
      case 'f32':
        bytes.writeFloatLE(Number(value));
        return this.file.write(bytes.subarray(0, 4));
      case 'bool':
        bytes.writeUInt8(value ? 1 : 0);
        return this.file.write(bytes.subarray(0, 1));
      case 'string':
        return this.string(String(value));
      case 'u64':
        bytes.writeBigUInt64LE(BigInt(value));
        return this.file.write(bytes);
      case 'i64':
        bytes.writeBigInt64LE(BigInt(value));
        return this.file.write(bytes);
      case 'f64':
        bytes.writeDoubleLE(Number(value));
        return this.file.write(bytes);
    }
  }
  value(value: GgufValue): void {
    this.u32(VALUE_TYPE[value.type]);
    if (value.type === 'array') {
      this.u32(VALUE_TYPE[value.itemType]);
      this.u64(value.value.length);
      for (const item of value.value) this.scalar(value.itemType, item);
    } else {
      this.scalar(value.type, value.value);
    }
  }
}

function normalize(value: GgufValue | string | boolean): GgufValue {
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'boolean') return { type: 'bool', value };
  return value;
}

export interface WriteGgufOptions {
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensor[];
  readonly alignment?: number;
}

/** Writes a GGUF v3 file; returns its size in bytes. */
export function writeGguf(path: string, { metadata, tensors, alignment = 32 }: WriteGgufOptions): number {
  const fd = openSync(path, 'w');
  try {
    const file = new BufferedFile(fd);
    const out = new Encoder(file);
    const entries = Object.entries(metadata);
    if (alignment !== 32 && !('general.alignment' in metadata)) entries.push(['general.alignment', u32(alignment)]);
    file.write(Buffer.from('GGUF', 'latin1'));
    out.u32(3);
    out.u64(tensors.length);
    out.u64(entries.length);
    for (const [key, value] of entries) {
      out.string(key);
      out.value(normalize(value));
    }
    let offset = 0;
    const offsets: number[] = [];
    for (const tensor of tensors) {
      offsets.push(offset);
      out.string(tensor.name);
      out.u32(tensor.dims.length);
      for (const dim of tensor.dims) out.u64(dim);
      out.u32(tensor.type);
      out.u64(offset);
      offset = alignUp(offset + tensorByteSize(tensor.dims, tensor.type), alignment);
    }
    pad(file, alignUp(file.position, alignment) - file.position);
    const dataStart = file.position;
    tensors.forEach((tensor, index) => {
      pad(file, dataStart + offsets[index]! - file.position);
      const expected = tensorByteSize(tensor.dims, tensor.type);
      const start = file.position;
      if (!tensor.data) {
        file.skip(expected);
        return;
      }
      for (const chunk of tensor.data()) file.write(chunk);
      if (file.position - start !== expected) {
        throw new Error(`tensor ${tensor.name}: wrote ${file.position - start} bytes, expected ${expected}`);
      }
    });
    file.flush();
    ftruncateSync(fd, file.position); // materializes trailing holes
    return file.position;
  } finally {
    closeSync(fd);
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function pad(file: BufferedFile, bytes: number): void {
  if (bytes > 0) file.write(new Uint8Array(bytes));
}

/** GPT-2's byte-to-unicode table: byte-level BPE vocabularies spell byte b as this character. */
export function gpt2ByteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return table;
}
