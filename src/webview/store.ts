/**
 * The panel's state: the transcript as the host sent it (turns changed only by the session's own rule,
 * `applyTurnEvent`), and what survives the panel being hidden or reloaded (vscode.setState).
 */

import { applyTurnEvent } from '../core/turn';
import type { TurnChangeMessage, TurnWire, WebviewMessage } from '../shared/protocol';

/** The webview's bridge to the host (acquireVsCodeApi()). */
export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** The transcript's turns by id, kept up to date with the host's messages. */
export class TranscriptStore {
  private readonly turns = new Map<string, TurnWire>();

  /** Replaces everything (the host's full state). */
  reset(turns: readonly TurnWire[]): void {
    this.turns.clear();
    for (const turn of turns) this.turns.set(turn.id, turn);
  }

  add(turn: TurnWire): void {
    this.turns.set(turn.id, turn);
  }

  /** Applies a change to its turn; the changed turn, or undefined for a turn not shown. */
  apply(change: TurnChangeMessage): TurnWire | undefined {
    const turn = this.turns.get(change.turnId);
    if (!turn) return undefined;
    const changed = applyTurnEvent(turn, change);
    this.turns.set(changed.id, changed);
    return changed;
  }
}

/** What survives the panel being hidden or reloaded (vscode.setState), besides the host's transcript. */
export interface PanelState {
  readonly draft: string;
  /** r1Coder.chat.collapseThinking as last received, so a reloaded panel starts with it. */
  readonly collapseThinking?: boolean;
  /** Thoughts the user opened (true) or closed (false) themselves, by turn id, oldest first. */
  readonly thinkingChoices: readonly (readonly [string, boolean])[];
}

/** Choices kept; the oldest go first (history holds at most 200 turns per conversation). */
const MAX_THINKING_CHOICES = 500;

/** The one writer of vscode.setState: each update keeps the other fields. */
export class PanelStore {
  private state: PanelState;

  constructor(private readonly api: VsCodeApi) {
    this.state = readPanelState(api.getState());
  }

  get current(): PanelState {
    return this.state;
  }

  update(patch: Partial<PanelState>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }

  thinkingChoice(turnId: string): boolean | undefined {
    return this.state.thinkingChoices.find(([id]) => id === turnId)?.[1];
  }

  rememberThinking(turnId: string, open: boolean): void {
    const others = this.state.thinkingChoices.filter(([id]) => id !== turnId);
    this.update({ thinkingChoices: [...others, [turnId, open] as const].slice(-MAX_THINKING_CHOICES) });
  }
}

/** State saved by this or an older version of the panel (or none): only well-formed parts are kept. */
function readPanelState(raw: unknown): PanelState {
  const saved = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const choices = Array.isArray(saved.thinkingChoices) ? (saved.thinkingChoices as unknown[]) : [];
  return {
    draft: typeof saved.draft === 'string' ? saved.draft : '',
    collapseThinking: typeof saved.collapseThinking === 'boolean' ? saved.collapseThinking : undefined,
    thinkingChoices: choices.filter(
      (entry): entry is [string, boolean] =>
        Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'boolean',
    ),
  };
}
