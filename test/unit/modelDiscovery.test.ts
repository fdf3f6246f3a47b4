/**
 * Finding GGUF models on disk (recent picks, our downloads, Ollama's store, LM Studio's folders) and
 * describing them from their headers. Every file is real: GGUFs from the test writer, Ollama
 * manifests as Ollama writes them, in a temp home folder.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  describeDetail,
  describeModelFile,
  findGgufFiles,
  findModelCandidates,
  lmStudioModelRoots,
  ollamaModelRoots,
  type ModelDescription,
} from '../../src/providers/local/modelDiscovery';
import { estimateMemoryBytes } from '../../src/providers/local/modelFit';
import { formatParameterCount, formatSize } from '../../src/providers/local/sizeText';
import { GgmlType, u32, writeGguf, type GgufMetadata } from '../gguf/ggufWriter';

const Q4_K_M = 15; // llama_ftype MOSTLY_Q4_K_M

function tempHome(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-discovery-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small qwen2-shaped GGUF: 2 layers, 8 heads, 2 KV heads, embedding 64, vocabulary 100. */
function writeModel(path: string, metadata: GgufMetadata = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  writeGguf(path, {
    metadata: {
      'general.architecture': 'qwen2',
      'general.name': 'tiny qwen2',
      'general.file_type': u32(Q4_K_M),
      'qwen2.context_length': u32(131072),
      'qwen2.embedding_length': u32(64),
      'qwen2.block_count': u32(2),
      'qwen2.attention.head_count': u32(8),
      'qwen2.attention.head_count_kv': u32(2),
      ...metadata,
    },
    tensors: [
      { name: 'token_embd.weight', dims: [64, 100], type: GgmlType.F32, data: () => [new Uint8Array(64 * 100 * 4)] },
      { name: 'blk.0.attn_q.weight', dims: [64, 64], type: GgmlType.F16, data: () => [new Uint8Array(64 * 64 * 2)] },
      {
        name: 'blk.1.attn_q.weight',
        dims: [64, 64],
        type: GgmlType.Q8_0,
        data: () => [new Uint8Array((64 * 64 * 34) / 32)],
      },
    ],
  });
}
const TINY_PARAMETERS = 64 * 100 + 64 * 64 * 2;

function writeOllamaModel(
  modelsRoot: string,
  registry: string,
  namespace: string,
  model: string,
  tag: string,
  hex: string,
  blob = true,
): string {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 487,
    },
    layers: [
      { mediaType: 'application/vnd.ollama.image.license', digest: `sha256:${'a'.repeat(64)}`, size: 1065 },
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: 1234 },
      { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'b'.repeat(64)}`, size: 387 },
    ],
  };
  const manifestPath = join(modelsRoot, 'manifests', registry, namespace, model, tag);
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const blobPath = join(modelsRoot, 'blobs', `sha256-${hex}`);
  if (blob) writeModel(blobPath);
  return blobPath;
}

describe('findModelCandidates', () => {
  it('lists recent picks, downloads, Ollama models by name and LM Studio files, each once', async (t) => {
    const home = tempHome(t);
    const ollama = join(home, '.ollama', 'models');
    const r1Blob = writeOllamaModel(ollama, 'registry.ollama.ai', 'library', 'deepseek-r1', '7b', '1'.repeat(64));
    writeOllamaModel(ollama, 'registry.ollama.ai', 'library', 'deepseek-r1', '1.5b', '2'.repeat(64));
    writeOllamaModel(ollama, 'registry.ollama.ai', 'someone', 'r1-coder', 'q8', '3'.repeat(64));
    writeOllamaModel(ollama, 'hf.co', 'bartowski', 'DeepSeek-R1-Distill-Qwen-14B-GGUF', 'Q4_K_M', '4'.repeat(64));
    // The same blob under a second tag is offered once, under the first name.
    writeOllamaModel(ollama, 'registry.ollama.ai', 'library', 'deepseek-r1', 'latest', '1'.repeat(64));
    // A pull in progress (no blob yet) and a corrupt manifest: neither is offered.
    writeOllamaModel(ollama, 'registry.ollama.ai', 'library', 'pulling', 'latest', '5'.repeat(64), false);
    mkdirSync(join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'corrupt'), { recursive: true });
    writeFileSync(join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'corrupt', 'latest'), '{"layers": [');

    // OLLAMA_MODELS moves the store; it is read before the default one.
    const custom = join(home, 'elsewhere', 'ollama');
    writeOllamaModel(custom, 'registry.ollama.ai', 'library', 'moved', 'latest', '6'.repeat(64));

    const lmStudio = join(home, '.lmstudio', 'models');
    const lmFile = join(
      lmStudio,
      'lmstudio-community',
      'DeepSeek-R1-Distill-Qwen-7B-GGUF',
      'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    );
    writeModel(lmFile);
    writeModel(join(lmStudio, 'lmstudio-community', 'vision-GGUF', 'mmproj-model-f16.gguf'));
    writeModel(join(lmStudio, 'big', 'Big-GGUF', 'big-00001-of-00002.gguf'));
    writeModel(join(lmStudio, 'big', 'Big-GGUF', 'big-00002-of-00002.gguf'));
    writeFileSync(join(lmStudio, 'big', 'Big-GGUF', 'README.md'), 'not a model');
    writeModel(join(home, '.cache', 'lm-studio', 'models', 'old', 'Old-GGUF', 'old-q4.gguf'));

    const downloads = join(home, 'globalStorage', 'models');
    writeModel(join(downloads, 'DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf'));
    writeFileSync(join(downloads, 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf.ipull'), 'partial');

    const candidates = await findModelCandidates({
      homeDir: home,
      env: { OLLAMA_MODELS: custom },
      downloadDirs: [downloads],
      recent: [r1Blob, join(home, 'deleted.gguf'), lmFile, r1Blob],
    });

    assert.deepEqual(
      candidates.map((candidate) => [candidate.source, candidate.label]),
      [
        ['recent', 'deepseek-r1:7b'],
        ['recent', 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf'],
        ['downloaded', 'DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf'],
        ['ollama', 'moved:latest'],
        ['ollama', 'deepseek-r1:1.5b'],
        ['ollama', 'hf.co/bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF:Q4_K_M'],
        ['ollama', 'someone/r1-coder:q8'],
        ['lmStudio', 'big-00001-of-00002.gguf'],
        ['lmStudio', 'old-q4.gguf'],
      ],
    );
    assert.equal(candidates[0]!.path, r1Blob);
    assert.equal(candidates[1]!.path, lmFile);
    assert.equal(candidates[3]!.path, join(custom, 'blobs', `sha256-${'6'.repeat(64)}`));
  });

  it('finds nothing, without failing, when no store exists', async (t) => {
    const home = tempHome(t);
    assert.deepEqual(await findModelCandidates({ homeDir: home, env: {}, downloadDirs: [join(home, 'none')] }), []);
  });

  it('reads blobs named the old way (sha256:<hex>)', async (t) => {
    const home = tempHome(t);
    const root = join(home, '.ollama', 'models');
    const hex = '7'.repeat(64);
    const blob = writeOllamaModel(root, 'registry.ollama.ai', 'library', 'old', 'latest', hex, false);
    writeModel(join(dirname(blob), `sha256:${hex}`));
    const [candidate] = await findModelCandidates({ homeDir: home, env: {} });
    assert.equal(candidate?.label, 'old:latest');
    assert.equal(candidate?.path, join(root, 'blobs', `sha256:${hex}`));
  });

  it('stops descending at the depth limit', async (t) => {
    const root = tempHome(t);
    writeModel(join(root, 'a', 'shallow.gguf'));
    writeModel(join(root, 'a', 'b', 'c', 'd', 'e', 'deep.gguf'));
    assert.deepEqual(await findGgufFiles(root, 2), [join(root, 'a', 'shallow.gguf')]);
    assert.equal((await findGgufFiles(root, 5)).length, 2);
  });

  it('uses OLLAMA_MODELS, the home store, and on Linux the service store unless a home is given', () => {
    assert.deepEqual(ollamaModelRoots({ homeDir: '/h', env: { OLLAMA_MODELS: '/data/ollama' } }), [
      '/data/ollama',
      '/h/.ollama/models',
    ]);
    assert.deepEqual(ollamaModelRoots({ homeDir: '/h', env: {} }), ['/h/.ollama/models']);
    assert.ok(ollamaModelRoots({ env: {}, platform: 'linux' }).includes('/usr/share/ollama/.ollama/models'));
    assert.ok(!ollamaModelRoots({ env: {}, platform: 'darwin' }).includes('/usr/share/ollama/.ollama/models'));
    assert.deepEqual(lmStudioModelRoots({ homeDir: '/h' }), ['/h/.lmstudio/models', '/h/.cache/lm-studio/models']);
  });
});

describe('describeModelFile', () => {
  it('reads size, quantization, parameters, architecture and a memory estimate from the header', async (t) => {
    const path = join(tempHome(t), 'tiny.gguf');
    writeModel(path);
    const description = await describeModelFile(path);
    assert.ok(description.ok, JSON.stringify(description));
    assert.equal(description.sizeBytes, statSync(path).size);
    assert.equal(description.quantization, 'Q4_K_M');
    assert.equal(description.parameterCount, TINY_PARAMETERS);
    assert.equal(description.architecture, 'qwen2');
    assert.equal(description.name, 'tiny qwen2');
    assert.equal(description.layers, 2);
    assert.equal(description.contextLength, 131072);
    // 2 layers × 2 KV heads × (8 + 8 head size) × 2 bytes
    assert.equal(description.kvBytesPerToken, 2 * 2 * (64 / 8) * 2 * 2);
    assert.ok(
      description.memoryBytes > 0.3e9 && description.memoryBytes < 0.31e9,
      `estimate ${description.memoryBytes}`,
    );
  });

  it('falls back to the file name for the quantization when the header has no file type', async (t) => {
    const path = join(tempHome(t), 'Some-Model-IQ4_XS.gguf');
    writeModel(path, { 'general.file_type': 'not a number' });
    const description = await describeModelFile(path);
    assert.ok(description.ok);
    assert.equal(description.quantization, 'IQ4_XS');
  });

  it('gives a short reason instead of throwing for files that cannot be used', async (t) => {
    const dir = tempHome(t);
    const problems = async (path: string) => {
      const description = await describeModelFile(path);
      assert.equal(description.ok, false, path);
      return (description as Extract<ModelDescription, { ok: false }>).problem;
    };

    writeFileSync(join(dir, 'readme.gguf'), '# A README that someone named .gguf\n'.repeat(20));
    assert.equal(await problems(join(dir, 'readme.gguf')), 'not a GGUF model file');
    writeFileSync(join(dir, 'empty.gguf'), '');
    assert.equal(await problems(join(dir, 'empty.gguf')), 'not a GGUF model file');

    const cut = join(dir, 'cut.gguf');
    writeModel(cut);
    truncateSync(cut, statSync(cut).size - 5000);
    assert.match(await problems(cut), /^truncated: .* of .* \(an unfinished download\?\)$/);

    writeFileSync(
      join(dir, 'garbage.gguf'),
      Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(64, 0xff)]),
    );
    assert.match(await problems(join(dir, 'garbage.gguf')), /^damaged GGUF header \(.+\)$/);

    assert.equal(await problems(join(dir, 'missing.gguf')), 'file not found');
    mkdirSync(join(dir, 'folder.gguf'));
    assert.equal(await problems(join(dir, 'folder.gguf')), 'not a file');

    const detail = describeDetail(await describeModelFile(join(dir, 'readme.gguf')), { ramBytes: 16e9, vramBytes: 0 });
    assert.equal(detail, '720 bytes · not a GGUF model file');
  });
});

describe('the detail line', () => {
  const laptop = { ramBytes: 16e9, vramBytes: 0 };
  const gamingPc = { ramBytes: 32e9, vramBytes: 12e9 };

  it('reads "4.7 GB · Q4_K_M · 7.6B params · fits in RAM" for R1-Distill-Qwen-7B on a 16 GB laptop', () => {
    // Ollama's deepseek-r1:7b blob: 4,683,075,271 bytes, 28 layers × 4 KV heads × 128.
    const weights = 4_683_075_271;
    const description: ModelDescription = {
      ok: true,
      sizeBytes: weights,
      quantization: 'Q4_K_M',
      parameterCount: 7_615_616_512,
      memoryBytes: estimateMemoryBytes(weights, 28 * 4 * 128 * 2 * 2),
    };
    assert.equal(describeDetail(description, laptop), '4.7 GB · Q4_K_M · 7.6B params · fits in RAM');
    assert.equal(
      describeDetail(description, { ramBytes: 8e9, vramBytes: 0 }),
      '4.7 GB · Q4_K_M · 7.6B params · fits in RAM',
    );
    assert.equal(
      describeDetail(description, { ramBytes: 6e9, vramBytes: 0 }),
      '4.7 GB · Q4_K_M · 7.6B params · tight fit: little memory left for anything else',
    );
    assert.equal(describeDetail(description, gamingPc), '4.7 GB · Q4_K_M · 7.6B params · fits in GPU memory');
  });

  it('formats sizes and parameter counts the way model listings do', () => {
    assert.equal(formatSize(4_683_075_271), '4.7 GB');
    assert.equal(formatSize(12_300_000), '12.3 MB');
    assert.equal(formatSize(999), '999 bytes');
    assert.equal(formatParameterCount(1_777_088_000), '1.8B');
    assert.equal(formatParameterCount(494_032_768), '494M');
    assert.equal(formatParameterCount(70_553_706_496), '70.6B');
  });
});
