import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContentSecurityPolicy, buildWebviewHtml, createNonce } from '../../src/host/webviewHtml';
import { formatThinkingHeader, formatThinkingStats } from '../../src/webview/format';

describe('webview HTML', () => {
  const html = buildWebviewHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'abc123',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css'],
  });

  it("has a CSP with default-src 'none', scripts only by nonce, no remote images", () => {
    const csp = buildContentSecurityPolicy('https://x.vscode-cdn.net', 'n1');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-n1'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(csp, /img-src https:\/\/x\.vscode-cdn\.net data:/);
    assert.ok(html.includes('Content-Security-Policy'));
  });

  it('loads the one bundle by nonce and has no inline script or handlers', () => {
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]!, /nonce="abc123"/);
    assert.doesNotMatch(html, /\son\w+=/i);
  });

  it('nonces are long and alphanumeric', () => {
    const nonce = createNonce((size) => new Uint8Array(size).map((_, i) => i * 37));
    assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
  });
});

describe('formatThinkingStats', () => {
  it('shows exact tokens and speed, or an estimate while streaming', () => {
    assert.equal(
      formatThinkingStats({ seconds: 12, reasoningTokens: 1234, estimatedTokens: 0 }),
      '12 s · 1,234 tokens · 103 tok/s',
    );
    assert.equal(formatThinkingStats({ seconds: 2.4, estimatedTokens: 80 }), '2 s · ~80 tokens · 33 tok/s');
    assert.equal(formatThinkingStats({ seconds: 0.2, estimatedTokens: 0 }), '< 1 s');
  });
});

describe('formatThinkingHeader', () => {
  const text = (header: { title: string; detail: string }) => `${header.title} ${header.detail}`.trim();

  it('reads "Thought for 12 s · 1,234 tokens · 41 tok/s" once done, "Thinking… 3 s · …" while streaming', () => {
    assert.equal(
      text(formatThinkingHeader({ done: true, seconds: 30, reasoningTokens: 1234, estimatedTokens: 0 })),
      'Thought for 30 s · 1,234 tokens · 41 tok/s',
    );
    assert.equal(
      text(formatThinkingHeader({ done: false, seconds: 3, estimatedTokens: 40 })),
      'Thinking… 3 s · ~40 tokens · 13 tok/s',
    );
    assert.equal(text(formatThinkingHeader({ done: true, seconds: 0.4, estimatedTokens: 0 })), 'Thought for < 1 s');
  });

  it('leaves out the time and speed when the duration is unknown', () => {
    assert.equal(
      text(formatThinkingHeader({ done: true, seconds: undefined, estimatedTokens: 1200 })),
      'Thought · ~1,200 tokens',
    );
    assert.equal(text(formatThinkingHeader({ done: true, seconds: undefined, estimatedTokens: 0 })), 'Thought');
  });
});
