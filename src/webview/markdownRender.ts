/**
 * Markdown → sanitized DOM for model output, which is untrusted.
 *
 * Three layers: markdown-it never emits raw HTML (`html: false`) and accepts only http(s) links;
 * our own rules render links as inert `data-href` anchors and images as links (nothing is fetched);
 * DOMPurify then re-checks the produced HTML against a short allow-list, as defence in depth.
 */

import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt, { type Env, type Token } from 'markdown-it';
import { isSafeExternalLink } from '../shared/protocol';

// A dozen common languages keeps the bundle small; untagged or unknown blocks stay plain.
const LANGUAGES = {
  bash,
  c,
  cpp,
  csharp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

/** Code larger than this is shown unhighlighted: one block must not stall a frame. */
const MAX_HIGHLIGHT_CHARS = 60_000;

/** Parse-time state: link reference definitions, kept across a stream's blocks so later uses resolve. */
export type ParseEnv = Env;

/** Render-time state that markdown-it threads through our rules. */
export interface RenderEnv extends Env {
  /** Index of the next fenced code block in the whole message (the numbering of core/codeBlocks.ts). */
  fenceIndex: number;
  /** Highlight fences that are closed. */
  highlight: boolean;
  /** The message is complete: every fence counts as closed. */
  final: boolean;
}

/** Set on fence tokens by the stream segmenter: whether the closing marker has arrived. */
export interface FenceMeta {
  closed: boolean;
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
// Only explicit http(s) URLs become links; bare "example.com" stays text.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
// Anything else (javascript:, command:, file:, data:, relative) fails the rule and stays literal text.
md.validateLink = (url: string) => /^https?:\/\//i.test(url) && isSafeExternalLink(url);

const rules = md.renderer.rules;

rules.link_open = (tokens, idx) => {
  const href = String(tokens[idx]!.attrGet('href') ?? '');
  return `<a class="md-link" role="link" tabindex="0" data-href="${escapeHtml(href)}" title="${escapeHtml(href)}">`;
};

// Images load nothing: a link to the image (the panel opens it externally) labelled with its alt text.
rules.image = (tokens, idx, options, env) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet('src') ?? '');
  const alt = md.renderer.renderInlineAsText(token.children ?? [], options, env);
  const label = escapeHtml(alt || src);
  return `<a class="md-link md-image" role="link" tabindex="0" data-href="${escapeHtml(src)}" title="${escapeHtml(src)}">${label}</a>`;
};

// Table alignment arrives as a style attribute, which the panel's CSP forbids: use classes.
for (const name of ['th_open', 'td_open'] as const) {
  rules[name] = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    const style = String(token.attrGet('style') ?? '');
    if (style) {
      const align = /text-align:(left|right|center)/.exec(style)?.[1];
      token.attrs = (token.attrs ?? []).filter(([key]) => key !== 'style');
      if (align) token.attrJoin('class', `md-align-${align}`);
    }
    return self.renderToken(tokens, idx, options);
  };
}

// Indented code is not a fence for core/codeBlocks.ts: no index, so no apply buttons.
rules.code_block = (tokens, idx, _options, env) =>
  codeBlockHtml(tokens[idx]!.content, '', env as RenderEnv, true, undefined);

rules.fence = (tokens, idx, _options, renderEnv) => {
  const env = renderEnv as RenderEnv;
  const token = tokens[idx]!;
  const language = (md.utils.unescapeAll(token.info).trim().split(/\s+/)[0] ?? '').slice(0, 40);
  const closed = env.final || (token.meta as FenceMeta | null)?.closed !== false;
  return codeBlockHtml(token.content, language, env, closed, env.fenceIndex++);
};

function codeBlockHtml(
  code: string,
  language: string,
  env: RenderEnv,
  closed: boolean,
  index: number | undefined,
): string {
  const known = language && hljs.getLanguage(language) ? language : '';
  const highlight = env.highlight && closed && known !== '' && code.length <= MAX_HIGHLIGHT_CHARS;
  const body = highlight ? hljs.highlight(code, { language: known, ignoreIllegals: true }).value : escapeHtml(code);
  const classes = [language ? `language-${language.replace(/[^\w+#.-]/g, '')}` : '', highlight ? 'hljs' : '']
    .filter(Boolean)
    .join(' ');
  const indexAttr = index === undefined ? '' : ` data-block-index="${index}"`;
  // Apply/insert only once the block is complete: half a block must not land in the editor.
  const actions =
    closed && index !== undefined
      ? button('apply-code', 'Apply to selection', 'replace', indexAttr) +
        button('insert-code', 'Insert at cursor', 'insert', indexAttr)
      : '';
  return (
    `<div class="code-block"${indexAttr} data-state="${closed ? 'closed' : 'open'}">` +
    `<div class="code-block-header"><span class="language">${escapeHtml(language || 'text')}</span>` +
    button('copy-code', 'Copy code', 'copy', indexAttr) +
    actions +
    `</div><pre><code${classes ? ` class="${classes}"` : ''}>${body}</code></pre></div>\n`
  );
}

/**
 * An icon button (a narrow side bar has no room for words). Its title is its tooltip and, as it has
 * no text, its accessible name (no aria-label: the sanitizer's attribute list stays as it is).
 */
function button(action: string, label: string, icon: string, indexAttr: string): string {
  return (
    `<button type="button" data-action="${action}"${indexAttr} title="${label}">` +
    `<span class="codicon codicon-${icon}" aria-hidden="true"></span></button>`
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Block-level parse (inline content included); `env` collects reference definitions. */
export function parseMarkdown(source: string, env: ParseEnv): Token[] {
  return md.parse(source, env);
}

/** Renders a token range to a sanitized fragment; advances `env.fenceIndex` past its fences. */
export function renderTokens(tokens: Token[], env: RenderEnv): DocumentFragment {
  return sanitizeToFragment(md.renderer.render(tokens, md.options, env));
}

/** A whole message in one go, the way most chat panels do it (the benchmark's baseline). */
export function renderMarkdownToHtml(source: string, options: { highlight?: boolean } = {}): string {
  const env: RenderEnv = { fenceIndex: 0, highlight: options.highlight ?? false, final: true };
  return sanitizeToString(md.render(source, env));
}

// ---- sanitizer -----------------------------------------------------------------------------

const ALLOWED_TAGS = [
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
const ALLOWED_ATTR = [
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

let purifier: Purifier | undefined;

function getPurifier(): Purifier {
  if (purifier) return purifier;
  // A private instance, so our hook cannot leak into (or be removed by) anyone else's use.
  const instance = DOMPurify(window);
  instance.addHook('uponSanitizeAttribute', (_node, data) => {
    if (data.attrName === 'data-href' && !isSafeExternalLink(data.attrValue)) data.keepAttr = false;
    if (data.attrName === 'type' && data.attrValue !== 'button') data.keepAttr = false;
  });
  // Set once: passing a config to every sanitize() call re-parses it each time.
  instance.setConfig({
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    RETURN_DOM_FRAGMENT: true,
  });
  purifier = instance;
  return instance;
}

export function sanitizeToFragment(html: string): DocumentFragment {
  return getPurifier().sanitize(html) as unknown as DocumentFragment;
}

export function sanitizeToString(html: string): string {
  const holder = document.createElement('div');
  holder.append(sanitizeToFragment(html));
  return holder.innerHTML;
}

// ---- warm-up -------------------------------------------------------------------------------

const WARM_UP_SAMPLE =
  '# Title\n\nSome *text*, **bold**, `code` and [a link](https://example.com).\n\n- item\n- item\n\n1. one\n2. two\n\n' +
  '> quote\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```ts\nconst a = 1;\n```\n\n    indented\n';
/** Touches the common rules of every grammar: V8 compiles each regular expression on first use. */
const WARM_UP_CODE =
  'x = 1; // c\n# c\n/* c */ "s\\n" \'c\' `t ${a}` 0x1F 1.5e3 function f(a, b) { return a + 1 }\n' +
  'class A<T> extends B { @x public static int y; }\n#include <a.h>\ndef f(x): pass\nif (a) {} else {}\n' +
  '<div a="b">t</div>\n$x --flag key: value - item\nSELECT a FROM t WHERE b = 1;\nfn main() -> u32 { let mut v = vec![1]; }\n' +
  'func F() (int, error) { return 0, nil }\n@@ -1 +1 @@\n+a\n-b\n.a:hover { color: #fff; }\n';
let warmUpScheduled = false;

/**
 * Compiles, while the panel is idle, the code paths and highlight grammars that the first streamed
 * frames would otherwise pay for (a grammar's first use costs 5–40 ms), one grammar per idle period.
 */
export function scheduleWarmUp(): void {
  if (warmUpScheduled || typeof window === 'undefined' || typeof document === 'undefined') return;
  warmUpScheduled = true;
  const steps: (() => void)[] = [
    () =>
      void sanitizeToFragment(
        md.render(WARM_UP_SAMPLE, { fenceIndex: 0, highlight: false, final: true } satisfies RenderEnv),
      ),
    ...Object.keys(LANGUAGES).map(
      (language) => () => void hljs.highlight(WARM_UP_CODE, { language, ignoreIllegals: true }),
    ),
  ];
  // Idle periods need frames, and a panel that shows nothing new produces none: hence the timeout.
  const idle = (callback: () => void) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(callback, { timeout: 100 });
    else setTimeout(callback, 20);
  };
  const next = () => {
    steps.shift()?.();
    if (steps.length) idle(next);
  };
  idle(next);
}

// The panel loads well before the first answer arrives: use that time.
scheduleWarmUp();
