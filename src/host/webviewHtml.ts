/**
 * The panel's HTML shell. Kept free of `vscode` so its Content-Security-Policy is unit-tested:
 * nothing loads except our own bundle (by nonce) and our own styles/fonts; no inline handlers,
 * no remote images (a tracking pixel in model output must not load), no frames.
 */

export interface WebviewHtmlInput {
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUris: readonly string[];
}

export function buildContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function buildWebviewHtml(input: WebviewHtmlInput): string {
  const csp = buildContentSecurityPolicy(input.cspSource, input.nonce);
  const styles = input.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeAttribute(uri)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>R1 Chat</title>
  </head>
  <body>
    <div id="app" class="app"></div>
    <script nonce="${escapeAttribute(input.nonce)}" src="${escapeAttribute(input.scriptUri)}"></script>
  </body>
</html>`;
}

export function createNonce(random: (size: number) => Uint8Array): string {
  return Buffer.from(random(18))
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
