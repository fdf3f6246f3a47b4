// StreamingMarkdown in real Chromium: chunking, fences, frozen blocks, sanitizing, restore.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleForBrowser, launchChromium, openPage, type TestPage } from './harness';
import type { RendererApi } from './rendererEntry';

declare const r1: RendererApi;

/** Exercises every block kind the segmenter must get right. */
const DOCUMENT = `# Plan

Okay, so the user wants a **parser**. Let me think about \`tokens\` first
and then about [the spec](https://spec.commonmark.org/0.31.2/).

- first item
- second item

  continued after a blank line (still the second item)

- third item (the list is loose now)

1. one
2. two

> a quote
lazily continued

\`\`\`ts
export function add(a: number, b: number): number {
  return a + b;
}
\`\`\`

Setext heading
--------------

| name | value |
|:-----|------:|
| a    | 1     |
| b    | 2     |

    indented code
    more indented code

~~~~python
print("a ~~~ inside")
~~~~

Final paragraph with a [reference link][ref].

[ref]: https://example.com/ref
`;

describe('StreamingMarkdown (Chromium)', () => {
  let browser: Browser;
  let t: TestPage;

  before(async () => {
    browser = await launchChromium();
    t = await openPage(browser, { script: await bundleForBrowser('test/webview/rendererEntry.ts') });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders any chunking, frames in between or not, exactly like a one-shot render', async () => {
    const results = await t.page.evaluate((source) => {
      // Deterministic pseudo-random chunk sizes (1..40 chars) and frame timing.
      let seed = 7;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const outcomes: { same: boolean; streamed: string; expected: string }[] = [];
      const expected = r1.oneShotHtml(source);
      for (let run = 0; run < 30; run++) {
        // Every third run freezes one group per frame, so chunks outrun the renderer.
        const m = r1.mount(run % 3 === 2 ? { frameBudgetMs: 0 } : {});
        const single = run === 0; // one character per chunk
        for (let at = 0; at < source.length;) {
          const size = single ? 1 : 1 + Math.floor(random() * 40);
          m.md.append(source.slice(at, at + size));
          at += size;
          if (random() < 0.5) m.frames.run();
        }
        m.md.finish();
        m.frames.drain();
        const streamed = r1.flatHtml(m.container);
        outcomes.push({ same: streamed === expected, streamed, expected });
        m.container.remove();
      }
      return outcomes;
    }, DOCUMENT);
    for (const [run, outcome] of results.entries()) {
      assert.equal(outcome.streamed, outcome.expected, `run ${run}`);
    }
    // The document really exercises the block kinds (so equality above means something).
    const expected = results[0]!.expected;
    for (const fragment of [
      '<h1>',
      '<ul>',
      '<ol>',
      '<blockquote>',
      '<table>',
      '<h2>',
      'language-ts',
      'language-python',
      'md-align-right',
      'data-href="https://example.com/ref"',
    ]) {
      assert.ok(expected.includes(fragment), `fixture renders ${fragment}`);
    }
  });

  it('handles a fence marker split across chunks, and highlights only once the fence closes', async () => {
    const states = await t.page.evaluate(() => {
      const m = r1.mount();
      const snapshot = () => {
        m.frames.drain();
        const block = m.container.querySelector('.code-block');
        return {
          hasBlock: !!block,
          state: block?.getAttribute('data-state') ?? null,
          language: block?.querySelector('.language')?.textContent ?? null,
          highlighted: !!block?.querySelector('code.hljs span'),
          buttons: [...(block?.querySelectorAll('button') ?? [])].map((b) => b.dataset.action),
          index: block?.getAttribute('data-block-index') ?? null,
          code: block?.querySelector('code')?.textContent ?? null,
          paragraphs: [...m.container.querySelectorAll('p')].map((p) => p.textContent),
        };
      };
      const out = [];
      m.md.append('Intro\n\n`');
      out.push(snapshot());
      m.md.append('``');
      out.push(snapshot());
      m.md.append('py');
      out.push(snapshot());
      m.md.append('thon\nprint(1)\nx = "a"\n`');
      out.push(snapshot());
      m.md.append('``');
      out.push(snapshot()); // "```" but the line may still grow into "```x": still open
      m.md.append('\n');
      out.push(snapshot());
      m.md.append('\nAfter');
      out.push(snapshot());
      return out;
    });
    const [backtick, threeTicks, info, body, closingNoNewline, closed, after] = states;
    assert.equal(backtick!.hasBlock, false);
    assert.deepEqual(backtick!.paragraphs, ['Intro', '`']);
    assert.equal(threeTicks!.hasBlock, true, '``` alone opens a fence');
    assert.equal(threeTicks!.state, 'open');
    assert.equal(info!.language, 'py', 'the info string grows with the chunks');
    assert.equal(body!.language, 'python');
    assert.equal(body!.state, 'open');
    assert.equal(body!.highlighted, false, 'not highlighted while open');
    assert.deepEqual(body!.buttons, ['copy-code'], 'no apply/insert while the block is incomplete');
    assert.equal(body!.code, 'print(1)\nx = "a"\n`');
    assert.equal(closingNoNewline!.state, 'open');
    assert.equal(closed!.state, 'closed');
    assert.equal(closed!.highlighted, true);
    assert.deepEqual(closed!.buttons, ['copy-code', 'apply-code', 'insert-code']);
    assert.equal(closed!.index, '0');
    assert.equal(closed!.code, 'print(1)\nx = "a"\n');
    assert.deepEqual(after!.paragraphs, ['Intro', 'After']);
  });

  it('renders an unclosed fence as code up to the end, and closes it on finish()', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      m.md.append('Here:\n\n```ts\nconst a = 1;\n\n# not a heading\n- not a list');
      m.frames.drain();
      const open = {
        state: m.container.querySelector('.code-block')?.getAttribute('data-state'),
        code: m.container.querySelector('code')?.textContent,
        headings: m.container.querySelectorAll('h1').length,
        lists: m.container.querySelectorAll('ul').length,
        highlighted: !!m.container.querySelector('code.hljs'),
      };
      m.md.finish();
      m.frames.drain();
      const finished = {
        state: m.container.querySelector('.code-block')?.getAttribute('data-state'),
        highlighted: !!m.container.querySelector('code.hljs .hljs-keyword'),
        buttons: [...m.container.querySelectorAll('.code-block button')].map((b) => b.getAttribute('data-action')),
      };
      return { open, finished };
    });
    assert.deepEqual(result.open, {
      state: 'open',
      code: 'const a = 1;\n\n# not a heading\n- not a list',
      headings: 0,
      lists: 0,
      highlighted: false,
    });
    assert.deepEqual(result.finished, {
      state: 'closed',
      highlighted: true,
      buttons: ['copy-code', 'apply-code', 'insert-code'],
    });
  });

  it('keeps frozen blocks as the same DOM nodes, never mutated, while the stream goes on', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} with *emphasis* and \`code\`.`);
      m.md.append(paragraphs.slice(0, 20).join('\n\n') + '\n\n```js\nlet x = 1;\n```\n\n');
      m.frames.drain();
      const frozenBlocks = () => [...m.container.querySelectorAll(':scope > .md-chunk > *')];
      const frozen = frozenBlocks();
      const tailBefore = m.container.querySelector('.md-tail')!.textContent;
      const mutated = new Set<Node>();
      const observer = new MutationObserver((records) => {
        for (const record of records) mutated.add(record.target);
      });
      observer.observe(m.container, { subtree: true, childList: true, attributes: true, characterData: true });
      for (const paragraph of paragraphs.slice(20)) {
        for (const word of paragraph.split(/(?= )/)) {
          m.md.append(word);
          m.frames.run();
        }
        m.md.append('\n\n');
        m.frames.run();
      }
      m.md.finish();
      m.frames.drain();
      observer.takeRecords().forEach((record) => mutated.add(record.target));
      observer.disconnect();
      const touched = frozen.filter((node) => [...mutated].some((target) => node === target || node.contains(target)));
      const tail = m.container.querySelector('.md-tail')!;
      return {
        frozenCount: frozen.length,
        allConnected: frozen.every((node) => node.isConnected && node.parentElement!.parentElement === m.container),
        sameOrder: frozen.every((node, i) => frozenBlocks()[i] === node),
        chunks: m.container.querySelectorAll(':scope > .md-chunk').length,
        chunkVisibility: getComputedStyle(m.container.querySelector('.md-chunk')!).contentVisibility,
        touched: touched.length,
        tailBefore,
        tailAfter: tail.textContent!.trim(),
        paragraphCount: m.container.querySelectorAll('p').length,
        lastHighlighted: !!m.container.querySelector('.code-block code.hljs'),
      };
    });
    assert.equal(result.frozenCount, 21, '20 paragraphs and the closed fence were frozen');
    assert.ok(result.allConnected);
    assert.ok(result.sameOrder);
    assert.equal(result.chunks, 2, '41 frozen blocks fill more than one chunk');
    assert.equal(
      result.chunkVisibility,
      'auto',
      'off-screen chunks are skipped (the constructed stylesheet applies under the CSP)',
    );
    assert.equal(result.touched, 0, 'no mutation inside or on a frozen block');
    assert.equal(result.tailBefore, '', 'a closed fence followed by a blank line leaves an empty tail');
    assert.equal(result.tailAfter, 'Paragraph 39 with emphasis and code.', 'only the last block stays in the tail');
    assert.equal(result.paragraphCount, 40);
    assert.ok(result.lastHighlighted);
  });

  it('when a frame runs out of budget, shows the not-yet-frozen blocks plainly and finishes in later frames', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount({ frameBudgetMs: 0 });
      const blocks = Array.from({ length: 6 }, (_, i) => `Paragraph ${i}\n\n\`\`\`ts\nconst v${i} = ${i};\n\`\`\`\n\n`);
      m.md.append(blocks.join('') + 'Last words');
      m.frames.run();
      const first = {
        busy: m.container.getAttribute('aria-busy'),
        pending: m.frames.pending,
        text: m.container.textContent!.replace(/\s+/g, ' '),
        highlightedBlocks: m.container.querySelectorAll('code.hljs').length,
        tailBlocks: m.container.querySelectorAll('.md-tail .code-block').length,
      };
      const frames = 1 + m.frames.drain();
      return {
        first,
        frames,
        busy: m.container.getAttribute('aria-busy'),
        highlightedBlocks: m.container.querySelectorAll('code.hljs').length,
        same: r1.flatHtml(m.container) === r1.oneShotHtml(m.md.text),
      };
    });
    assert.equal(result.first.busy, 'true');
    assert.equal(result.first.pending, 1);
    for (let i = 0; i < 6; i++)
      assert.ok(
        result.first.text.includes(`Paragraph ${i}`) && result.first.text.includes(`const v${i} = ${i};`),
        `block ${i} visible after one frame`,
      );
    assert.ok(result.first.text.trim().endsWith('Last words'), result.first.text);
    assert.ok(result.first.highlightedBlocks < 6, 'not everything was frozen in the first frame');
    assert.ok(result.first.tailBlocks > 0, 'the rest is shown from the tail');
    assert.ok(result.frames > 2, `${result.frames} frames`);
    assert.equal(result.busy, null);
    assert.equal(result.highlightedBlocks, 6);
    // The one-shot render treats the unfinished last paragraph the same way.
    assert.ok(result.same, 'same DOM as a one-shot render');
  });

  it('batches any number of appends into one flush per frame', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      for (let i = 0; i < 500; i++) m.md.append(`w${i} `);
      const requestedBeforeFrame = m.frames.requested;
      const domBeforeFrame = m.container.textContent;
      const busy = m.container.getAttribute('aria-busy');
      m.frames.run();
      return {
        requestedBeforeFrame,
        domBeforeFrame,
        busy,
        busyAfter: m.container.getAttribute('aria-busy'),
        pendingAfter: m.frames.pending,
        renders: m.renders,
        words: m.container.textContent!.trim().split(' ').length,
      };
    });
    assert.equal(result.requestedBeforeFrame, 1);
    assert.equal(result.domBeforeFrame, '', 'nothing touches the DOM before the frame');
    assert.equal(result.busy, 'true');
    assert.equal(result.busyAfter, null);
    assert.equal(result.pendingAfter, 0);
    assert.equal(result.renders, 1);
    assert.equal(result.words, 500);
  });

  it('renders lists that continue across blank lines as one list', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      const states: { lists: number; items: number }[] = [];
      for (const chunk of ['1. alpha\n', '\n', '2. beta\n', '\n', '   still beta\n', '\n', '3. gamma\n\n', 'Done.']) {
        m.md.append(chunk);
        m.frames.drain();
        states.push({
          lists: m.container.querySelectorAll('ol').length,
          items: m.container.querySelectorAll('ol > li').length,
        });
      }
      return { states, html: r1.flatHtml(m.container), expected: r1.oneShotHtml(m.md.text) };
    });
    assert.deepEqual(
      result.states.map((s) => s.lists),
      [1, 1, 1, 1, 1, 1, 1, 1],
    );
    assert.deepEqual(
      result.states.map((s) => s.items),
      [1, 1, 2, 2, 2, 2, 3, 3],
    );
    assert.equal(result.html, result.expected);
  });

  it('numbers code blocks like the host does (core/codeBlocks.ts), nested and indented ones included', async () => {
    const source =
      'Intro\n\n```js\na()\n```\n\n    indented, not a fence\n\n- item\n\n  ```py\n  b()\n  ```\n\n> ```sh\n> c\n> ```\n\n~~~\nd\n~~~\n';
    const result = await t.page.evaluate((text) => {
      const m = r1.mount();
      for (let i = 0; i < text.length; i += 3) {
        m.md.append(text.slice(i, i + 3));
        m.frames.run();
      }
      m.md.finish();
      m.frames.drain();
      return {
        rendered: [...m.container.querySelectorAll('.code-block')].map((block) => ({
          index: block.getAttribute('data-block-index'),
          code: block.querySelector('code')!.textContent,
          apply: block.querySelector('[data-action="apply-code"]')?.getAttribute('data-block-index') ?? null,
        })),
        host: r1.listCodeBlocks(text).map((block) => ({ index: String(block.index), code: block.code })),
      };
    }, source);
    const fences = result.rendered.filter((block) => block.index !== null);
    assert.deepEqual(
      fences.map(({ index, code }) => ({ index, code })),
      result.host,
    );
    assert.deepEqual(
      fences.map((block) => block.apply),
      result.host.map((block) => block.index),
    );
    const indented = result.rendered.filter((block) => block.index === null);
    assert.equal(indented.length, 1);
    assert.equal(indented[0]!.apply, null, 'indented code has no index the host knows, so no apply button');
  });

  it('renders only http(s) links, as inert data-href anchors; loads nothing; never runs injected markup', async () => {
    const source = [
      '[ok](https://example.com/a?b=1&c=2) and https://auto.example/path and <https://angle.example>',
      '[js](javascript:alert(1)) [cmd](command:workbench.action.reloadWindow) [file](file:///etc/passwd) [rel](./x.md) [data](data:text/html,<b>x</b>)',
      '<javascript:alert(2)> <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>',
      '![tracker](https://evil.example/pixel.png) ![inline](data:image/png;base64,AAAA)',
      '<a href="https://evil.example" onclick="window.__pwned=3">raw</a> <div style="background:url(https://evil.example/bg)">x</div>',
      '[spaced](java\tscript:alert(1)) [entity](&#106;avascript:alert(1)) [ref][r] [vbs](vbscript:msgbox)',
      '',
      '[r]: javascript:alert(3)',
      '',
      '```html',
      '<img src="https://evil.example/in-code.png">',
      '```',
    ].join('\n');
    const result = await t.page.evaluate(async (text) => {
      const m = r1.mount();
      for (let i = 0; i < text.length; i += 5) {
        m.md.append(text.slice(i, i + 5));
        m.frames.run();
      }
      m.md.finish();
      m.frames.drain();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const elements = [...m.container.querySelectorAll('*')];
      return {
        links: [...m.container.querySelectorAll('a')].map((a) => ({
          dataHref: a.getAttribute('data-href'),
          text: a.textContent,
        })),
        tags: [...new Set(elements.map((el) => el.tagName.toLowerCase()))].sort(),
        attributes: [...new Set(elements.flatMap((el) => [...el.attributes].map((a) => a.name)))].sort(),
        text: m.container.textContent,
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      };
    }, source);
    assert.deepEqual(result.links, [
      { dataHref: 'https://example.com/a?b=1&c=2', text: 'ok' },
      { dataHref: 'https://auto.example/path', text: 'https://auto.example/path' },
      { dataHref: 'https://angle.example', text: 'https://angle.example' },
      { dataHref: 'https://evil.example/pixel.png', text: 'tracker' },
      // URLs inside markup shown as text are linkified like any other visible URL.
      { dataHref: 'https://evil.example', text: 'https://evil.example' },
      { dataHref: 'https://evil.example/bg', text: 'https://evil.example/bg' },
    ]);
    assert.equal(result.pwned, null);
    for (const tag of ['img', 'script', 'iframe', 'style', 'svg', 'form', 'input'])
      assert.ok(!result.tags.includes(tag), `no <${tag}>`);
    for (const attribute of ['href', 'src', 'style', 'onerror', 'onclick'])
      assert.ok(!result.attributes.includes(attribute), `no ${attribute}=`);
    // Refused links stay visible as text, so nothing the model wrote silently disappears.
    for (const literal of [
      '[js](javascript:alert(1))',
      '[cmd](command:workbench.action.reloadWindow)',
      '<img src=x onerror="window.__pwned=1">',
      '<script>',
      '![inline](data:image/png;base64,AAAA)',
      '[ref][r]',
    ]) {
      assert.ok(result.text!.includes(literal), `shows ${literal} as text`);
    }
    assert.deepEqual(t.blockedRequests, [], 'no request left the page');
    assert.deepEqual(await t.cspViolations(), [], 'nothing the CSP had to block (no inline styles, no remote loads)');
  });

  it('uses reference definitions only once complete', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      m.md.append('[docs]: https://a.example/');
      m.frames.drain();
      m.md.append('full\n\nSee [docs].\n\nThen more.');
      m.frames.drain();
      return [...m.container.querySelectorAll('a')].map((a) => a.getAttribute('data-href'));
    });
    assert.deepEqual(result, ['https://a.example/full']);
  });

  it('treats \\r\\n split across chunks as one line break', async () => {
    const result = await t.page.evaluate(() => {
      const m = r1.mount();
      for (const chunk of ['para one\r', '\n\r', '\npara two\r', '\n```\rcode\r\n```\r', '\n']) {
        m.md.append(chunk);
        m.frames.run();
      }
      m.frames.drain();
      return {
        text: m.md.text,
        paragraphs: [...m.container.querySelectorAll('p')].map((p) => p.textContent),
        code: m.container.querySelector('code')?.textContent,
      };
    });
    assert.equal(result.text, 'para one\n\npara two\n```\ncode\n```\n');
    assert.deepEqual(result.paragraphs, ['para one', 'para two']);
    assert.equal(result.code, 'code\n');
  });

  it('restores from state with setText: same DOM as a one-shot render, progressively for long text', async () => {
    const result = await t.page.evaluate((doc) => {
      const long = Array.from({ length: 100 }, () => doc).join('\n\n---\n\n');
      const m = r1.mount();
      m.md.setText(long);
      const busyBefore = m.container.getAttribute('aria-busy');
      m.frames.run();
      const afterOneFrame = m.container.querySelectorAll('h1').length;
      const frames = 1 + m.frames.drain();
      m.md.finish();
      m.frames.drain();
      const restored = r1.flatHtml(m.container) === r1.oneShotHtml(long);

      // Extending the text keeps what is frozen; replacing it starts over.
      const first = m.container.firstElementChild;
      m.md.setText(long + '\n\nMore.');
      m.frames.drain();
      const extendedKeeps =
        m.container.firstElementChild === first &&
        [...m.container.querySelectorAll('p')].at(-1)!.textContent === 'More.';
      m.md.setText('Different text.');
      m.frames.drain();
      return {
        length: long.length,
        busyBefore,
        afterOneFrame,
        frames,
        restored,
        extendedKeeps,
        replaced: r1.flatHtml(m.container),
        text: m.md.text,
        busyAfter: m.container.getAttribute('aria-busy'),
      };
    }, DOCUMENT);
    assert.ok(result.length > 60_000, `long enough: ${result.length}`);
    assert.equal(result.busyBefore, 'true');
    assert.ok(result.frames > 1, `a long restore is spread over frames (took ${result.frames})`);
    assert.ok(
      result.afterOneFrame > 0 && result.afterOneFrame < 100,
      `the first frame shows a part (${result.afterOneFrame} of 100 sections)`,
    );
    assert.ok(result.restored, 'restored DOM equals a one-shot render');
    assert.ok(result.extendedKeeps, 'extending keeps the frozen nodes');
    assert.equal(result.replaced, '<p>Different text.</p>\n');
    assert.equal(result.text, 'Different text.');
    assert.equal(result.busyAfter, null);
  });

  it('streams into a collapsed section and shows the right content when expanded; toggling re-renders nothing', async () => {
    const result = await t.page.evaluate(async () => {
      const details = document.createElement('details');
      details.innerHTML = '<summary>Thinking</summary>';
      document.body.append(details);
      const m = r1.mount({}, details);
      const text = 'First thought.\n\nSecond thought with `code`.\n\n```py\nx = 1\n```\n\nLast thought';
      for (let i = 0; i < text.length; i += 4) {
        m.md.append(text.slice(i, i + 4));
        m.frames.run();
      }
      const hiddenWhileCollapsed = !m.container.checkVisibility();
      const frozen = [...m.container.children];
      let mutations = 0;
      const observer = new MutationObserver((records) => (mutations += records.length));
      observer.observe(m.container, { subtree: true, childList: true, attributes: true, characterData: true });
      details.open = true;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const visibleHeight = m.container.checkVisibility() ? m.container.getBoundingClientRect().height : 0;
      details.open = false;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      details.open = true;
      m.frames.drain();
      observer.disconnect();
      return {
        hiddenWhileCollapsed,
        visibleHeight,
        mutations,
        same: frozen.every((node, i) => m.container.children[i] === node),
        paragraphs: [...m.container.querySelectorAll('p')].map((p) => p.textContent),
        highlighted: !!m.container.querySelector('code.hljs'),
      };
    });
    assert.equal(result.hiddenWhileCollapsed, true);
    assert.ok(result.visibleHeight > 0);
    assert.equal(result.mutations, 0);
    assert.ok(result.same);
    assert.deepEqual(result.paragraphs, ['First thought.', 'Second thought with code.', 'Last thought']);
    assert.ok(result.highlighted);
  });

  it('leaves code plain when highlighting is off, and unknown languages unhighlighted but usable', async () => {
    const result = await t.page.evaluate(() => {
      const plain = r1.mount({ highlight: false });
      plain.md.append('```ts\nconst a = 1;\n```\n');
      plain.frames.drain();
      const unknown = r1.mount();
      unknown.md.append('```brainfuck\n+++.\n```\n');
      unknown.frames.drain();
      return {
        plainHighlighted: !!plain.container.querySelector('.hljs, .hljs-keyword'),
        plainClass: plain.container.querySelector('code')!.className,
        unknownHighlighted: !!unknown.container.querySelector('.hljs'),
        unknownLanguage: unknown.container.querySelector('.language')!.textContent,
        unknownButtons: unknown.container.querySelectorAll('button').length,
      };
    });
    assert.deepEqual(result, {
      plainHighlighted: false,
      plainClass: 'language-ts',
      unknownHighlighted: false,
      unknownLanguage: 'brainfuck',
      unknownButtons: 3,
    });
  });

  it('reports no page errors', () => {
    assert.deepEqual(t.errors, []);
  });
});
