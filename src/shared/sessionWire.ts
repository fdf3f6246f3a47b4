/**
 * The session's model on the wire: the explicit mapping the host applies before posting to the
 * panel. The panel gets its own types (src/shared/protocol.ts), never the session's objects, so the
 * model can grow (attachments, samples) without the panel seeing, or depending on, what it does not draw.
 */

import { assertNever } from '../core/chunks';
import type { SessionEvent, SessionSnapshot } from '../core/chatSession';
import type { Turn } from '../core/turn';
import type { ConversationWire, HostMessage, TurnWire } from './protocol';

export function toTurnWire(turn: Turn): TurnWire {
  return {
    id: turn.id,
    question: turn.question,
    title: turn.title,
    reasoning: turn.reasoning,
    answer: turn.answer,
    status: turn.status,
    modelLabel: turn.modelLabel,
    startedAt: turn.startedAt,
    reasoningStartedAt: turn.reasoningStartedAt,
    reasoningEndedAt: turn.reasoningEndedAt,
    endedAt: turn.endedAt,
    usage: turn.usage,
    finishReason: turn.finishReason,
    error: turn.error && { message: turn.error.message, actions: turn.error.actions },
    notice: turn.notice,
    ...(turn.context && {
      context: {
        typed: turn.context.typed,
        attachments: turn.context.attachments.map((summary) => ({
          kind: summary.kind,
          path: summary.path,
          label: summary.label,
          tokens: summary.tokens,
          shown: summary.shown,
          trimmed: summary.trimmed,
          leftOut: summary.leftOut,
          repeated: summary.repeated,
          refused: summary.refused,
        })),
      },
    }),
  };
}

export function toConversationWire(snapshot: SessionSnapshot): ConversationWire {
  return { turns: snapshot.turns.map(toTurnWire), busy: snapshot.busy };
}

/** The message that tells the panel about one session event. */
export function toHostMessage(event: SessionEvent): HostMessage {
  switch (event.type) {
    case 'turnStarted':
      return {
        type: 'turnStarted',
        turn: { ...toTurnWire(event.turn), ...(event.canEndThought && { canEndThought: true }) },
      };
    case 'delta':
      return { type: 'delta', turnId: event.turnId, reasoning: event.reasoning, answer: event.answer, at: event.at };
    case 'reclassified':
      return { type: 'reclassified', turnId: event.turnId };
    case 'notice':
      return { type: 'notice', turnId: event.turnId, notice: event.notice };
    case 'usage':
      return { type: 'usage', turnId: event.turnId, usage: event.usage };
    case 'turnEnded':
      return {
        type: 'turnEnded',
        turnId: event.turnId,
        status: event.status,
        at: event.at,
        finishReason: event.finishReason,
        error: event.error && { message: event.error.message, actions: event.error.actions },
      };
    default:
      return assertNever(event, 'session event');
  }
}
