import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BINARY_SNIFF_BYTES,
  CLOUD_CONTEXT_TOKENS_SETTING,
  CONTEXT_EXCLUDE_SETTING,
  DEFAULT_CLOUD_CONTEXT_TOKENS,
  DEFAULT_CONTEXT_EXCLUDE,
  MAX_ATTACHMENT_BYTES,
  localContextBudget,
} from '../../src/core/context/defaults';
import { compileGlobs } from '../../src/core/context/glob';
import { decodeText, excludedReason, formatBytes, sizeReason } from '../../src/core/context/screen';
import { contentHash, estimateTokens } from '../../src/core/context/tokens';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string }> } };
};

describe('context settings', () => {
  it('package.json contributes both settings with the defaults the code uses', () => {
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(properties[CONTEXT_EXCLUDE_SETTING]?.default, DEFAULT_CONTEXT_EXCLUDE);
    assert.equal(properties[CLOUD_CONTEXT_TOKENS_SETTING]?.default, DEFAULT_CLOUD_CONTEXT_TOKENS);
    assert.match(properties[CLOUD_CONTEXT_TOKENS_SETTING]?.markdownDescription ?? '', /128K/);
  });

  it('the default exclusions refuse files that hold secrets and let ordinary code through', () => {
    const exclude = compileGlobs(DEFAULT_CONTEXT_EXCLUDE);
    const secrets = [
      '.env',
      '.env.local',
      'app/.env.production',
      '.envrc',
      'certs/server.pem',
      'tls/private.key',
      'store.p12',
      'win/cert.pfx',
      'android/release.jks',
      'android/debug.keystore',
      'vault.kdbx',
      'id_rsa',
      'home/.ssh/id_ed25519',
      '.ssh/config',
      'config/secrets.yml',
      'secret.json',
      '.aws/credentials',
      'credentials.json',
      '.git-credentials',
      '.npmrc',
      'pkg/.pypirc',
      '.netrc',
      '_netrc',
      'web/.htpasswd',
      '.docker/config.json',
      'infra/terraform.tfstate',
      'infra/terraform.tfstate.backup',
      'gcp/service-account-prod.json',
    ];
    for (const path of secrets) assert.ok(exclude.match(path), `${path} is refused`);
    const ordinary = [
      'src/env.ts',
      'src/keyboard.ts',
      'src/secretsManager.ts',
      'docs/credential-rotation.md',
      'package.json',
      'README.md',
      'src/config.json',
      'keys.ts',
    ];
    for (const path of ordinary) assert.equal(exclude.match(path), undefined, `${path} is allowed`);
  });

  it('the local budget leaves half the window for the thought and the answer', () => {
    assert.equal(localContextBudget(8192), 4096);
    assert.equal(localContextBudget(-5), 0);
  });
});

describe('refusals', () => {
  it('names the matching pattern and the setting', () => {
    const reason = excludedReason('config/.env.local', compileGlobs(DEFAULT_CONTEXT_EXCLUDE));
    assert.equal(reason, 'matches "**/.env*" in r1Coder.context.exclude (files that may hold secrets are never sent)');
    assert.equal(excludedReason('src/a.ts', compileGlobs(DEFAULT_CONTEXT_EXCLUDE)), undefined);
  });

  it('refuses files over the size limit, with both sizes', () => {
    assert.equal(sizeReason(MAX_ATTACHMENT_BYTES), undefined);
    assert.equal(sizeReason(MAX_ATTACHMENT_BYTES + 1), 'is 10 MB, over the 10 MB limit for attachments');
    assert.equal(sizeReason(12_900_000), 'is 12.3 MB, over the 10 MB limit for attachments');
    assert.equal(sizeReason(2048, 1024), 'is 2 KB, over the 1 KB limit for attachments');
    assert.equal(formatBytes(512), '512 B');
  });

  it('refuses a NUL byte in the first 8 KB as binary', () => {
    const bytes = new TextEncoder().encode('PNG\0data');
    assert.deepEqual(decodeText(bytes), {
      ok: false,
      reason: 'looks binary (a NUL byte in its first 8 KB); only text is sent',
    });
    // UTF-16 text is full of NULs: refused too rather than sent as garbage.
    assert.equal(decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0x00])).ok, false);
  });

  it('refuses invalid UTF-8 in the first 8 KB', () => {
    const result = decodeText(new Uint8Array([0x61, 0xc3, 0x28, 0x62]));
    assert.deepEqual(result, {
      ok: false,
      reason: 'is not UTF-8 text (invalid bytes in its first 8 KB); only text is sent',
    });
  });

  it('accepts text whose multi-byte character straddles the 8 KB mark, and strips a BOM', () => {
    const text = `${'a'.repeat(BINARY_SNIFF_BYTES - 1)}é and more`;
    assert.deepEqual(decodeText(new TextEncoder().encode(text)), { ok: true, text });
    assert.deepEqual(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])), { ok: true, text: 'hi' });
  });

  it('keeps a long text file with one bad byte past the first 8 KB (as U+FFFD)', () => {
    const head = new TextEncoder().encode('x'.repeat(BINARY_SNIFF_BYTES + 10));
    const bytes = new Uint8Array([...head, 0xff, 0x41]);
    const result = decodeText(bytes);
    assert.ok(result.ok);
    assert.ok(result.ok && result.text.endsWith('\uFFFDA'));
    // A NUL past the sniffed part does not make it binary either (only the head is examined).
    assert.equal(decodeText(new Uint8Array([...head, 0x00])).ok, true);
  });
});

describe('token estimate and content hash', () => {
  it('counts 1 token per 3 ASCII characters (rounded up) and 1 per other character', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abc'), 1);
    assert.equal(estimateTokens('abcd'), 2);
    assert.equal(estimateTokens('函数'), 2);
    assert.equal(estimateTokens('😀'), 1, 'a surrogate pair is one character');
    assert.equal(estimateTokens('abc函'), 2);
  });

  it('errs high against DeepSeek’s documented 0.3 token per English character', () => {
    const prose = 'The loop skips the last element because the bound is exclusive. '.repeat(20);
    assert.ok(estimateTokens(prose) >= Math.ceil(prose.length * 0.3));
  });

  it('the same text hashes the same; any change, even one character, changes it', () => {
    const text = 'export const a = 1;\n';
    assert.equal(contentHash(text), contentHash(`${text}`));
    assert.notEqual(contentHash(text), contentHash('export const a = 2;\n'));
    assert.notEqual(contentHash(text), contentHash(`${text} `));
    assert.notEqual(contentHash(''), contentHash(' '));
  });
});
