/**
 * The catalog's data and the download request an entry makes. The loopback redirect
 * (R1_CODER_MODEL_CATALOG_URL_BASE) is test surface: it acts only when the caller allows it.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CATALOG_SIZE_TOLERANCE,
  CATALOG_URL_BASE_ENV,
  catalogDownloadRequest,
  catalogDownloadUrl,
  MODEL_CATALOG,
} from '../../src/providers/local/modelCatalog';

const model = MODEL_CATALOG.find((entry) => entry.id === 'r1-distill-qwen-7b')!;
const env = { [CATALOG_URL_BASE_ENV]: 'http://127.0.0.1:4567/models/' };

describe('catalog download URL and request', () => {
  it('without permission the environment variable has no effect: Hugging Face URL, size checked', () => {
    assert.equal(
      catalogDownloadUrl(model, { allowOverride: false, env }),
      'https://huggingface.co/bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF/resolve/main/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    );
    assert.deepEqual(catalogDownloadRequest(model, { allowOverride: false, env, dirPath: '/models' }), {
      url: model.url,
      fileName: 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
      dirPath: '/models',
      expectedSizeBytes: 4.68e9,
      sizeTolerance: CATALOG_SIZE_TOLERANCE,
      sha256: undefined,
    });
  });

  it('with permission it redirects to the test server and switches the size check off', () => {
    assert.equal(
      catalogDownloadUrl(model, { allowOverride: true, env }),
      'http://127.0.0.1:4567/models/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    );
    const request = catalogDownloadRequest(model, { allowOverride: true, env, dirPath: '/models' });
    assert.equal(request.url, 'http://127.0.0.1:4567/models/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf');
    assert.equal(request.expectedSizeBytes, undefined);
  });

  it('with permission but no (or a blank) variable: the real URL and the size check', () => {
    for (const unset of [{}, { [CATALOG_URL_BASE_ENV]: '  ' }]) {
      const request = catalogDownloadRequest(model, { allowOverride: true, env: unset, dirPath: '/models' });
      assert.equal(request.url, model.url);
      assert.equal(request.expectedSizeBytes, model.sizeBytes);
    }
  });

  it('catalog entries: unique ids and files, sizes ascending, checksums in hex, alternatives point home', () => {
    const ids = MODEL_CATALOG.map((entry) => entry.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(MODEL_CATALOG.map((entry) => entry.fileName)).size, ids.length);
    for (const entry of MODEL_CATALOG) {
      assert.ok(entry.url.endsWith(`/${entry.fileName}`), entry.url);
      if (entry.sha256 !== undefined)
        assert.match(entry.sha256, /^[0-9a-f]{64}$/, `${entry.id}: lower-case hex SHA-256`);
      if (entry.alternativeTo !== undefined) assert.ok(ids.includes(entry.alternativeTo), entry.alternativeTo);
    }
    const sizes = MODEL_CATALOG.map((entry) => entry.sizeBytes);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => a - b),
    );
  });
});
