import * as vscode from 'vscode';
import { ChatSession, type SessionEvent, type SessionSnapshot } from '../core/chatSession';
import type { FixTarget, Turn, TurnContext, TurnRequest } from '../core/turn';
import type { CarriedFile } from '../core/context/types';
import { buildQuestion } from '../core/context/buildQuestion';
import { DEFAULT_CLOUD_CONTEXT_TOKENS } from '../core/context/defaults';
import { summarizeContext } from '../core/context/summary';
import type { R1ErrorAction } from '../core/errors';
import { assertNever } from '../core/chunks';
import type { ChatProvider } from '../core/provider';
import type { SourceKind } from '../core/sourceKind';
import type { HostMessage } from '../shared/protocol';
import { toConversationWire, toHostMessage } from '../shared/sessionWire';
import { conversationTitle, DEFAULT_HISTORY_LIMITS, exportMarkdown } from '../core/conversationHistory';
import { fromSavedTurn, toSavedTurn, type SavedConversation } from '../core/savedConversations';
import { SavedHistoryStore } from '../core/historyStore';
import { BUSY_CONTEXT_KEY, COMMAND_IDS, VIEW_ID } from './commandIds';
import { PendingInput } from './pendingInput';
import { ProposalNotices } from './proposalNotices';
import { walkthroughEvent } from './walkthrough';
import { AttachmentSet, type PreviewBasis } from './context/attachments';
import { readContextExclude } from './settings';

/** A streaming turn is saved this often, so a window reload or a crash mid-answer keeps what arrived. */
const STREAMING_SAVE_MS = 4_000;

/** What a question carried, kept with its turn so Retry sends the same message. */
interface CarriedContext {
  readonly context?: TurnContext;
  readonly carried?: readonly CarriedFile[];
}

/** The panel's one-question model and effort, saved with the turn like its source. */
type QuestionChoice = Pick<TurnRequest, 'model' | 'effort'>;

/** The panel's model picker's contents. */
type CloudModelsMessage = Extract<HostMessage, { type: 'cloudModels' }>;

/** Runs on the turn a Retry of a Fix turn produces (Fix Selection proposes its edit here). */
export type FollowUp = (turn: Turn) => Promise<unknown>;

/**
 * Owns the conversation for the chat view: starts turns with the current provider, forwards the
 * session's events to the panel, persists the transcript, and runs error actions.
 */
export class ChatController implements vscode.Disposable {
  private readonly session: ChatSession;
  private conversationId: string;
  private postToView: (message: HostMessage) => void = () => undefined;
  private readonly notices = new ProposalNotices();
  private readonly pendingInput = new PendingInput();
  private streamingSave: ReturnType<typeof setTimeout> | undefined;
  private readonly saved: SavedHistoryStore;
  /** Set once the user has been told that history saved by a newer version is left alone. */
  private refusalShown = false;
  /** The attachments of the panel's next question (the chips above its input). */
  readonly attachments: AttachmentSet;

  constructor(
    state: vscode.Memento,
    private readonly createProvider: (source?: SourceKind, choice?: QuestionChoice) => Promise<ChatProvider>,
    private readonly describeSources: () => Extract<HostMessage, { type: 'modelSources' }>,
    private readonly log: vscode.LogOutputChannel,
    /** Rebuilds a Fix turn's follow-up from what was saved with it (injected: selection code stays out of here). */
    private readonly fixFollowUp: (fix: FixTarget) => FollowUp,
    /** The cloud server's models for the panel's picker (read lazily, when the panel asks). */
    private readonly describeModels?: () => Promise<CloudModelsMessage>,
  ) {
    this.saved = new SavedHistoryStore(state);
    this.session = new ChatSession({
      onEvent: (event) => this.onSessionEvent(event),
      maxTurns: DEFAULT_HISTORY_LIMITS.turnsPerConversation,
    });
    this.conversationId = this.restoreCurrent();
    this.attachments = new AttachmentSet(() => this.previewBasis(), log);
  }

  /**
   * Re-reads the current conversation from workspace state, as activation after a window reload
   * does (what only lived in memory, like pending proposal notices, is gone). For the host tests.
   */
  async reload(): Promise<void> {
    await this.session.stop();
    this.conversationId = this.restoreCurrent();
    this.notices.keepOnly(new Set());
    this.postState();
  }

  /** Saved conversations, newest first (the current one included once it has a turn), each checked on read. */
  history(): readonly SavedConversation[] {
    return this.saved.conversations();
  }

  async openConversation(id: string): Promise<void> {
    if (!this.history().some((candidate) => candidate.id === id)) return;
    await this.session.stop();
    await this.persist();
    // Read after persisting: when `id` is the conversation that was streaming, the copy read before
    // the stop is an older streaming save, and restoring it would lose what arrived since.
    const saved = this.history().find((candidate) => candidate.id === id);
    if (!saved) return;
    this.conversationId = saved.id;
    this.session.restore(saved.turns.map(fromSavedTurn));
    this.forgetGoneTurns();
    await this.saved.setCurrent(saved.id);
    this.postState();
  }

  /** The current conversation as Markdown (only what the panel shows: no keys, no settings). */
  exportMarkdown(includeReasoning = true): string {
    const turns = this.session.view().turns;
    return exportMarkdown({ title: conversationTitle(turns), turns }, includeReasoning);
  }

  /** The panel connects (or reconnects after being hidden/reloaded) and gets the full state. */
  attach(post: (message: HostMessage) => void): void {
    this.postToView = post;
    post({ type: 'state', conversation: toConversationWire(this.session.view()) });
    post(this.describeSources());
    // Pending proposals (with Accept/Reject) and refusal reasons, which `state` does not carry.
    for (const notice of this.notices.replay(this.turnIds())) post(notice);
    // Last, after the state: text Ask R1 about Selection left while no panel was connected.
    this.pendingInput.connect(post);
    this.attachments.connect(post);
    // The model picker's list, read now (cached per server and key) so it is there when opened.
    void this.sendModels();
  }

  detach(): void {
    this.postToView = () => undefined;
    this.pendingInput.disconnect();
    this.attachments.disconnect();
  }

  conversation(): SessionSnapshot {
    return this.session.view();
  }

  /** Shows the chat view (it connects and receives the state on its own). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  post(message: HostMessage): void {
    if (message.type === 'editProposal' || message.type === 'fileReview') this.notices.record(message);
    this.postToView(message);
  }

  /** Tells the panel which source answers by default (after attach and when settings change). */
  refreshSources(): void {
    this.postToView(this.describeSources());
    // The server or key may have changed: a panel that listed the models gets the new list.
    if (this.modelsListed) void this.sendModels();
  }

  /** Whether the panel has asked for the model list (then settings changes send it again). */
  private modelsListed = false;

  /** Sends the panel the cloud server's models (on connect, and on `listModels`: the picker opened). */
  async sendModels(): Promise<void> {
    if (!this.describeModels) return;
    this.modelsListed = true;
    try {
      this.postToView(await this.describeModels());
    } catch (error) {
      // The picker keeps the configured model; nothing to show the user beyond the log.
      this.log.warn(`listing cloud models: ${String(error)}`);
    }
  }

  /** "Use as default" in the model picker: r1Coder.cloud.model, where the user keeps it (global). */
  async setDefaultModel(model: string): Promise<void> {
    await vscode.workspace.getConfiguration('r1Coder.cloud').update('model', model, vscode.ConfigurationTarget.Global);
  }

  /**
   * Asks and resolves with the finished turn. `source` and `fix` are saved with the turn, so that
   * Retry asks the same way after a reload too; the caller proposes a Fix's edit itself.
   */
  async ask(question: string, title?: string, source?: SourceKind, fix?: FixTarget): Promise<Turn> {
    return this.start(question, await this.createProvider(source), title, source, fix);
  }

  /**
   * The panel's question: it carries the attachments of the next question (the chips), built into
   * one message by the provider that answers (its budget, its token counter). Follow-ups do not
   * resend a file an earlier turn still in the history carried unchanged.
   */
  async askWithContext(typed: string, source?: SourceKind, choice: QuestionChoice = {}): Promise<Turn> {
    // First: a local worker builds the message only after the running generation has stopped.
    await this.session.stop();
    const { items, refused } = this.attachments.forQuestion();
    const provider = await this.createProvider(source, choice);
    if (!items.length && !refused.length) {
      this.attachments.sent();
      return this.start(typed, provider, undefined, source, undefined, {}, choice);
    }
    const { messages, earlier } = this.session.nextHistory();
    const { result, fallback } = await buildQuestion(provider, {
      question: typed,
      items,
      refused,
      exclude: readContextExclude(),
      earlier,
      history: messages,
    });
    if (fallback) this.log.warn(`context: ${fallback}`);
    this.log.info(
      `context: ${result.items.length} attachment(s), ${result.refused.length} refused, ${result.tokens} tokens${result.overBudget ? ' (over budget)' : ''}`,
    );
    this.attachments.sent();
    const context: TurnContext = { typed, attachments: summarizeContext(items, result) };
    return this.start(
      result.message,
      provider,
      undefined,
      source,
      undefined,
      { context, carried: result.carried },
      choice,
    );
  }

  /** The `#` picker: runs the attach command (registered by the context picker) and tells the panel whether anything was attached. */
  async pickAttachment(): Promise<boolean> {
    const before = this.attachments.additions;
    try {
      await vscode.commands.executeCommand(COMMAND_IDS.attachContext);
    } catch (error) {
      this.log.warn(`attach context: ${String(error)}`);
    }
    const picked = this.attachments.additions > before;
    this.postToView({ type: 'attachmentPicked', picked });
    return picked;
  }

  /**
   * Asks a turn's question again, as a new turn, the way it was asked (read from the turn, so this
   * holds after a reload): with its source override, the same message and attachments, and for a
   * Fix, proposing the new answer's edit. Resolves with the proposal for a Fix, or the new turn.
   */
  async retry(turnId: string): Promise<unknown> {
    const turn = this.session.turns.find((candidate) => candidate.id === turnId);
    if (!turn) return undefined;
    const { source, fix, carried, model, effort } = turn.request ?? {};
    const choice: QuestionChoice = { ...(model && { model }), ...(effort && { effort }) };
    const provider = await this.createProvider(source, choice);
    const next = await this.start(
      turn.question,
      provider,
      turn.title,
      source,
      fix,
      { context: turn.context, carried },
      choice,
    );
    return fix ? this.fixFollowUp(fix)(next) : next;
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  /** Answer now: ends the streaming turn's thought (local models; nothing for the others). */
  answerNow(turnId: string): void {
    this.session.answerNow(turnId);
  }

  async newChat(): Promise<void> {
    await this.session.stop();
    await this.persist();
    await this.session.clear();
    this.forgetGoneTurns();
    this.conversationId = newConversationId();
    await this.saved.setCurrent(this.conversationId);
    this.postState();
  }

  setInput(text: string): void {
    this.pendingInput.set(text);
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
        await vscode.commands.executeCommand(COMMAND_IDS.selectLocalModel);
        return;
      case 'newChat':
        await this.newChat();
        return;
      default:
        assertNever(action, 'error action');
    }
  }

  dispose(): void {
    clearTimeout(this.streamingSave);
    this.attachments.dispose();
    void this.session.stop();
  }

  private async start(
    question: string,
    provider: ChatProvider,
    title?: string,
    source?: SourceKind,
    fix?: FixTarget,
    carried: CarriedContext = {},
    choice: QuestionChoice = {},
  ): Promise<Turn> {
    this.log.info(`ask via ${provider.label} (${question.length} chars)`);
    void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, true);
    const request: TurnRequest = {
      ...(source && { source }),
      ...(choice.model && { model: choice.model }),
      ...(choice.effort && { effort: choice.effort }),
      ...(fix && { fix }),
      ...(carried.carried?.length && { carried: carried.carried }),
    };
    try {
      const turn = await this.session.ask(question, provider, title, request, carried.context);
      this.forgetGoneTurns();
      return turn;
    } finally {
      // Providers are owned by ProviderSource (the local one stays warm), so none is disposed here.
      void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, this.session.busy);
    }
  }

  /** The chips' preview: the default provider's budget, and the files earlier turns still in the history carried. */
  private async previewBasis(): Promise<PreviewBasis> {
    const provider = await this.createProvider();
    return {
      budgetTokens: provider.contextBudget?.() ?? DEFAULT_CLOUD_CONTEXT_TOKENS,
      earlier: this.session.nextHistory().earlier,
    };
  }

  private onSessionEvent(event: SessionEvent): void {
    this.post(toHostMessage(event));
    if (event.type === 'delta' && !this.streamingSave) {
      // Only while a turn streams: nothing is scheduled at activation or when idle.
      this.streamingSave = setTimeout(() => {
        this.streamingSave = undefined;
        void this.persist();
      }, STREAMING_SAVE_MS);
    }
    if (event.type === 'turnEnded') {
      clearTimeout(this.streamingSave);
      this.streamingSave = undefined;
      const turn = this.session.turns.find((candidate) => candidate.id === event.turnId);
      this.log.info(`turn ${event.status}${turn?.usage ? ` (${turn.usage.completionTokens} tokens)` : ''}`);
      if (event.error) this.log.warn(event.error.message);
      if (event.status === 'done') walkthroughEvent('firstAnswer');
      void this.persist();
      // The turn is history now: a file it carried is not resent while unchanged, as its chip should say.
      this.attachments.refresh();
    }
  }

  private turnIds(): Set<string> {
    return new Set(this.session.turns.map((turn) => turn.id));
  }

  /** Drops the notices kept for turns the transcript no longer has, so they stay bounded. */
  private forgetGoneTurns(): void {
    this.notices.keepOnly(this.turnIds());
  }

  private postState(): void {
    this.postToView({ type: 'state', conversation: toConversationWire(this.session.view()) });
    this.attachments.refresh();
  }

  /** Restores the conversation workspace state names as current (a new, empty one if none); returns its id. */
  private restoreCurrent(): string {
    const saved = this.saved.read();
    if (saved.kind === 'refused') {
      this.log.warn(saved.reason);
    } else if (saved.format === 'unreadable') {
      this.log.warn('The saved conversations were unreadable; they are replaced on the next save.');
    } else if (saved.dropped.conversations || saved.dropped.turns) {
      const { conversations, turns } = saved.dropped;
      this.log.warn(`Left out malformed saved history: ${conversations} conversation(s), ${turns} turn(s).`);
    }
    const currentId = this.saved.currentId();
    const current = saved.kind === 'loaded' ? saved.conversations.find((entry) => entry.id === currentId) : undefined;
    this.session.restore(current?.turns.map(fromSavedTurn) ?? []);
    return current?.id ?? newConversationId();
  }

  private async persist(): Promise<void> {
    const turns = this.session.view().turns;
    const result = await this.saved.save({
      id: this.conversationId,
      title: conversationTitle(turns),
      updatedAt: Date.now(),
      turns: turns.map(toSavedTurn),
    });
    if (result.kind === 'refused' && !this.refusalShown) {
      this.refusalShown = true;
      void vscode.window.showWarningMessage(`R1: ${result.reason} This conversation is not saved.`);
    }
  }
}

function newConversationId(): string {
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
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
