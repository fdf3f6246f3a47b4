/**
 * The saved form of conversations (workspace state): its own types, a version, and one way back in,
 * `parseSavedHistory`, which checks every field, repairs or drops what is malformed, never throws,
 * and migrates what earlier versions saved. Pure (no vscode): the host only reads and writes the value.
 *
 * Formats:
 * - 0.1.0: a bare array of conversations (no version field), turns as the session held them, under
 *   the key 'r1Coder.history'.
 * - version 1: `{ version: 1, conversations }`, under a key of its own (src/core/historyStore.ts), so
 *   that 0.1.0, should the user go back to it, never reads a value it would fail on.
 * A value with any other version was written by a newer R1 Coder: it is refused, and left as it is.
 */

import type { FinishReason, Usage } from './chunks';
import { parseErrorAction, type R1ErrorAction } from './errors';
import type { FixTarget, Turn, TurnStatus } from './turn';
import { isSourceKind, type SourceKind } from './sourceKind';
import { cleanModelName, isQuestionEffort, type QuestionEffort } from './questionOptions';
import { conversationTitle } from './conversationHistory';
import { parseAttachmentSummary, type AttachmentSummary } from './context/summary';

export const SAVED_HISTORY_VERSION = 1;

export interface SavedRangeV1 {
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

export interface SavedTurnV1 {
  readonly id: string;
  readonly question: string;
  readonly title?: string;
  readonly reasoning: string;
  readonly answer: string;
  /** "streaming" when the save was taken mid-answer (the turn comes back stopped). */
  readonly status: 'streaming' | 'done' | 'stopped' | 'error' | 'incomplete';
  readonly modelLabel: string;
  readonly startedAt: number;
  readonly reasoningStartedAt?: number;
  readonly reasoningEndedAt?: number;
  readonly endedAt?: number;
  readonly usage?: {
    readonly promptTokens: number;
    readonly completionTokens: number;
    readonly reasoningTokens?: number;
    readonly cachedPromptTokens?: number;
  };
  readonly finishReason?: 'stop' | 'length' | 'aborted' | 'other';
  readonly error?: { readonly message: string; readonly actions: readonly R1ErrorAction[] };
  readonly request?: {
    readonly source?: SourceKind;
    /** Optional (absent in turns saved before per-question models): no version bump, old readers ignore it. */
    readonly model?: string;
    /** Optional, like `model`. */
    readonly effort?: QuestionEffort;
    readonly fix?: {
      readonly documentUri: string;
      readonly selection: SavedRangeV1;
      readonly selectionText: string;
      readonly target: string;
    };
    /** Optional (absent in turns saved before attachments): no version bump, old readers ignore it. */
    readonly carried?: readonly { readonly path: string; readonly hash: string }[];
  };
  /**
   * Optional (absent in turns saved before attachments and in plain questions): what the user typed
   * and what the question carried.
   */
  readonly context?: {
    readonly typed: string;
    readonly attachments: readonly SavedAttachmentV1[];
  };
}

/** One attachment a question carried (AttachmentSummary's fields). */
export interface SavedAttachmentV1 {
  readonly kind: AttachmentSummary['kind'];
  readonly path?: string;
  readonly label?: string;
  readonly tokens: number;
  readonly shown: string;
  readonly trimmed: boolean;
  readonly leftOut?: string;
  readonly repeated?: 'earlierTurn' | 'thisTurn';
  readonly refused?: string;
}

export interface SavedConversationV1 {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: number;
  readonly turns: readonly SavedTurnV1[];
}

export interface SavedHistoryV1 {
  readonly version: 1;
  /** Newest first. */
  readonly conversations: readonly SavedConversationV1[];
}

/** The current format's names, which the rest of the code reads and writes. */
export type SavedTurn = SavedTurnV1;
export type SavedConversation = SavedConversationV1;

export type ParsedHistory =
  | {
      readonly kind: 'loaded';
      /** Newest first; every entry checked. */
      readonly conversations: SavedConversation[];
      /** What was read: nothing saved yet, 0.1.0's array, the current format, or a value no version wrote. */
      readonly format: 'none' | '0.1.0' | 1 | 'unreadable';
      /** Entries left out because they were malformed (their data cannot make a turn). */
      readonly dropped: { readonly conversations: number; readonly turns: number };
    }
  /** Saved by a newer version (or one this code does not know): nothing is read, and it must not be overwritten. */
  | { readonly kind: 'refused'; readonly reason: string };

/** Reads what was saved, in any format this or an earlier version wrote. Never throws. */
export function parseSavedHistory(raw: unknown): ParsedHistory {
  if (raw === undefined || raw === null) {
    return { kind: 'loaded', conversations: [], format: 'none', dropped: { conversations: 0, turns: 0 } };
  }
  if (Array.isArray(raw)) return { kind: 'loaded', format: '0.1.0', ...parseConversations(raw) };
  if (isRecord(raw) && 'version' in raw) {
    if (raw.version !== SAVED_HISTORY_VERSION) {
      return {
        kind: 'refused',
        reason: `The saved conversations are in format ${JSON.stringify(raw.version)}, written by a newer R1 Coder; this version reads format ${SAVED_HISTORY_VERSION} and leaves them as they are.`,
      };
    }
    const list = Array.isArray(raw.conversations) ? raw.conversations : [];
    return { kind: 'loaded', format: SAVED_HISTORY_VERSION, ...parseConversations(list) };
  }
  return { kind: 'loaded', conversations: [], format: 'unreadable', dropped: { conversations: 0, turns: 0 } };
}

/** The value to store (the current format). */
export function savedHistory(conversations: readonly SavedConversation[]): SavedHistoryV1 {
  return { version: SAVED_HISTORY_VERSION, conversations };
}

/** The session's turn as it is saved (the retry notice is not: it means nothing after a reload). */
export function toSavedTurn(turn: Turn): SavedTurn {
  return compact({
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
    usage: turn.usage && savedUsage(turn.usage),
    finishReason: turn.finishReason,
    error: turn.error && { message: turn.error.message, actions: turn.error.actions },
    request:
      turn.request &&
      compact({
        source: turn.request.source,
        model: turn.request.model,
        effort: turn.request.effort,
        fix: turn.request.fix && savedFix(turn.request.fix),
        carried: turn.request.carried?.map(({ path, hash }) => ({ path, hash })),
      }),
    context: turn.context && {
      typed: turn.context.typed,
      attachments: turn.context.attachments.map((attachment) => savedAttachment(attachment)),
    },
  });
}

function savedAttachment(summary: AttachmentSummary): SavedAttachmentV1 {
  const { kind, path, label, tokens, shown, trimmed, leftOut, repeated, refused } = summary;
  return compact({ kind, path, label, tokens, shown, trimmed, leftOut, repeated, refused });
}

function savedUsage(usage: Usage): SavedTurn['usage'] {
  const { promptTokens, completionTokens, reasoningTokens, cachedPromptTokens } = usage;
  return compact({ promptTokens, completionTokens, reasoningTokens, cachedPromptTokens });
}

function savedFix(fix: FixTarget): NonNullable<SavedTurn['request']>['fix'] {
  const { start, end } = fix.selection;
  return {
    documentUri: fix.documentUri,
    selection: {
      start: { line: start.line, character: start.character },
      end: { line: end.line, character: end.character },
    },
    selectionText: fix.selectionText,
    target: fix.target,
  };
}

/** A saved turn as the session holds it (what was streaming when saved is restored by the session as stopped). */
export function fromSavedTurn(saved: SavedTurn): Turn {
  // Typed on their own, so that a saved value the model no longer has stops the build here.
  const status: TurnStatus = saved.status;
  const finishReason: FinishReason | undefined = saved.finishReason;
  return compact({
    id: saved.id,
    question: saved.question,
    title: saved.title,
    reasoning: saved.reasoning,
    answer: saved.answer,
    status,
    modelLabel: saved.modelLabel,
    startedAt: saved.startedAt,
    reasoningStartedAt: saved.reasoningStartedAt,
    reasoningEndedAt: saved.reasoningEndedAt,
    endedAt: saved.endedAt,
    usage: saved.usage,
    finishReason,
    error: saved.error,
    request:
      saved.request &&
      compact({
        source: saved.request.source,
        model: saved.request.model,
        effort: saved.request.effort,
        fix: saved.request.fix,
        carried: saved.request.carried,
      }),
    context: saved.context && { typed: saved.context.typed, attachments: saved.context.attachments },
  });
}

// ---- checking, field by field ------------------------------------------------------------------

const STATUSES = new Set<string>(['streaming', 'done', 'stopped', 'error', 'incomplete']);
const FINISH_REASONS = new Set<string>(['stop', 'length', 'aborted', 'other']);

function parseConversations(list: readonly unknown[]): {
  conversations: SavedConversation[];
  dropped: { conversations: number; turns: number };
} {
  const conversations: SavedConversation[] = [];
  const ids = new Set<string>();
  let droppedConversations = 0;
  let droppedTurns = 0;
  for (const raw of list) {
    const id = isRecord(raw) ? raw.id : undefined;
    if (!isRecord(raw) || typeof id !== 'string' || !id || ids.has(id) || !Array.isArray(raw.turns)) {
      droppedConversations++;
      continue;
    }
    const turns: SavedTurn[] = [];
    const turnIds = new Set<string>();
    for (const rawTurn of raw.turns as unknown[]) {
      const turn = parseTurn(rawTurn);
      // A repeated id would make Retry and the panel pick the wrong turn.
      if (turn && !turnIds.has(turn.id)) {
        turns.push(turn);
        turnIds.add(turn.id);
      } else droppedTurns++;
    }
    if (!turns.length) {
      droppedConversations++;
      continue;
    }
    ids.add(id);
    conversations.push({
      id,
      title: typeof raw.title === 'string' ? raw.title : conversationTitle(turns),
      updatedAt: finite(raw.updatedAt) ?? 0,
      turns,
    });
  }
  return { conversations, dropped: { conversations: droppedConversations, turns: droppedTurns } };
}

/** A turn, or undefined when what makes it a turn is missing; optional fields that are malformed are left out. */
function parseTurn(raw: unknown): SavedTurn | undefined {
  if (!isRecord(raw)) return undefined;
  const { id, question, reasoning, answer, status } = raw;
  const startedAt = finite(raw.startedAt);
  if (typeof id !== 'string' || !id || typeof question !== 'string') return undefined;
  if (typeof reasoning !== 'string' || typeof answer !== 'string' || startedAt === undefined) return undefined;
  if (typeof status !== 'string' || !STATUSES.has(status)) return undefined;
  return compact({
    id,
    question,
    title: typeof raw.title === 'string' ? raw.title : undefined,
    reasoning,
    answer,
    status: status as SavedTurn['status'],
    modelLabel: typeof raw.modelLabel === 'string' ? raw.modelLabel : '',
    startedAt,
    reasoningStartedAt: finite(raw.reasoningStartedAt),
    reasoningEndedAt: finite(raw.reasoningEndedAt),
    endedAt: finite(raw.endedAt),
    usage: parseUsage(raw.usage),
    finishReason:
      typeof raw.finishReason === 'string' && FINISH_REASONS.has(raw.finishReason)
        ? (raw.finishReason as SavedTurn['finishReason'])
        : undefined,
    error: parseError(raw.error),
    request: parseRequest(raw.request),
    context: parseContext(raw.context),
  });
}

/** What a question carried; malformed attachments are left out, a context without its typed text is dropped. */
function parseContext(raw: unknown): SavedTurn['context'] {
  if (!isRecord(raw) || typeof raw.typed !== 'string') return undefined;
  const list = Array.isArray(raw.attachments) ? (raw.attachments as unknown[]) : [];
  const attachments = list.flatMap((entry) => {
    const summary = parseAttachmentSummary(entry);
    return summary ? [summary] : [];
  });
  return { typed: raw.typed, attachments };
}

function parseUsage(raw: unknown): SavedTurn['usage'] {
  if (!isRecord(raw)) return undefined;
  const promptTokens = natural(raw.promptTokens);
  const completionTokens = natural(raw.completionTokens);
  if (promptTokens === undefined || completionTokens === undefined) return undefined;
  return compact({
    promptTokens,
    completionTokens,
    reasoningTokens: natural(raw.reasoningTokens),
    cachedPromptTokens: natural(raw.cachedPromptTokens),
  });
}

function parseError(raw: unknown): SavedTurn['error'] {
  if (!isRecord(raw) || typeof raw.message !== 'string') return undefined;
  const actions = Array.isArray(raw.actions) ? raw.actions.map(parseErrorAction) : [];
  return { message: raw.message, actions: actions.filter((action) => action !== undefined) };
}

function parseRequest(raw: unknown): SavedTurn['request'] {
  if (!isRecord(raw)) return undefined;
  const source = isSourceKind(raw.source) ? raw.source : undefined;
  const fix = parseFix(raw.fix);
  const carried = parseCarried(raw.carried);
  const model = cleanModelName(raw.model);
  const effort = isQuestionEffort(raw.effort) ? raw.effort : undefined;
  return source || model || effort || fix || carried ? compact({ source, model, effort, fix, carried }) : undefined;
}

/** The files a turn carried; entries that are not a path and a hash are left out. */
function parseCarried(raw: unknown): NonNullable<SavedTurn['request']>['carried'] {
  if (!Array.isArray(raw)) return undefined;
  const carried = (raw as unknown[]).flatMap((entry) =>
    isRecord(entry) && typeof entry.path === 'string' && entry.path && typeof entry.hash === 'string' && entry.hash
      ? [{ path: entry.path, hash: entry.hash }]
      : [],
  );
  return carried.length ? carried : undefined;
}

function parseFix(raw: unknown): NonNullable<SavedTurn['request']>['fix'] {
  if (!isRecord(raw)) return undefined;
  const { documentUri, selectionText, target } = raw;
  const selection = parseRange(raw.selection);
  if (typeof documentUri !== 'string' || typeof selectionText !== 'string' || typeof target !== 'string') {
    return undefined;
  }
  return selection && { documentUri, selection, selectionText, target };
}

function parseRange(raw: unknown): SavedRangeV1 | undefined {
  if (!isRecord(raw)) return undefined;
  const start = parsePosition(raw.start);
  const end = parsePosition(raw.end);
  return start && end ? { start, end } : undefined;
}

function parsePosition(raw: unknown): SavedRangeV1['start'] | undefined {
  if (!isRecord(raw)) return undefined;
  const line = natural(raw.line);
  const character = natural(raw.character);
  return line === undefined || character === undefined ? undefined : { line, character };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A non-negative integer (token counts, line and character numbers). */
function natural(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The object without its undefined fields, so a saved and re-read turn compares equal to the original. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
