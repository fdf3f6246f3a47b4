/**
 * One question and its answer as the chat session holds it, and the one rule for how the stream's
 * events change a turn. Pure and browser-safe: ChatSession changes its turns only through
 * `applyTurnEvent`, and the panel applies the same function to its own copy, so the two cannot
 * disagree on what an event means (a reclassified thought, when thinking started and ended).
 */

import { assertNever, type FinishReason, type Usage } from './chunks';
import type { R1ErrorAction } from './errors';
import type { Range0 } from './apply/textModel';
import type { SourceKind } from './sourceKind';
import type { CarriedFile } from './context/types';
import type { AttachmentSummary } from './context/summary';
import type { QuestionEffort } from './questionOptions';

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

/** How a turn was asked, kept with it so that Retry asks the same way, even after a window reload. */
export interface TurnRequest {
  /** The panel's one-request override ("Just this once: Local"); absent when the default source answered. */
  readonly source?: SourceKind;
  /** The panel's one-question model (a cloud server's model name); absent: r1Coder.cloud.model. */
  readonly model?: string;
  /** The panel's one-question effort (cloud `reasoning_effort`, local thinking budget); absent: the settings. */
  readonly effort?: QuestionEffort;
  /** Set for a Fix Selection turn: Retry proposes the new answer's edit here. */
  readonly fix?: FixTarget;
  /**
   * Files this turn's message carried in full (path and content hash, from buildContext): follow-ups
   * do not send an unchanged one again, so a later turn's message relies on this one's being history.
   */
  readonly carried?: readonly CarriedFile[];
}

/**
 * A question that carried attachments: what the user typed (the transcript shows it instead of the
 * whole message sent) and what the message carried, one entry per attachment, refusals included.
 */
export interface TurnContext {
  readonly typed: string;
  readonly attachments: readonly AttachmentSummary[];
}

/** The part of a turn that its stream changes: what `applyTurnEvent` reads and writes. */
export interface TurnProgress {
  readonly reasoning: string;
  readonly answer: string;
  readonly status: TurnStatus;
  /**
   * The first reasoning delta: "Thought for N s" and tok/s count from here, not from the turn's start
   * (which includes model load, queueing and retry waits).
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
}

/** A turn as the session holds it. */
export interface Turn extends TurnProgress {
  readonly id: string;
  /** What was sent to the model (for Explain/Fix, the full prompt with the code). */
  readonly question: string;
  /** Shown instead of the question when set, e.g. "Fix selection · src/app.ts:12–14". */
  readonly title?: string;
  /** Which model answered, e.g. "DeepSeek · deepseek-v4-flash". */
  readonly modelLabel: string;
  readonly startedAt: number;
  /** Absent for a plain question asked the default way. */
  readonly request?: TurnRequest;
  /** Set when the question carried attachments: `question` is then the whole message sent. */
  readonly context?: TurnContext;
}

/** What happens to a started turn while it streams, in order. */
export type TurnEvent =
  | {
      readonly type: 'delta';
      readonly turnId: string;
      readonly reasoning: string;
      readonly answer: string;
      /** When it arrived (the session's clock). */
      readonly at: number;
    }
  /** What looked like reasoning was the answer (a model that never thinks): it moves over. */
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

/**
 * The turn after `event`. Generic so that the panel's copy (the protocol's turn, which has the same
 * progress fields) goes through this very function; the fields it does not know are kept as they are.
 */
export function applyTurnEvent<T extends TurnProgress>(turn: T, event: TurnEvent): T {
  switch (event.type) {
    case 'delta': {
      let next = turn;
      if (event.reasoning) {
        next = {
          ...next,
          reasoning: next.reasoning + event.reasoning,
          reasoningStartedAt: next.reasoningStartedAt ?? event.at,
        };
      }
      if (event.answer) {
        next = { ...next, answer: next.answer + event.answer, reasoningEndedAt: next.reasoningEndedAt ?? event.at };
      }
      return next;
    }
    case 'reclassified':
      // It was never a thought, so it has no thinking time.
      return {
        ...turn,
        answer: turn.reasoning + turn.answer,
        reasoning: '',
        reasoningStartedAt: undefined,
        reasoningEndedAt: undefined,
      };
    case 'notice':
      return { ...turn, notice: event.notice };
    case 'usage':
      return { ...turn, usage: event.usage };
    case 'turnEnded':
      return {
        ...turn,
        status: event.status,
        finishReason: event.finishReason,
        endedAt: event.at,
        error: event.error,
        notice: undefined,
        reasoningEndedAt: turn.reasoningEndedAt ?? (turn.reasoning ? event.at : undefined),
      };
    default:
      return assertNever(event, 'turn event');
  }
}
