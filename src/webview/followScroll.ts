/**
 * Keeps the end of a scrolling transcript in view while content streams in, until the user
 * scrolls up; scrolling back to the bottom resumes following.
 *
 * "Scrolled up" is read from the direction of movement, not from the distance to the bottom:
 * content that grows between our scroll and the scroll event would otherwise look like the user
 * leaving the bottom. Our own scrolls only ever move down, and content that shrinks clamps the
 * position to the very bottom, so neither is mistaken for the user.
 */

export interface FollowScrollOptions {
  /** Within this many pixels of the bottom counts as "at the bottom" (default 40). */
  readonly threshold?: number;
}

export class FollowScroll {
  private followingEnd = true;
  private lastTop: number;
  private readonly threshold: number;
  private readonly onScroll = () => this.scrolled();
  private readonly onWheel = (event: WheelEvent) => {
    // Wheel input arrives before the scroll it causes: stop at once, so no update snaps back.
    if (event.deltaY < 0 && this.scroller.scrollHeight > this.scroller.clientHeight) this.followingEnd = false;
  };

  constructor(
    private readonly scroller: HTMLElement,
    options: FollowScrollOptions = {},
  ) {
    this.threshold = options.threshold ?? 40;
    this.lastTop = scroller.scrollTop;
    scroller.addEventListener('scroll', this.onScroll, { passive: true });
    scroller.addEventListener('wheel', this.onWheel, { passive: true });
  }

  get following(): boolean {
    return this.followingEnd;
  }

  /** Call after content changed (e.g. StreamingMarkdown's onRender): keeps the end in view if following. */
  update(): void {
    if (this.followingEnd) this.toEnd();
  }

  /** Jumps to the end and follows again (a new question, "scroll to bottom"). */
  resume(): void {
    this.followingEnd = true;
    this.toEnd();
  }

  dispose(): void {
    this.scroller.removeEventListener('scroll', this.onScroll);
    this.scroller.removeEventListener('wheel', this.onWheel);
  }

  private toEnd(): void {
    const target = this.scroller.scrollHeight - this.scroller.clientHeight;
    if (this.scroller.scrollTop < target) this.scroller.scrollTop = target;
  }

  private scrolled(): void {
    const top = this.scroller.scrollTop;
    const distance = this.scroller.scrollHeight - this.scroller.clientHeight - top;
    if (top < this.lastTop - 1 && distance > 1) this.followingEnd = false;
    else if (distance <= this.threshold && top >= this.lastTop) this.followingEnd = true;
    this.lastTop = top;
  }
}
