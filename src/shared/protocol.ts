/**
 * The only contract between the extension host and the webview: discriminated unions both ways.
 * Messages from the webview are untrusted (its content is model output), so the host validates
 * every one with `parseWebviewMessage` before acting on it.
 */

import type { FilePlanKind } from '../core/apply/planFiles';
import type { FinishReason, Usage } from '../core/chunks';
import { parseErrorAction, type R1ErrorAction } from '../core/errors';
import { isSourceKind, type SourceKind } from '../core/sourceKind';
import type { ContextItemKind } from '../core/context/types';
import { cleanModelName, isQuestionEffort, type QuestionEffort } from '../core/questionOptions';

// ---- host → webview ----------------------------------------------------------------------

export type HostMessage =
  /** Full state: on ready, after reload, after New Chat. */
  | { readonly type: 'state'; readonly conversation: ConversationWire }
  | { readonly type: 'turnStarted'; readonly turn: TurnWire }
  | TurnChangeMessage
  /** Puts text into the input box (e.g. "Ask R1 about selection"). */
  | { readonly type: 'setInput'; readonly text: string }
  /**
   * The configured default source, so the panel's per-request picker can show it, and the panel's
   * own settings. Sent on attach and again whenever r1Coder settings change.
   */
  | {
      readonly type: 'modelSources';
      readonly defaultSource: SourceKind;
      readonly cloudLabel: string;
      readonly localLabel: string;
      /** r1Coder.chat.collapseThinking: fold the thought away when the answer begins. */
      readonly collapseThinking: boolean;
    }
  /** A proposed edit for a turn (Fix Selection), and its later state changes. */
  | { readonly type: 'editProposal'; readonly turnId: string; readonly proposal: EditProposalView }
  /** The files an Edit answer (or a code block's Apply to file) would change, and their later states. */
  | { readonly type: 'fileReview'; readonly turnId: string; readonly review: FileReviewView }
  /** Fix ×N: the whole state of one run's agreement card, sent as it changes (see FixRunView). */
  | { readonly type: 'fixRun'; readonly run: FixRunView }
  /** Test mode only: asks the panel what its input box holds (it answers with `input`). */
  | { readonly type: 'reportInput' }
  /** Opens the panel's find bar (the view's Find button, R1: Find in Chat). */
  | { readonly type: 'openFind' }
  /** The attachments of the next question (the chips above the input), whenever they change. */
  | { readonly type: 'attachments'; readonly chips: readonly AttachmentChipWire[] }
  /** The answer to `pickAttachment`: whether something was attached (the panel then removes the `#` it typed). */
  | { readonly type: 'attachmentPicked'; readonly picked: boolean }
  /**
   * The cloud server's models for the panel's model picker, in answer to `listModels` and again
   * when settings change. `configured` is r1Coder.cloud.model; `note` says why the list is empty.
   */
  | {
      readonly type: 'cloudModels';
      readonly configured: string;
      readonly models: readonly { readonly name: string; readonly reasoning: boolean }[];
      readonly note?: string;
    };

/** How a chip looks: normal, cut to fit, not resent (unchanged since an earlier turn), or refused. */
export type ChipToneWire = 'normal' | 'trimmed' | 'repeated' | 'refused';

/** One chip of the next question. */
export interface AttachmentChipWire {
  /** What `removeAttachment` names. */
  readonly id: string;
  /** e.g. "sum.js · lines 1–40 · ~510 tokens". */
  readonly label: string;
  /** The tooltip: path, what is sent, what was cut, or why it is refused. */
  readonly detail: string;
  readonly tone: ChipToneWire;
}

/** What a turn's question carried, one attachment (the panel labels it with chipText, src/core/context/summary.ts). */
export interface AttachmentWire {
  readonly kind: ContextItemKind;
  readonly path?: string;
  readonly label?: string;
  readonly tokens: number;
  readonly shown: string;
  readonly trimmed: boolean;
  readonly leftOut?: string;
  readonly repeated?: 'earlierTurn' | 'thisTurn';
  readonly refused?: string;
}

export interface ConversationWire {
  readonly turns: readonly TurnWire[];
  readonly busy: boolean;
}

export type TurnWireStatus = 'streaming' | 'done' | 'stopped' | 'error' | 'incomplete';

/**
 * One turn as the panel receives it: what it draws, nothing more (how the turn was asked, e.g. a
 * Fix's selection, stays in the host). Made from the session's turn by `toTurnWire` in
 * src/shared/sessionWire.ts.
 */
export interface TurnWire {
  readonly id: string;
  readonly question: string;
  /** Shown instead of the question when set, e.g. "Fix src/app.ts:12–14". */
  readonly title?: string;
  readonly reasoning: string;
  readonly answer: string;
  readonly status: TurnWireStatus;
  /** e.g. "DeepSeek · deepseek-v4-flash". */
  readonly modelLabel: string;
  /** Host clock, like every time below. */
  readonly startedAt: number;
  /** The first reasoning delta ("Thought for N s" counts from here); absent in turns saved before it existed. */
  readonly reasoningStartedAt?: number;
  readonly reasoningEndedAt?: number;
  readonly endedAt?: number;
  readonly usage?: Usage;
  readonly finishReason?: FinishReason;
  readonly error?: { readonly message: string; readonly actions: readonly R1ErrorAction[] };
  /** e.g. "Server busy. Retrying in 2 s (attempt 1)." while a retry waits. */
  readonly notice?: string;
  /**
   * Set when the question carried attachments: the text the user typed (shown instead of
   * `question`, the whole message sent) and the attachments (shown as small read-only chips).
   */
  readonly context?: { readonly typed: string; readonly attachments: readonly AttachmentWire[] };
  /** On `turnStarted`: the model can end this turn's thought early (Answer now; local models). */
  readonly canEndThought?: boolean;
}

/**
 * How a turn on the panel changes while it streams. The panel applies them to its copy with the
 * session's own rule (`applyTurnEvent` in src/core/turn.ts), which only compiles while these
 * messages still carry what that rule reads.
 */
export type TurnChangeMessage =
  | {
      readonly type: 'delta';
      readonly turnId: string;
      readonly reasoning: string;
      readonly answer: string;
      /** Host clock. */
      readonly at: number;
    }
  | { readonly type: 'reclassified'; readonly turnId: string }
  | { readonly type: 'notice'; readonly turnId: string; readonly notice: string | undefined }
  | { readonly type: 'usage'; readonly turnId: string; readonly usage: Usage }
  | {
      readonly type: 'turnEnded';
      readonly turnId: string;
      readonly status: Exclude<TurnWireStatus, 'streaming'>;
      readonly at: number;
      readonly finishReason?: FinishReason;
      readonly error?: TurnWire['error'];
    };

export type EditProposalState = 'pending' | 'applied' | 'rejected' | 'refused';

export interface EditProposalView {
  readonly id: string;
  /** e.g. "src/app.ts, lines 12–14". */
  readonly target: string;
  readonly state: EditProposalState;
  /** Why it was refused or could not be applied, or what happened. */
  readonly message?: string;
}

/** One multi-file review: every file the answer names, each with its own plan and decision. */
export interface FileReviewView {
  readonly id: string;
  readonly files: readonly FileReviewEntry[];
  /** Why nothing at all could be planned (no block, no labelled block, a cut-off answer). */
  readonly problem?: string;
}

export interface FileReviewEntry {
  /** Unique across reviews: what the panel sends back with a decision. */
  readonly id: string;
  /** Workspace-relative path. */
  readonly path: string;
  /** What the answer does to the file: create, modify, delete, unchanged, or refused (with `message`). */
  readonly change: FilePlanKind;
  readonly state: EditProposalState;
  readonly added: number;
  readonly removed: number;
  /** Why it was refused, or what happened. */
  readonly message?: string;
}

/** A decision on a review's files: one file (`fileId`), or every pending file when absent. */
export type FileReviewDecision = 'accept' | 'reject' | 'showDiff';
/** One sample of a Fix ×N run, as its card shows it. */
export interface FixSampleView {
  /** 0-based; shown as #index+1. */
  readonly index: number;
  readonly status: TurnWireStatus;
  /** The sample's thought, shown on demand. */
  readonly reasoning: string;
  /** Generated tokens (reasoning included), when the provider reported them. */
  readonly tokens?: number;
  /** From the request to the end (or until now while it streams). */
  readonly ms: number;
  /** Set when it ended: the edit group it joined (0-based), or why it produced no edit. */
  readonly group?: number;
  readonly refusal?: string;
}

export interface FixGroupView {
  readonly index: number;
  /** Sample indexes (0-based) that produced this edit. */
  readonly samples: readonly number[];
}

/** A Fix ×N run: its samples while they stream, then the groups of agreeing edits. */
export interface FixRunView {
  readonly id: string;
  /** e.g. "src/app.ts:12–14". */
  readonly target: string;
  readonly total: number;
  readonly status: 'running' | 'done' | 'stopped';
  readonly samples: readonly FixSampleView[];
  /** Largest first. Empty while running. */
  readonly groups: readonly FixGroupView[];
  readonly refusals: readonly { readonly reason: string; readonly samples: readonly number[] }[];
  /** The strictly largest group; absent on a tie (nothing preselected) or when no sample planned. */
  readonly winner?: number;
  readonly tie: boolean;
  /** "3 of 5 samples agree." (describeConsensus), once done. */
  readonly summary?: string;
  /** The group whose edit is proposed (the winner at first), and its proposal. */
  readonly shownGroup?: number;
  readonly proposal?: EditProposalView;
}

export type FixRunAction = 'stop' | 'showGroup';

// ---- webview → host ----------------------------------------------------------------------

export type WebviewMessage =
  | { readonly type: 'ready' }
  /**
   * `source` overrides r1Coder.mode, `model` r1Coder.cloud.model and `effort` the reasoning effort
   * (cloud) or thinking budget (local), for this one request.
   */
  | {
      readonly type: 'ask';
      readonly text: string;
      readonly source?: SourceKind;
      readonly model?: string;
      readonly effort?: QuestionEffort;
    }
  | { readonly type: 'stop' }
  /** Answer now: end the streaming turn's thought and continue with the answer. */
  | { readonly type: 'answerNow'; readonly turnId: string }
  | { readonly type: 'retry'; readonly turnId: string }
  | { readonly type: 'newChat' }
  | { readonly type: 'runAction'; readonly action: R1ErrorAction }
  /** A link the user clicked in rendered output; the host opens only http(s). */
  | { readonly type: 'openLink'; readonly href: string }
  | { readonly type: 'resolveEdit'; readonly proposalId: string; readonly decision: EditDecision }
  /**
   * A code block's button. Only the index travels: the host takes the code from its own copy of
   * the answer, so the webview can never make the host write text of its choosing.
   */
  | {
      readonly type: 'applyCode';
      readonly turnId: string;
      readonly blockIndex: number;
      readonly mode: CodeBlockAction;
    }
  /** Fix ×N card: Stop (every sample), or propose another group's edit (`group`). */
  | { readonly type: 'fixRunAction'; readonly runId: string; readonly action: FixRunAction; readonly group?: number }
  /** The input box's text, in answer to `reportInput` (test mode only; the host ignores it otherwise). */
  | { readonly type: 'input'; readonly text: string }
  /** The user removed a chip of the next question (× or Backspace in the empty input). */
  | { readonly type: 'removeAttachment'; readonly id: string }
  /** The user typed `#`: the host opens the context picker and answers with `attachmentPicked`. */
  | { readonly type: 'pickAttachment' }
  /** The panel's Edit mode: the question is a change to make across the working set. */
  | { readonly type: 'editFiles'; readonly text: string; readonly source?: SourceKind }
  /** Review card buttons: ids and a decision only, never text to write. Show Diff without a file is Review All. */
  | {
      readonly type: 'reviewFiles';
      readonly reviewId: string;
      readonly fileId?: string;
      readonly decision: FileReviewDecision;
    }
  /** A code block's Apply to file (the block names its file): planned against that file, reviewed in a diff. */
  | { readonly type: 'applyToFile'; readonly turnId: string; readonly blockIndex: number }
  /** The model picker opened (or the panel connected): the host answers with `cloudModels`. */
  | { readonly type: 'listModels' }
  /** "Use as default": writes r1Coder.cloud.model. */
  | { readonly type: 'setDefaultModel'; readonly model: string };

export type EditDecision = 'accept' | 'reject' | 'showDiff';
export type CodeBlockAction = 'replaceSelection' | 'insertAtCursor';

/** Validates an untrusted message from the webview; returns undefined for anything malformed. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'stop':
    case 'newChat':
      return { type: raw.type };
    case 'ask': {
      if (typeof raw.text !== 'string' || !raw.text.trim()) return undefined;
      const source = isSourceKind(raw.source) ? raw.source : undefined;
      const model = cleanModelName(raw.model);
      const effort = isQuestionEffort(raw.effort) ? raw.effort : undefined;
      return {
        type: 'ask',
        text: raw.text,
        ...(source && { source }),
        ...(model && { model }),
        ...(effort && { effort }),
      };
    }
    case 'retry':
      return typeof raw.turnId === 'string' ? { type: 'retry', turnId: raw.turnId } : undefined;
    case 'answerNow':
      return typeof raw.turnId === 'string' && raw.turnId ? { type: 'answerNow', turnId: raw.turnId } : undefined;
    case 'openLink':
      return typeof raw.href === 'string' ? { type: 'openLink', href: raw.href } : undefined;
    case 'resolveEdit':
      return typeof raw.proposalId === 'string' &&
        (raw.decision === 'accept' || raw.decision === 'reject' || raw.decision === 'showDiff')
        ? { type: 'resolveEdit', proposalId: raw.proposalId, decision: raw.decision }
        : undefined;
    case 'applyCode':
      return typeof raw.turnId === 'string' &&
        Number.isInteger(raw.blockIndex) &&
        (raw.blockIndex as number) >= 0 &&
        (raw.mode === 'replaceSelection' || raw.mode === 'insertAtCursor')
        ? { type: 'applyCode', turnId: raw.turnId, blockIndex: raw.blockIndex as number, mode: raw.mode }
        : undefined;
    case 'input':
      return typeof raw.text === 'string' ? { type: 'input', text: raw.text } : undefined;
    case 'removeAttachment':
      return typeof raw.id === 'string' && raw.id ? { type: 'removeAttachment', id: raw.id } : undefined;
    case 'pickAttachment':
      return { type: 'pickAttachment' };
    case 'editFiles': {
      if (typeof raw.text !== 'string' || !raw.text.trim()) return undefined;
      const source = isSourceKind(raw.source) ? raw.source : undefined;
      return source ? { type: 'editFiles', text: raw.text, source } : { type: 'editFiles', text: raw.text };
    }
    case 'reviewFiles':
      return typeof raw.reviewId === 'string' &&
        (raw.fileId === undefined || typeof raw.fileId === 'string') &&
        (raw.decision === 'accept' || raw.decision === 'reject' || raw.decision === 'showDiff')
        ? {
            type: 'reviewFiles',
            reviewId: raw.reviewId,
            decision: raw.decision,
            ...(typeof raw.fileId === 'string' ? { fileId: raw.fileId } : {}),
          }
        : undefined;
    case 'applyToFile':
      return typeof raw.turnId === 'string' && Number.isInteger(raw.blockIndex) && (raw.blockIndex as number) >= 0
        ? { type: 'applyToFile', turnId: raw.turnId, blockIndex: raw.blockIndex as number }
        : undefined;
    case 'fixRunAction': {
      if (typeof raw.runId !== 'string') return undefined;
      if (raw.action === 'stop') return { type: 'fixRunAction', runId: raw.runId, action: 'stop' };
      const group = raw.group;
      return raw.action === 'showGroup' && Number.isInteger(group) && (group as number) >= 0
        ? { type: 'fixRunAction', runId: raw.runId, action: 'showGroup', group: group as number }
        : undefined;
    }
    case 'listModels':
      return { type: 'listModels' };
    case 'setDefaultModel': {
      const model = cleanModelName(raw.model);
      return model ? { type: 'setDefaultModel', model } : undefined;
    }
    case 'runAction': {
      const action = parseErrorAction(raw.action);
      return action ? { type: 'runAction', action } : undefined;
    }
    default:
      return undefined;
  }
}

/** Only http(s) links leave the editor; everything else (command:, file:, javascript:) is refused. */
export function isSafeExternalLink(href: string): boolean {
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
