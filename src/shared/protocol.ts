/**
 * The only contract between the extension host and the webview: discriminated unions both ways.
 * Messages from the webview are untrusted (its content is model output), so the host validates
 * every one with `parseWebviewMessage` before acting on it.
 */

import type { R1ErrorAction } from '../core/errors';
import type { ConversationView, SessionEvent } from '../core/chatSession';

export type { ConversationView, TurnView, TurnStatus, TurnError } from '../core/chatSession';

// ---- host → webview ----------------------------------------------------------------------

export type HostMessage =
  /** Full state: on ready, after reload, after New Chat. */
  | { readonly type: 'state'; readonly conversation: ConversationView }
  /** Transcript events, exactly as the chat session emits them. */
  | SessionEvent
  /** Puts text into the input box (e.g. "Ask R1 about selection"). */
  | { readonly type: 'setInput'; readonly text: string }
  /**
   * The configured default source, so the panel's per-request picker can show it, and the panel's
   * own settings. Sent on attach and again whenever r1Coder settings change.
   */
  | {
      readonly type: 'modelSources';
      readonly defaultSource: ModelSource;
      readonly cloudLabel: string;
      readonly localLabel: string;
      /** r1Coder.chat.collapseThinking: fold the thought away when the answer begins. */
      readonly collapseThinking: boolean;
    }
  /** A proposed edit for a turn (Fix Selection), and its later state changes. */
  | { readonly type: 'editProposal'; readonly turnId: string; readonly proposal: EditProposalView }
  /** Test mode only: asks the panel what its input box holds (it answers with `input`). */
  | { readonly type: 'reportInput' };

export type EditProposalState = 'pending' | 'applied' | 'rejected' | 'refused';

export interface EditProposalView {
  readonly id: string;
  /** e.g. "src/app.ts, lines 12–14". */
  readonly target: string;
  readonly state: EditProposalState;
  /** Why it was refused or could not be applied, or what happened. */
  readonly message?: string;
}

// ---- webview → host ----------------------------------------------------------------------

export type WebviewMessage =
  | { readonly type: 'ready' }
  /** `source` overrides r1Coder.mode for this one request. */
  | { readonly type: 'ask'; readonly text: string; readonly source?: ModelSource }
  | { readonly type: 'stop' }
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
  /** The input box's text, in answer to `reportInput` (test mode only; the host ignores it otherwise). */
  | { readonly type: 'input'; readonly text: string };

export type EditDecision = 'accept' | 'reject' | 'showDiff';
export type ModelSource = 'cloud' | 'local';
export type CodeBlockAction = 'replaceSelection' | 'insertAtCursor';

const ACTION_KINDS = new Set(['setApiKey', 'retry', 'openUrl', 'openSettings', 'selectLocalModel', 'newChat']);

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
      const source = raw.source === 'cloud' || raw.source === 'local' ? raw.source : undefined;
      return source ? { type: 'ask', text: raw.text, source } : { type: 'ask', text: raw.text };
    }
    case 'retry':
      return typeof raw.turnId === 'string' ? { type: 'retry', turnId: raw.turnId } : undefined;
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
    case 'runAction': {
      const action = raw.action;
      if (!isRecord(action) || typeof action.kind !== 'string' || !ACTION_KINDS.has(action.kind)) return undefined;
      if (action.kind === 'openUrl') {
        if (typeof action.url !== 'string' || typeof action.label !== 'string') return undefined;
        return { type: 'runAction', action: { kind: 'openUrl', url: action.url, label: action.label } };
      }
      if (action.kind === 'openSettings') {
        return typeof action.query === 'string'
          ? { type: 'runAction', action: { kind: 'openSettings', query: action.query } }
          : undefined;
      }
      return { type: 'runAction', action: { kind: action.kind } as R1ErrorAction };
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
