/**
 * A conversation: runs one provider stream at a time and turns its chunks into transcript events.
 * Pure (no vscode): the host forwards the events to the webview and persists `turns`.
 *
 * Concurrency rule: one request at a time. Asking while a turn streams stops that turn first
 * (it keeps what arrived, marked stopped) and then starts the new one.
 */

import { assertNever, type FinishReason, type Usage } from './chunks';
import type { R1Error, R1ErrorAction } from './errors';
import { buildMessages } from './conversation';
import type { ChatProvider } from './provider';
import type { Range0 } from './apply/textModel';

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'error' | 'incomplete';

export interface TurnError {
  readonly message: string;
  readonly actions: readonly R1ErrorAction[];
}

/**
 * What Fix Selection proposes its edit against. Plain data (a URI string, not a vscode.Uri), and only
 * what the prompt already contained: no keys, no settings.
 */
export interface FixTarget {
  /** The document's URI as `Uri.toString()` wrote it. */
  readonly documentUri: string;
  /** 0-based, as the editor had it when the fix was asked. */
  readonly selection: Range0;
  readonly selectionText: string;
  /** The label the panel shows, e.g. "src/app.ts:12–14". */
  readonly target: string;
}

/** How a turn was asked, saved with it so that Retry asks the same way, even after a window reload. */
export interface TurnRequest {
  /** The panel's one-request override ("Just this once: Local"); absent when the default source answered. */
  readonly source?: 'cloud' | 'local';
  /** Set for a Fix Selection turn: Retry proposes the new answer's edit here. */
  readonly fix?: FixTarget;
}

/** Everything the panel needs to draw one question and its answer. */
export interface TurnView {
  readonly id: string;
  /** What was sent to the model (for Explain/Fix, the full prompt with the code). */
  readonly question: string;
  /** Shown instead of the question when set, e.g. "Fix selection · src/app.ts:12–14". */
  readonly title?: string;
  readonly reasoning: string;
  readonly answer: string;
  readonly status: TurnStatus;
  /** Which model answered, e.g. "DeepSeek · deepseek-v4-flash". */
  readonly modelLabel: string;
  readonly startedAt: number;
  /**
   * The first reasoning delta: "Thought for N s" and tok/s count from here, not from startedAt
   * (which includes model load, queueing and retry waits). Absent in turns saved before it existed.
   */
  readonly reasoningStartedAt?: number;
  /** When reasoning ended (answer began or stream ended), for "Thought for N s". */
  readonly reasoningEndedAt?: number;
  readonly endedAt?: number;
  readonly usage?: Usage;
  readonly finishReason?: FinishReason;
  readonly error?: TurnError;
  /** Shown while waiting to retry, e.g. "Server busy, retrying in 2 s (attempt 1 of 3)". */
  readonly notice?: string;
  /** Absent for a plain question asked the default way, and in turns saved before it existed. */
  readonly request?: TurnRequest;
}

export interface ConversationView {
  readonly turns: readonly TurnView[];
  readonly busy: boolean;
}

export type SessionEvent =
  | { readonly type: 'turnStarted'; readonly turn: TurnView }
  | {
      readonly type: 'delta';
      readonly turnId: string;
      readonly reasoning: string;
      readonly answer: string;
      readonly at: number;
    }
  | { readonly type: 'reclassified'; readonly turnId: string }
  | { readonly type: 'notice'; readonly turnId: string; readonly notice: string | undefined }
  | { readonly type: 'usage'; readonly turnId: string; readonly usage: Usage }
  | {
      readonly type: 'turnEnded';
      readonly turnId: string;
      readonly status: Exclude<TurnStatus, 'streaming'>;
      readonly at: number;
      readonly finishReason?: FinishReason;
      readonly error?: TurnError;
    };

export interface ChatSessionOptions {
  readonly onEvent: (event: SessionEvent) => void;
  readonly now?: () => number;
  /** Most turns kept (oldest dropped first), so persisted state stays bounded. */
  readonly maxTurns?: number;
}

type MutableTurn = { -readonly [K in keyof TurnView]: TurnView[K] };

export class ChatSession {
  private turnList: MutableTurn[] = [];
  private running: { controller: AbortController; done: Promise<TurnView> } | undefined;
  private nextId = 1;
  private readonly now: () => number;

  constructor(private readonly options: ChatSessionOptions) {
    this.now = options.now ?? Date.now;
  }

  get turns(): readonly TurnView[] {
    return this.turnList;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  view(): ConversationView {
    return { turns: this.turnList.map((turn) => ({ ...turn })), busy: this.busy };
  }

  /** Replaces the transcript (restore after reload). Turns that were streaming become stopped. */
  restore(turns: readonly TurnView[]): void {
    this.turnList = turns.map((turn) => ({
      ...turn,
      status: turn.status === 'streaming' ? 'stopped' : turn.status,
      notice: undefined,
    }));
    this.nextId = this.turnList.length + 1;
  }

  async clear(): Promise<void> {
    await this.stop();
    this.turnList = [];
  }

  /** Stops the running turn (if any) and waits until it has ended. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.controller.abort();
    await running.done;
  }

  /** Asks a question; resolves with the finished turn. `request` is kept with the turn (and saved with it). */
  async ask(question: string, provider: ChatProvider, title?: string, request?: TurnRequest): Promise<TurnView> {
    // A loop, not one stop(): two asks waiting on the same running turn would otherwise both start.
    while (this.running) await this.stop();
    const history = this.turnList.filter((turn) => turn.status === 'done' || turn.status === 'incomplete');
    const messages = buildMessages(history, question);
    const turn: MutableTurn = {
      id: `${this.now().toString(36)}-${this.nextId++}`,
      question,
      title,
      reasoning: '',
      answer: '',
      status: 'streaming',
      modelLabel: provider.label,
      startedAt: this.now(),
      ...(request?.source || request?.fix ? { request } : {}),
    };
    this.turnList.push(turn);
    const maxTurns = this.options.maxTurns ?? 200;
    if (this.turnList.length > maxTurns) this.turnList.splice(0, this.turnList.length - maxTurns);
    this.emit({ type: 'turnStarted', turn: { ...turn } });

    const controller = new AbortController();
    const done = this.run(turn, provider, messages, controller.signal);
    this.running = { controller, done };
    try {
      return await done;
    } finally {
      if (this.running?.done === done) this.running = undefined;
    }
  }

  private async run(
    turn: MutableTurn,
    provider: ChatProvider,
    messages: ReturnType<typeof buildMessages>,
    signal: AbortSignal,
  ): Promise<TurnView> {
    let ended: { status: Exclude<TurnStatus, 'streaming'>; finishReason?: FinishReason; error?: R1Error } | undefined;
    try {
      for await (const chunk of provider.stream({ messages, signal })) {
        switch (chunk.type) {
          case 'reasoning': {
            const at = this.now();
            turn.reasoningStartedAt ??= at;
            turn.reasoning += chunk.text;
            this.clearNotice(turn);
            this.emit({ type: 'delta', turnId: turn.id, reasoning: chunk.text, answer: '', at });
            break;
          }
          case 'answer':
            if (turn.reasoningEndedAt === undefined) turn.reasoningEndedAt = this.now();
            turn.answer += chunk.text;
            this.clearNotice(turn);
            this.emit({ type: 'delta', turnId: turn.id, reasoning: '', answer: chunk.text, at: this.now() });
            break;
          case 'reclassify':
            turn.answer = turn.reasoning + turn.answer;
            turn.reasoning = '';
            // It was never a thought, so it has no thinking time.
            turn.reasoningStartedAt = undefined;
            turn.reasoningEndedAt = undefined;
            this.emit({ type: 'reclassified', turnId: turn.id });
            break;
          case 'usage':
            turn.usage = chunk.usage;
            this.emit({ type: 'usage', turnId: turn.id, usage: chunk.usage });
            break;
          case 'retry':
            turn.notice = `${chunk.reason} Retrying in ${Math.ceil(chunk.delayMs / 1000)} s (attempt ${chunk.attempt}).`;
            this.emit({ type: 'notice', turnId: turn.id, notice: turn.notice });
            break;
          case 'finish':
            ended = {
              status: chunk.reason === 'aborted' ? 'stopped' : chunk.reason === 'length' ? 'incomplete' : 'done',
              finishReason: chunk.reason,
            };
            break;
          case 'error': {
            const shown = turn.reasoning.length > 0 || turn.answer.length > 0;
            ended = { status: shown ? 'incomplete' : 'error', error: chunk.error };
            break;
          }
          default:
            assertNever(chunk, 'chunk');
        }
      }
    } catch (cause) {
      // Providers must not throw; if one does, the turn still ends cleanly.
      ended = {
        status: 'error',
        error: { kind: 'unknown', transient: false, message: String(cause), actions: [{ kind: 'retry' }] },
      };
    }
    if (!ended) ended = signal.aborted ? { status: 'stopped', finishReason: 'aborted' } : { status: 'done' };
    if (ended.status === 'incomplete' && !ended.error && ended.finishReason === 'length') {
      ended.error = provider.lengthError ?? {
        kind: 'unknown',
        transient: false,
        message: 'The answer hit the token limit and is incomplete.',
        actions: [{ kind: 'retry' }],
      };
    }
    const at = this.now();
    turn.status = ended.status;
    turn.finishReason = ended.finishReason;
    turn.endedAt = at;
    turn.notice = undefined;
    if (turn.reasoningEndedAt === undefined && turn.reasoning) turn.reasoningEndedAt = at;
    const error = ended.error ? { message: ended.error.message, actions: ended.error.actions } : undefined;
    turn.error = error;
    this.emit({
      type: 'turnEnded',
      turnId: turn.id,
      status: ended.status,
      at,
      finishReason: ended.finishReason,
      error,
    });
    return { ...turn };
  }

  private clearNotice(turn: MutableTurn): void {
    if (turn.notice === undefined) return;
    turn.notice = undefined;
    this.emit({ type: 'notice', turnId: turn.id, notice: undefined });
  }

  private emit(event: SessionEvent): void {
    this.options.onEvent(event);
  }
}
