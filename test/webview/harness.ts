/**
 * Runs webview code in real Chromium (Debian's, driven by playwright-core): bundles a browser entry
 * with esbuild in memory and serves it from a fake origin that exists only inside the page's
 * routing table, under the panel's real Content-Security-Policy. Nothing is installed or fetched:
 * every request to any other address is refused and recorded, so tests can assert "no network".
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { Browser, Frame, Page } from 'playwright-core';
import type { HostMessage, TurnWire, WebviewMessage } from '../../src/shared/protocol';
import { launchChromium as launchHeadlessChromium } from '../harness/browser';
import { buildContentSecurityPolicy } from '../../src/host/webviewHtml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ORIGIN = 'https://r1-webview.test';
/** A second site: a page there embeds the panel as an out-of-process iframe, as VS Code does. */
export const HOST_ORIGIN = 'https://r1-host.test';
export const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

export function findChromium(): string {
  const candidates = [process.env.R1_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) throw new Error(`Chromium not found at /usr/bin/chromium. Install it with:\n  ${INSTALL_CHROMIUM}`);
  return found;
}

/** The same launch as the extension tests (test/harness/browser.ts), with the Chromium found here. */
export function launchChromium(): Promise<Browser> {
  return launchHeadlessChromium(findChromium());
}

/** Bundles a browser entry the way scripts/build.mjs bundles the webview. */
export async function bundleForBrowser(entry: string, options: { minify?: boolean } = {}): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: options.minify ?? false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface PageSetup {
  /** The script to run, served as /main.js under the CSP nonce. */
  readonly script: string;
  /** Stylesheets served from the same origin (the CSP allows only that). */
  readonly styles?: readonly string[];
  /** Runs before the bundle, e.g. a stubbed acquireVsCodeApi. */
  readonly initScript?: string;
  readonly body?: string;
  /**
   * Load the panel in a cross-site iframe of a host page (like VS Code's workbench and webview),
   * so that whatever drives it runs in another renderer process and costs the panel nothing.
   */
  readonly hosted?: boolean;
  /** More files served from ORIGIN by path, e.g. a font a stylesheet loads (`/codicon.ttf`). */
  readonly files?: Readonly<Record<string, { readonly body: string | Buffer; readonly type: string }>>;
}

export interface TestPage {
  readonly page: Page;
  /** Where the panel runs: the page itself, or the iframe when `hosted`. */
  readonly frame: Frame;
  /** URLs the page tried to load from anywhere but the test origin (all refused). */
  readonly blockedRequests: string[];
  /** Content-Security-Policy violations the page reported. */
  readonly cspViolations: () => Promise<string[]>;
  /** Uncaught errors and console errors. */
  readonly errors: string[];
}

const NONCE = 'r1test';

/** A page at ORIGIN/index.html under the panel's CSP, with the given script and styles. */
export async function openPage(browser: Browser, setup: PageSetup): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 480, height: 800 } });
  const blockedRequests: string[] = [];
  const errors: string[] = [];
  const styles = setup.styles ?? [];
  const csp = buildContentSecurityPolicy(ORIGIN, NONCE);
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
${styles.map((_, i) => `<link rel="stylesheet" href="${ORIGIN}/style${i}.css">`).join('\n')}
</head><body>${setup.body ?? '<div id="app" class="app"></div>'}
<script nonce="${NONCE}" src="${ORIGIN}/csp.js"></script>
<script nonce="${NONCE}" src="${ORIGIN}/init.js"></script>
<script nonce="${NONCE}" src="${ORIGIN}/main.js"></script>
</body></html>`;
  const files = new Map<string, { readonly body: string | Buffer; readonly type: string }>([
    ['/index.html', { body: html, type: 'text/html' }],
    ['/init.js', { body: setup.initScript ?? '', type: 'text/javascript' }],
    ['/main.js', { body: setup.script, type: 'text/javascript' }],
    [
      '/csp.js',
      {
        body: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
        type: 'text/javascript',
      },
    ],
    ...styles.map((css, i) => [`/style${i}.css`, { body: css, type: 'text/css' }] as const),
    ...Object.entries(setup.files ?? {}),
  ]);
  const hostHtml = `<!DOCTYPE html><html><head><meta charset="UTF-8"></head><body style="margin:0">
<iframe src="${ORIGIN}/index.html" style="border:0;width:100vw;height:100vh;display:block"></iframe></body></html>`;
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const file =
      url.origin === ORIGIN
        ? files.get(url.pathname)
        : url.origin === HOST_ORIGIN && url.pathname === '/host.html'
          ? { body: hostHtml, type: 'text/html' }
          : undefined;
    if (file) return route.fulfill({ status: 200, contentType: file.type, body: file.body });
    if (!url.protocol.startsWith('data')) blockedRequests.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (process.env.R1_WEBVIEW_CONSOLE) console.log(`[page] ${message.text()}`);
    if (message.type() === 'error') errors.push(message.text());
  });
  // tsx compiles test files with keepNames: functions handed to page.evaluate may call __name.
  await page.addInitScript('globalThis.__name = (fn) => fn;');
  let frame: Frame = page.mainFrame();
  if (setup.hosted) {
    await page.goto(`${HOST_ORIGIN}/host.html`);
    const handle = await page.waitForSelector('iframe');
    frame = (await handle.contentFrame())!;
    await frame.waitForLoadState('load');
  } else {
    await page.goto(`${ORIGIN}/index.html`);
  }
  return {
    page,
    frame,
    blockedRequests,
    errors,
    cspViolations: () => frame.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
  };
}

/** Stands in for VS Code's webview API: records what the panel posts in `window.__posted`. */
export const VSCODE_STUB = `
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = () => ({
  postMessage: (message) => window.__posted.push(message),
  getState: () => window.__state,
  setState: (state) => { window.__state = state; },
});`;

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The real panel (src/webview/main.ts with its stylesheet) on a page, VS Code's API stubbed by `initScript`. */
export async function openPanel(browser: Browser, initScript: string = VSCODE_STUB): Promise<TestPage> {
  return openPage(browser, {
    script: await bundleForBrowser('src/webview/main.ts'),
    styles: [readRepoFile('media/webview.css')],
    initScript,
  });
}

/** A streaming turn as the host sends it, with `patch` on top: the panel tests' common fixture. */
export function wireTurn(id: string, patch: Partial<TurnWire> = {}): TurnWire {
  return {
    id,
    question: 'How?',
    reasoning: '',
    answer: '',
    status: 'streaming',
    modelLabel: 'Test · r1',
    startedAt: 1_000,
    ...patch,
  };
}

/** Delivers host messages to the panel, as the webview's message event does. */
export async function postToPanel(page: Page, messages: readonly HostMessage[]): Promise<void> {
  await page.evaluate((list) => {
    for (const message of list) window.postMessage(message, '*');
  }, messages);
}

/** Waits until the message queue is handled and every renderer has flushed (no element is aria-busy). */
export async function panelIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) =>
        setTimeout(
          () =>
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(!document.querySelector('[aria-busy]')))),
          0,
        ),
      ),
  );
}

/** The messages the panel posted to the host since the last call (VSCODE_STUB records them). */
export function takePosted(page: Page): Promise<WebviewMessage[]> {
  return page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted.splice(0));
}
