/**
 * Streaming markdown whose cost is proportional to the new text, not to the whole message.
 *
 * The source is split into a frozen prefix and an open tail. Each frame, markdown-it parses only
 * the tail; every top-level block of it that can no longer change is rendered once (with code
 * highlighting) and appended, in chunks, before the tail element: frozen DOM, never touched again.
 * What remains (normally the last block) is re-rendered into the tail element. A block is final
 * when the next top-level block starts on a complete line (markdown's block structure is decided
 * line by line, so nothing after that line can reach back into it), or when it is a top-level
 * fence whose closing marker line is complete.
 *
 * Work is batched per animation frame and time-sliced: all renderers share one budget per frame,
 * so restoring a long conversation renders progressively instead of blocking the panel.
 */

import type { Token } from 'markdown-it';
import { parseMarkdown, renderTokens, type FenceMeta, type ParseEnv, type RenderEnv } from './markdownRender';

export type FrameScheduler = (callback: (timestamp?: number) => void) => void;

export interface StreamingMarkdownOptions {
  /** Highlight fenced code once it is closed (default true). */
  readonly highlight?: boolean;
  /** Runs a flush later; default requestAnimationFrame. Tests pass a manual queue. */
  readonly scheduler?: FrameScheduler;
  /** Called after each flush that changed the DOM (e.g. to keep the end in view). */
  readonly onRender?: () => void;
  /** Freezing work per frame in ms, shared with other renderers (default 8; 0 = one group per frame). */
  readonly frameBudgetMs?: number;
}

/** Default freezing work per frame, shared by every renderer; the tail re-render comes on top. */
const FRAME_BUDGET_MS = 8;
/** The tail is parsed in windows of about this size while catching up (restore, huge chunks). */
const WINDOW_CHARS = 4_096;
/**
 * Frozen blocks live in chunks of about this many, which the browser skips entirely while they are
 * off screen (content-visibility): per-frame layout and paint then stay flat as the trace grows,
 * where a flat list of thousands of blocks costs more every frame.
 */
const CHUNK_BLOCKS = 24;
/** Plain blocks are frozen in groups of about this size: one sanitizer pass per group. */
const GROUP_CHARS = 2_048;

// rAF callbacks of one frame receive the same timestamp: that is how renderers share a budget.
let budgetFrame: number | undefined;
let budgetStart = 0;

function frameDeadline(timestamp: number | undefined, budget: number): number {
  const now = performance.now();
  if (timestamp === undefined) return now + budget;
  if (timestamp !== budgetFrame) {
    budgetFrame = timestamp;
    budgetStart = now;
  }
  return budgetStart + budget;
}

const defaultScheduler: FrameScheduler = (callback) => {
  requestAnimationFrame(callback);
};

interface Segment {
  readonly tokens: Token[];
  /** [first token, end token) of each top-level block, with its first source line. */
  readonly blocks: readonly { readonly start: number; readonly end: number; readonly line: number }[];
  /** Offset of each line start in the parsed text. */
  readonly lineStarts: readonly number[];
  /** Lines that end with a newline (the last line may still be growing). */
  readonly completeLines: number;
}

const CLOSING_FENCE = /^[ \t>]*(`{3,}|~{3,})[ \t]*$/;

export class StreamingMarkdown {
  private readonly highlight: boolean;
  private readonly scheduler: FrameScheduler;
  private readonly onRender: (() => void) | undefined;
  private readonly frameBudget: number;
  private readonly tailElement: HTMLElement;
  /** Source already rendered as frozen DOM, in pieces (joined only when someone asks). */
  private frozen: string[] = [];
  private tail = '';
  /** The last chunk ended in "\r": a "\n" opening the next one belongs to the same line break. */
  private afterCarriageReturn = false;
  /** Fences in frozen blocks: the index the next fence gets. */
  private fenceCount = 0;
  /** Reference definitions from the frozen prefix (never from a half-written tail). */
  private references: NonNullable<ParseEnv['references']> = {};
  private finished = false;
  private scheduled = false;
  private tailDirty = false;
  /** Tokens of the unfrozen tail, from the last parse, when that parse covered all of it. */
  private tailTokens: Token[] | undefined;
  /** The tail holds blocks that are final but wait for the next frame: render them cheaply. */
  private tailPlain = false;
  /** The chunk that frozen blocks are appended to, and how many it holds. */
  private chunk: HTMLElement | undefined;
  private chunkBlocks = 0;
  /** The last parse found definitions not committed yet (they may lie in the unfinished part). */
  private newReferences = false;

  constructor(
    private readonly container: HTMLElement,
    options: StreamingMarkdownOptions = {},
  ) {
    this.highlight = options.highlight ?? true;
    this.scheduler = options.scheduler ?? defaultScheduler;
    this.onRender = options.onRender;
    this.frameBudget = options.frameBudgetMs ?? FRAME_BUDGET_MS;
    this.tailElement = document.createElement('div');
    this.tailElement.className = 'md-tail';
    container.replaceChildren(this.tailElement);
    adoptChunkStyles();
  }

  /** All text received so far (line breaks normalized to "\n"). */
  get text(): string {
    const joined = this.frozen.join('');
    // Keep the pieces few, so repeated reads stay cheap.
    this.frozen = joined ? [joined] : [];
    return joined + this.tail;
  }

  /** Adds streamed text; the DOM catches up on the next frame. */
  append(text: string): void {
    const normalized = this.normalize(text);
    if (!normalized) return;
    this.tail += normalized;
    this.finished = false;
    this.invalidate();
  }

  /** The stream ended: render the tail as complete (every fence closed and highlighted). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.invalidate();
  }

  /**
   * Replaces the content (restore from state, reclassified text). Text that extends the current
   * text is appended, so frozen blocks stay; anything else starts over.
   */
  setText(fullText: string): void {
    const normalized = fullText.replace(/\r\n?/g, '\n');
    const current = this.text;
    if (normalized.startsWith(current)) {
      this.afterCarriageReturn = false;
      this.finished = false;
      this.tail += normalized.slice(current.length);
      this.invalidate();
      return;
    }
    this.frozen = [];
    this.chunk = undefined;
    this.tail = normalized;
    this.afterCarriageReturn = false;
    this.fenceCount = 0;
    this.references = {};
    this.finished = false;
    this.container.replaceChildren(this.tailElement);
    this.tailElement.replaceChildren();
    this.invalidate();
  }

  private normalize(text: string): string {
    let result = text;
    if (this.afterCarriageReturn && result.startsWith('\n')) result = result.slice(1);
    if (result) this.afterCarriageReturn = result.endsWith('\r');
    return result.includes('\r') ? result.replace(/\r\n?/g, '\n') : result;
  }

  private invalidate(): void {
    this.tailDirty = true;
    this.tailTokens = undefined;
    if (this.scheduled) return;
    this.scheduled = true;
    this.container.setAttribute('aria-busy', 'true');
    this.scheduler((timestamp) => this.flush(timestamp));
  }

  private flush(timestamp: number | undefined): void {
    this.scheduled = false;
    const deadline = frameDeadline(timestamp, this.frameBudget);
    const { frozeSome, pending } = this.freezeStable(deadline);
    if (this.tailTokens && this.tailDirty) this.renderTail();
    // Out of budget before the rest was parsed: what the tail shows is stale, so show nothing.
    else if (!this.tailTokens && frozeSome) this.tailElement.replaceChildren();
    if (pending) {
      // The rest goes in the next frames (a long restore, or a frame that met cold code).
      this.scheduled = true;
      this.scheduler((next) => this.flush(next));
    } else {
      this.container.removeAttribute('aria-busy');
    }
    if (frozeSome || this.tailTokens) this.onRender?.();
  }

  /**
   * Freezes the final blocks of the tail, group by group, until the frame's budget is spent.
   * Leaves `tailTokens` set when it knows what the tail element should show.
   */
  private freezeStable(deadline: number): { frozeSome: boolean; pending: boolean } {
    let frozeSome = false;
    let windowChars = WINDOW_CHARS;
    this.tailTokens = undefined;
    this.tailPlain = false;
    for (;;) {
      const windowEnd = this.tail.length > windowChars ? lineBoundaryBefore(this.tail, windowChars) : this.tail.length;
      const truncated = windowEnd < this.tail.length;
      const source = truncated ? this.tail.slice(0, windowEnd) : this.tail;
      const segment = this.parse(source);
      const stable = this.countStable(segment);

      if (stable === 0) {
        if (!truncated) {
          this.tailTokens = segment.tokens;
          return { frozeSome, pending: false };
        }
        // One block is longer than the window: look further.
        windowChars *= 2;
        continue;
      }

      const { blocks, tokens, lineStarts } = segment;
      const startOf = (block: number) =>
        block < blocks.length ? lineStarts[blocks[block]!.line]! : offsetAfterBlock(segment, blocks[block - 1]!.end);
      let done = 0;
      let cut = 0;
      while (done < stable) {
        // Plain blocks go in groups (one sanitizer pass each); a fence alone, as highlighting may be slow.
        let end = done + 1;
        if (!isFence(tokens, blocks[done]!)) {
          while (end < stable && !isFence(tokens, blocks[end]!) && startOf(end + 1) - startOf(done) < GROUP_CHARS)
            end++;
        }
        const next = startOf(end);
        this.freezeTokens(tokens.slice(blocks[done]!.start, blocks[end - 1]!.end), source.slice(cut, next));
        cut = next;
        done = end;
        frozeSome = true;
        if (done < stable && performance.now() >= deadline) break;
      }
      this.tail = this.tail.slice(cut);
      this.tailDirty = true;
      if (!truncated) {
        // The same parse describes what is left: blocks not frozen yet show plain until they are.
        this.tailTokens = done < blocks.length ? tokens.slice(blocks[done]!.start) : [];
        this.tailPlain = done < stable;
        return { frozeSome, pending: done < stable };
      }
      windowChars = WINDOW_CHARS;
      if (performance.now() >= deadline) return { frozeSome, pending: true };
    }
  }

  private parse(source: string): Segment {
    const env: ParseEnv = { references: { ...this.references } };
    const tokens = parseMarkdown(source, env);
    this.newReferences = Object.keys(env.references ?? {}).length > Object.keys(this.references).length;
    const lineStarts = [0];
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) lineStarts.push(at + 1);
    const completeLines = lineStarts.length - 1;
    const blocks: { start: number; end: number; line: number }[] = [];
    let openedAt = -1;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.type === 'fence')
        token.meta = { closed: this.fenceClosed(token, source, lineStarts) } satisfies FenceMeta;
      if (token.level !== 0) continue;
      if (token.nesting === 1) openedAt = i;
      else if (token.nesting === 0) blocks.push({ start: i, end: i + 1, line: token.map?.[0] ?? 0 });
      else blocks.push({ start: openedAt, end: i + 1, line: tokens[openedAt]?.map?.[0] ?? 0 });
    }
    return { tokens, blocks, lineStarts, completeLines };
  }

  /** How many leading top-level blocks are final. */
  private countStable(segment: Segment): number {
    const { blocks, tokens, completeLines } = segment;
    let stable = 0;
    while (stable < blocks.length) {
      const block = blocks[stable]!;
      const next = blocks[stable + 1];
      const followed = next !== undefined && next.line < completeLines;
      const single = tokens[block.start]!;
      const closedFence =
        block.end - block.start === 1 && single.type === 'fence' && (single.meta as FenceMeta | null)?.closed === true;
      if (!followed && !closedFence) break;
      stable++;
    }
    return stable;
  }

  private fenceClosed(token: Token, source: string, lineStarts: readonly number[]): boolean {
    if (!token.map) return false;
    const closingLine = token.map[1] - 1;
    // The marker line must be complete: "```" can still grow into "```js", which closes nothing.
    const lineEnd = lineStarts[closingLine + 1];
    if (closingLine <= token.map[0] || lineEnd === undefined) return false;
    const marker = CLOSING_FENCE.exec(source.slice(lineStarts[closingLine], lineEnd - 1))?.[1];
    return marker !== undefined && marker[0] === token.markup[0] && marker.length >= token.markup.length;
  }

  private freezeTokens(tokens: Token[], source: string): void {
    const env: RenderEnv = { fenceIndex: this.fenceCount, highlight: this.highlight, final: true };
    // Frozen blocks are complete, so every fence in them counts as closed.
    const fragment = renderTokens(tokens, env);
    if (!this.chunk || this.chunkBlocks >= CHUNK_BLOCKS) {
      this.chunk = document.createElement('div');
      this.chunk.className = 'md-chunk';
      this.container.insertBefore(this.chunk, this.tailElement);
      this.chunkBlocks = 0;
    }
    this.chunkBlocks += fragment.childElementCount;
    this.chunk.append(fragment);
    this.fenceCount = env.fenceIndex;
    this.frozen.push(source);
    if (this.newReferences) this.commitReferences(source);
  }

  /** Reference definitions count once they are in the frozen text (a tail's may be half-written). */
  private commitReferences(frozenSource: string): void {
    const env: ParseEnv = { references: { ...this.references } };
    parseMarkdown(frozenSource, env);
    this.references = env.references ?? {};
  }

  private renderTail(): void {
    const env: RenderEnv = {
      fenceIndex: this.fenceCount,
      highlight: this.highlight && !this.tailPlain,
      final: this.finished,
    };
    const tokens = this.tailTokens ?? [];
    this.tailElement.replaceChildren(tokens.length ? renderTokens(tokens, env) : '');
    this.tailDirty = false;
  }
}

let chunkStylesAdopted = false;

/**
 * The chunks' styles, from here rather than the panel's stylesheet: the renderer's cost depends on
 * them. A constructed stylesheet, which the panel's CSP (no inline styles) allows.
 */
function adoptChunkStyles(): void {
  if (chunkStylesAdopted) return;
  chunkStylesAdopted = true;
  const sheet = new CSSStyleSheet();
  // `auto` remembers each chunk's rendered height, so the scroll height stays exact once shown.
  // A chunk is its own formatting context, so its first block's top margin would not collapse
  // into the previous chunk's last one: drop it.
  sheet.replaceSync(
    '.md-chunk { content-visibility: auto; contain-intrinsic-size: auto 600px; }\n' +
      '.md-chunk > :first-child { margin-top: 0; }',
  );
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function isFence(tokens: readonly Token[], block: { readonly start: number; readonly end: number }): boolean {
  const type = tokens[block.start]!.type;
  return block.end - block.start === 1 && (type === 'fence' || type === 'code_block');
}

/** End of the last complete line within `limit` characters (or of the first line, if longer). */
function lineBoundaryBefore(text: string, limit: number): number {
  const before = text.lastIndexOf('\n', limit - 1);
  if (before !== -1) return before + 1;
  const after = text.indexOf('\n', limit);
  return after === -1 ? text.length : after + 1;
}

/** Offset just past the lines of the block ending at token `end` (a closed fence with nothing after it). */
function offsetAfterBlock(segment: Segment, end: number): number {
  const map = segment.tokens[end - 1]!.map;
  const line = map ? map[1] : segment.completeLines;
  return segment.lineStarts[Math.min(line, segment.completeLines)]!;
}
