import * as vscode from 'vscode';
import { ChatSession, type SessionEvent, type TurnView } from '../core/chatSession';
import type { R1ErrorAction } from '../core/errors';
import type { ChatProvider } from '../core/provider';
import type { HostMessage } from '../shared/protocol';
import { BUSY_CONTEXT_KEY, COMMAND_IDS, VIEW_ID } from './commandIds';

const STATE_KEY = 'r1Coder.conversation';
/** Persisted turns are bounded so workspaceState never grows without limit. */
const PERSISTED_TURNS = 50;

/**
 * Owns the conversation for the chat view: starts turns with the current provider, forwards the
 * session's events to the panel, persists the transcript, and runs error actions.
 */
export class ChatController implements vscode.Disposable {
  private readonly session: ChatSession;
  private postToView: (message: HostMessage) => void = () => undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly createProvider: () => Promise<ChatProvider>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.session = new ChatSession({ onEvent: (event) => this.onSessionEvent(event), maxTurns: PERSISTED_TURNS });
    this.session.restore(state.get<TurnView[]>(STATE_KEY) ?? []);
  }

  /** The panel connects (or reconnects after being hidden/reloaded) and gets the full state. */
  attach(post: (message: HostMessage) => void): void {
    this.postToView = post;
    post({ type: 'state', conversation: this.session.view() });
  }

  detach(): void {
    this.postToView = () => undefined;
  }

  conversation() {
    return this.session.view();
  }

  /** Shows the chat view (it connects and receives the state on its own). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  post(message: HostMessage): void {
    this.postToView(message);
  }

  async ask(question: string, title?: string): Promise<TurnView> {
    const provider = await this.createProvider();
    this.log.info(`ask via ${provider.label} (${question.length} chars)`);
    void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, true);
    try {
      return await this.session.ask(question, provider, title);
    } finally {
      void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, this.session.busy);
      await provider.dispose?.();
    }
  }

  async retry(turnId: string): Promise<void> {
    const turn = this.session.turns.find((candidate) => candidate.id === turnId);
    if (turn) await this.ask(turn.question, turn.title);
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  async newChat(): Promise<void> {
    await this.session.clear();
    await this.persist();
    this.post({ type: 'state', conversation: this.session.view() });
  }

  setInput(text: string): void {
    this.post({ type: 'setInput', text });
  }

  async runAction(action: R1ErrorAction): Promise<void> {
    switch (action.kind) {
      case 'setApiKey':
        await vscode.commands.executeCommand(COMMAND_IDS.setApiKey);
        return;
      case 'retry': {
        const last = this.session.turns[this.session.turns.length - 1];
        if (last) await this.retry(last.id);
        return;
      }
      case 'openUrl':
        await openExternalLink(action.url);
        return;
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', action.query);
        return;
      case 'selectLocalModel':
        await vscode.commands.executeCommand('r1Coder.selectLocalModel');
        return;
    }
  }

  dispose(): void {
    void this.session.stop();
  }

  private onSessionEvent(event: SessionEvent): void {
    this.post(event);
    if (event.type === 'turnEnded') {
      const turn = this.session.turns.find((candidate) => candidate.id === event.turnId);
      this.log.info(`turn ${event.status}${turn?.usage ? ` (${turn.usage.completionTokens} tokens)` : ''}`);
      if (event.error) this.log.warn(event.error.message);
      void this.persist();
    }
  }

  private persist(): Thenable<void> {
    return this.state.update(STATE_KEY, this.session.view().turns.slice(-PERSISTED_TURNS));
  }
}

/** Opens only http(s) links, after the user clicked them; never command: or file: URIs. */
export async function openExternalLink(href: string): Promise<boolean> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(href, true);
  } catch {
    return false;
  }
  if (uri.scheme !== 'https' && uri.scheme !== 'http') return false;
  return vscode.env.openExternal(uri);
}
