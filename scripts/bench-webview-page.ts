/**
 * Browser entry for `npm run bench:webview`: a minimal panel (Thinking section + answer) fed the
 * same protocol messages as the real one, with three renderers to compare:
 *   incremental — StreamingMarkdown, as the panel uses it;
 *   per-frame   — the baseline a careful peer would write: keep the message's text, and at most once
 *                 per animation frame (requestAnimationFrame-coalesced) render all of it again
 *                 (the panel's markdown-it setup and DOMPurify sanitizer) and swap it in;
 *   per-delta   — what many chat panels do: the same full render on every delta.
 * Both baselines render exactly the same way (`renderWhole`) and differ only in when. Neither
 * highlights code while streaming (both do once, at the end), so each does less work per render
 * than the panel, which highlights every closed code block as it streams: a conservative baseline.
 * The mode comes from `window.__benchMode`, set by the benchmark before this script runs.
 */

import type { HostMessage } from '../src/shared/protocol';
import { FollowScroll } from '../src/webview/followScroll';
import { parseMarkdown, renderTokens, type RenderEnv } from '../src/webview/markdownRender';
import { StreamingMarkdown } from '../src/webview/markdownStream';

type Mode = 'incremental' | 'per-frame' | 'per-delta';

interface View {
  append(reasoning: string, answer: string): void;
  finish(): void;
}

const mode: Mode = (window as unknown as { __benchMode?: Mode }).__benchMode ?? 'incremental';
const app = document.getElementById('app')!;
const transcript = document.createElement('main');
transcript.className = 'transcript';
app.append(transcript);
const follow = new FollowScroll(transcript);
let pendingScroll = false;
// One scroll per frame, after the renderers' flushes (rAF callbacks run in order).
const scrollSoon = () => {
  if (pendingScroll) return;
  pendingScroll = true;
  requestAnimationFrame(() => {
    pendingScroll = false;
    follow.update();
  });
};

function createTurn(): { thinking: HTMLDetailsElement; thinkingBody: HTMLElement; answer: HTMLElement } {
  const article = document.createElement('article');
  article.className = 'turn';
  const thinking = document.createElement('details');
  thinking.className = 'thinking';
  thinking.open = true;
  const summary = document.createElement('summary');
  summary.textContent = 'Thinking';
  const thinkingBody = document.createElement('div');
  thinkingBody.className = 'thinking-body markdown';
  thinking.append(summary, thinkingBody);
  const answer = document.createElement('div');
  answer.className = 'answer markdown';
  article.append(thinking, answer);
  transcript.append(article);
  return { thinking, thinkingBody, answer };
}

function incrementalView(): View {
  const { thinking, thinkingBody, answer } = createTurn();
  const reasoningView = new StreamingMarkdown(thinkingBody, { highlight: true });
  const answerView = new StreamingMarkdown(answer, { highlight: true });
  return {
    append(reasoning, answerText) {
      if (reasoning) reasoningView.append(reasoning);
      if (answerText) {
        thinking.open = false;
        answerView.append(answerText);
      }
    },
    finish() {
      reasoningView.finish();
      answerView.finish();
    },
  };
}

/** The whole text, parsed, rendered and sanitized into a fragment that replaces the old content. */
function renderWhole(element: HTMLElement, source: string, highlight = false): void {
  const env: RenderEnv = { fenceIndex: 0, highlight, final: true };
  element.replaceChildren(renderTokens(parseMarkdown(source, {}), env));
}

/** A full re-render of what changed: on every delta (`perFrame` false) or once per animation frame. */
function baselineView(perFrame: boolean): View {
  const { thinking, thinkingBody, answer } = createTurn();
  let reasoning = '';
  let answerText = '';
  let reasoningDirty = false;
  let answerDirty = false;
  let scheduled = false;
  const render = () => {
    scheduled = false;
    if (reasoningDirty) renderWhole(thinkingBody, reasoning);
    if (answerDirty) renderWhole(answer, answerText);
    reasoningDirty = answerDirty = false;
  };
  return {
    append(reasoningDelta, answerDelta) {
      if (reasoningDelta) {
        reasoning += reasoningDelta;
        reasoningDirty = true;
      }
      if (answerDelta) {
        thinking.open = false;
        answerText += answerDelta;
        answerDirty = true;
      }
      if (!perFrame) render();
      else if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(render);
      }
    },
    finish() {
      if (scheduled) render();
      renderWhole(answer, answerText, true);
    },
  };
}

let view: View | undefined;
window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type === 'turnStarted') {
    view = mode === 'incremental' ? incrementalView() : baselineView(mode === 'per-frame');
  } else if (message.type === 'delta') {
    view?.append(message.reasoning, message.answer);
  } else if (message.type === 'turnEnded') {
    view?.finish();
  } else {
    return;
  }
  scrollSoon();
});
