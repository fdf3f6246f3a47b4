/**
 * The cloud provider's transport watch. The SDK's SSE parser swallows `: keep-alive` comments, so
 * the inactivity timeout watches raw bytes through a wrapped `fetch`; the watchdog fires when no
 * bytes at all arrive for its period while it is armed.
 */

export interface BodyWatch {
  sawDone: boolean;
  /** The body was read to its end (or to [DONE]); nothing left to abort. */
  ended?: boolean;
}

/**
 * A fetch whose response body notes every chunk of bytes (keep-alive comments included) and
 * ends at `data: [DONE]`, so a server that keeps the connection open afterwards is not a stall.
 */
export function watchedFetch(onBytes: () => void, watch: BodyWatch): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    onBytes();
    const source = response.body;
    if (!source) return response;
    const reader = source.getReader();
    const decoder = new TextDecoder();
    let tail = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          watch.ended = true;
          controller.close();
          return;
        }
        onBytes();
        controller.enqueue(value);
        const text = tail + decoder.decode(value, { stream: true });
        if (/(^|\n)data: ?\[DONE\]/.test(text)) {
          watch.sawDone = true;
          watch.ended = true;
          controller.close();
          reader.cancel().catch(() => undefined);
          return;
        }
        tail = text.slice(-16);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Fires when armed and no bytes arrive for `ms`. Disarmed while the consumer holds a chunk. */
export class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armed = false;

  constructor(
    private readonly ms: number,
    private readonly onSilence: () => void,
  ) {}

  arm(): void {
    this.armed = true;
    this.restart();
  }

  disarm(): void {
    this.armed = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  touch(): void {
    if (this.armed) this.restart();
  }

  private restart(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.armed = false;
      this.timer = undefined;
      this.onSilence();
    }, this.ms);
  }
}
