// Browser entry for the renderer tests: exposes the webview modules on `window.r1`.
import { listCodeBlocks } from '../../src/core/codeBlocks';
import { FollowScroll } from '../../src/webview/followScroll';
import { renderMarkdownToHtml } from '../../src/webview/markdownRender';
import { StreamingMarkdown, type StreamingMarkdownOptions } from '../../src/webview/markdownStream';

/** Frames run by hand, so each test decides exactly when the renderer flushes. */
export class ManualFrames {
  private queue: ((timestamp?: number) => void)[] = [];
  requested = 0;
  readonly scheduler = (callback: (timestamp?: number) => void) => {
    this.requested++;
    this.queue.push(callback);
  };
  get pending(): number {
    return this.queue.length;
  }
  /** Runs the callbacks queued so far (one frame); returns how many ran. */
  run(): number {
    const queue = this.queue;
    this.queue = [];
    for (const callback of queue) callback();
    return queue.length;
  }
  /** Runs frames until nothing is queued; returns the number of frames. */
  drain(limit = 10_000): number {
    let frames = 0;
    while (this.queue.length && frames < limit) {
      this.run();
      frames++;
    }
    return frames;
  }
}

export interface Mounted {
  readonly container: HTMLElement;
  readonly md: StreamingMarkdown;
  readonly frames: ManualFrames;
  renders: number;
}

function mount(
  options: Omit<StreamingMarkdownOptions, 'scheduler' | 'onRender'> = {},
  parent: HTMLElement = document.body,
): Mounted {
  const container = document.createElement('div');
  container.className = 'markdown';
  parent.append(container);
  const frames = new ManualFrames();
  const mounted: Mounted = {
    container,
    frames,
    renders: 0,
    md: new StreamingMarkdown(container, {
      ...options,
      scheduler: frames.scheduler,
      onRender: () => mounted.renders++,
    }),
  };
  return mounted;
}

/** The container's HTML with the chunk and tail wrappers unwrapped: comparable with a one-shot render. */
function flatHtml(container: HTMLElement): string {
  const copy = container.cloneNode(true) as HTMLElement;
  for (const wrapper of copy.querySelectorAll('.md-chunk, .md-tail')) wrapper.replaceWith(...wrapper.childNodes);
  copy.normalize();
  return copy.innerHTML;
}

/** A one-shot render parsed by the browser, serialized the same way. */
function oneShotHtml(source: string, highlight = true): string {
  const template = document.createElement('template');
  template.innerHTML = renderMarkdownToHtml(source, { highlight });
  const div = document.createElement('div');
  div.append(template.content);
  div.normalize();
  return div.innerHTML;
}

const api = {
  StreamingMarkdown,
  FollowScroll,
  ManualFrames,
  mount,
  flatHtml,
  oneShotHtml,
  listCodeBlocks,
  renderMarkdownToHtml,
};
export type RendererApi = typeof api;
(window as unknown as { r1: RendererApi }).r1 = api;
