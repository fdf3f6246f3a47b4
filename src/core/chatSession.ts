/**
 * A conversation: runs one provider stream at a time and turns its chunks into transcript events.
 * Pure (no vscode): the host forwards the events to the webview and persists `turns`.
 *
 * Concurrency rule: one request at a time. Asking while a turn streams stops that turn first
 * (it keeps what arrived, marked stopped) and then starts the new one.
 */

import { assertNever, type FinishReason } from './chunks';
import type { R1Error } from './errors';
import { buildMessages, isSentAsHistory } from './conversation';
import type { CarriedFile } from './context/types';
import type { ChatMessage, ChatProvider } from './provider';
import { applyTurnEvent, type Turn, type TurnContext, type TurnEvent, type TurnRequest, type TurnStatus } from './turn';

/** The session's transcript at one moment (copies: changing them changes nothing in the session). */
export interface SessionSnapshot {
  readonly turns: readonly Turn[];
  readonly busy: boolean;
}

export type SessionEvent =
  /** `canEndThought`: the provider can end this turn's thought early (see `answerNow`). */
  { readonly type: 'turnStarted'; readonly turn: Turn; readonly canEndThought?: true } | TurnEvent;

export interface ChatSessionOptions {
  readonly onEvent: (event: SessionEvent) => void;
  readonly now?: () => number;
  /** Most turns kept (oldest dropped first), so persisted state stays bounded. */
  readonly maxTurns?: number;
}

export class ChatSession {
  private turnList: Turn[] = [];
  private running:
    { controller: AbortController; endThought: AbortController; turnId: string; done: Promise<Turn> } | undefined;
  private nextId = 1;
  private readonly now: () => number;

  constructor(private readonly options: ChatSessionOptions) {
    this.now = options.now ?? Date.now;
  }

  get turns(): readonly Turn[] {
    return this.turnList;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  view(): SessionSnapshot {
    return { turns: this.turnList.map((turn) => ({ ...turn })), busy: this.busy };
  }

  /** Replaces the transcript (restore after reload). Turns that were streaming become stopped. */
  restore(turns: readonly Turn[]): void {
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

  /**
   * Answer now: asks the provider to end the running turn's thought and go on with the answer.
   * False (and nothing sent) when nothing streams, `turnId` is not the running turn, or the turn is
   * already answering.
   */
  answerNow(turnId?: string): boolean {
    const running = this.running;
    if (!running || (turnId !== undefined && turnId !== running.turnId)) return false;
    const turn = this.turnList.find((candidate) => candidate.id === running.turnId);
    if (!turn || turn.status !== 'streaming' || turn.answer.length > 0 || running.endThought.signal.aborted)
      return false;
    running.endThought.abort();
    return true;
  }

  /**
   * What the next question is sent with: the earlier messages (as `ask` would send them now) and
   * the files those turns carried in full, which the next message need not carry again while unchanged.
   */
  nextHistory(): { readonly messages: readonly ChatMessage[]; readonly earlier: readonly CarriedFile[] } {
    const history = this.history();
    return {
      messages: buildMessages(history, '').slice(0, -1),
      earlier: history.filter(isSentAsHistory).flatMap((turn) => turn.request?.carried ?? []),
    };
  }

  /**
   * Asks a question; resolves with the finished turn. `request` is kept with the turn (and saved with
   * it); `context` records what the question carried (then `question` is the whole message sent).
   */
  async ask(
    question: string,
    provider: ChatProvider,
    title?: string,
    request?: TurnRequest,
    context?: TurnContext,
  ): Promise<Turn> {
    // A loop, not one stop(): two asks waiting on the same running turn would otherwise both start.
    while (this.running) await this.stop();
    const messages = buildMessages(this.history(), question);
    const turn: Turn = {
      id: `${this.now().toString(36)}-${this.nextId++}`,
      question,
      title,
      reasoning: '',
      answer: '',
      status: 'streaming',
      modelLabel: provider.label,
      startedAt: this.now(),
      ...(request?.source || request?.fix || request?.carried?.length ? { request } : {}),
      ...(context ? { context } : {}),
    };
    this.turnList.push(turn);
    const maxTurns = this.options.maxTurns ?? 200;
    if (this.turnList.length > maxTurns) this.turnList.splice(0, this.turnList.length - maxTurns);
    this.emit({ type: 'turnStarted', turn: { ...turn }, ...(provider.canEndThought && { canEndThought: true }) });

    const controller = new AbortController();
    const endThought = new AbortController();
    const done = this.run(turn, provider, messages, controller.signal, endThought.signal);
    this.running = { controller, endThought, turnId: turn.id, done };
    try {
      return await done;
    } finally {
      if (this.running?.done === done) this.running = undefined;
    }
  }

  /** The turns whose exchange goes into the next question's history. */
  private history(): Turn[] {
    return this.turnList.filter((turn) => turn.status === 'done' || turn.status === 'incomplete');
  }

  private async run(
    started: Turn,
    provider: ChatProvider,
    messages: ReturnType<typeof buildMessages>,
    signal: AbortSignal,
    endThought: AbortSignal,
  ): Promise<Turn> {
    let turn = started;
    /** Every change to the turn goes through here: the same rule the panel applies to the same event. */
    const apply = (event: TurnEvent) => {
      const next = applyTurnEvent(turn, event);
      const index = this.turnList.lastIndexOf(turn);
      if (index >= 0) this.turnList[index] = next;
      turn = next;
      this.emit(event);
    };
    const clearNotice = () => {
      if (turn.notice !== undefined) apply({ type: 'notice', turnId: turn.id, notice: undefined });
    };
    let ended: { status: Exclude<TurnStatus, 'streaming'>; finishReason?: FinishReason; error?: R1Error } | undefined;
    try {
      for await (const chunk of provider.stream({ messages, signal, endThought })) {
        switch (chunk.type) {
          case 'reasoning':
            clearNotice();
            apply({ type: 'delta', turnId: turn.id, reasoning: chunk.text, answer: '', at: this.now() });
            break;
          case 'answer':
            clearNotice();
            apply({ type: 'delta', turnId: turn.id, reasoning: '', answer: chunk.text, at: this.now() });
            break;
          case 'reclassify':
            apply({ type: 'reclassified', turnId: turn.id });
            break;
          case 'usage':
            apply({ type: 'usage', turnId: turn.id, usage: chunk.usage });
            break;
          case 'retry': {
            const notice = `${chunk.reason} Retrying in ${Math.ceil(chunk.delayMs / 1000)} s (attempt ${chunk.attempt}).`;
            apply({ type: 'notice', turnId: turn.id, notice });
            break;
          }
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
    apply({
      type: 'turnEnded',
      turnId: turn.id,
      status: ended.status,
      at: this.now(),
      finishReason: ended.finishReason,
      error: ended.error ? { message: ended.error.message, actions: ended.error.actions } : undefined,
    });
    return { ...turn };
  }

  private emit(event: SessionEvent): void {
    this.options.onEvent(event);
  }
}
