/**
 * Browser entry for `npm run bench:webview`: a minimal panel (Thinking section + answer) fed the
 * same protocol messages as the real one, with two renderers to compare:
 *   incremental — StreamingMarkdown, as the panel uses it;
 *   baseline    — what most chat panels do: on every chunk, render the whole message's markdown
 *                 (same markdown-it setup and sanitizer, no highlighting) into innerHTML.
 * The mode comes from `window.__benchMode`, set by the benchmark before this script runs.
 */

import type { HostMessage } from '../src/shared/protocol';
import { FollowScroll } from '../src/webview/followScroll';
import { renderMarkdownToHtml } from '../src/webview/markdownRender';
import { StreamingMarkdown } from '../src/webview/markdownStream';

type Mode = 'incremental' | 'baseline';

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

function baselineView(): View {
  const { thinking, thinkingBody, answer } = createTurn();
  let reasoning = '';
  let answerText = '';
  return {
    append(reasoningDelta, answerDelta) {
      if (reasoningDelta) {
        reasoning += reasoningDelta;
        thinkingBody.innerHTML = renderMarkdownToHtml(reasoning);
      }
      if (answerDelta) {
        thinking.open = false;
        answerText += answerDelta;
        answer.innerHTML = renderMarkdownToHtml(answerText);
      }
    },
    finish() {
      answer.innerHTML = renderMarkdownToHtml(answerText, { highlight: true });
    },
  };
}

let view: View | undefined;
window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type === 'turnStarted') {
    view = mode === 'baseline' ? baselineView() : incrementalView();
  } else if (message.type === 'delta') {
    view?.append(message.reasoning, message.answer);
  } else if (message.type === 'turnEnded') {
    view?.finish();
  } else {
    return;
  }
  scrollSoon();
});
