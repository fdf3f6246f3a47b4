/**
 * The R1 Chat panel. Talks to the host only through src/shared/protocol.ts messages.
 * Model output is rendered by StreamingMarkdown (sanitized, no raw HTML, no network).
 */

import { assertNever } from '../core/chunks';
import type { R1ErrorAction } from '../core/errors';
import type { EditProposalView, HostMessage, ModelSource, TurnView, WebviewMessage } from '../shared/protocol';
import { FollowScroll } from './followScroll';
import { StreamingMarkdown } from './markdownStream';
import { formatThinkingHeader } from './format';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the panel being hidden or reloaded (vscode.setState), besides the host's transcript. */
interface PanelState {
  readonly draft: string;
  /** r1Coder.chat.collapseThinking as last received, so a reloaded panel starts with it. */
  readonly collapseThinking?: boolean;
  /** Thoughts the user opened (true) or closed (false) themselves, by turn id, oldest first. */
  readonly thinkingChoices: readonly (readonly [string, boolean])[];
}

/** Choices kept; the oldest go first (history holds at most 200 turns per conversation). */
const MAX_THINKING_CHOICES = 500;

const vscode = acquireVsCodeApi();

/** The one writer of vscode.setState: each update keeps the other fields. */
class PanelStore {
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

/** What a turn needs from the panel. */
interface TurnHooks {
  post(message: WebviewMessage): void;
  /** A renderer updated the DOM (keeps the end in view). */
  onRender(): void;
  copy(text: string, button: HTMLElement): void;
  /** r1Coder.chat.collapseThinking, current value. */
  collapseThinking(): boolean;
  /** The user's own open/closed choice for a turn's thought, remembered across reloads. */
  thinkingChoice(turnId: string): boolean | undefined;
  rememberThinking(turnId: string, open: boolean): void;
}

/** Live view of one turn; mirrors TurnView and owns its DOM. */
class TurnElement {
  readonly root: HTMLElement;
  private readonly thinking: HTMLDetailsElement;
  private readonly thinkingTitle: HTMLElement;
  private readonly thinkingDetail: Text;
  private readonly reasoningView: StreamingMarkdown;
  private readonly answerView: StreamingMarkdown;
  private readonly notice: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly proposalBar: HTMLElement;
  private readonly footerInfo: HTMLElement;
  private readonly copyAnswer: HTMLButtonElement;
  /** Set when the user opened or closed the thought; it then stays that way. */
  private thinkingChoice: boolean | undefined;
  private turn: TurnView;
  private reasoningChars: number;
  /**
   * Webview clock minus host clock, from the latest delta: the live "Thinking… N s" counts in host
   * time, the time its timestamps are in (in a remote window the two machines' clocks differ).
   */
  private hostClockSkew = 0;

  private refreshQueued = false;

  constructor(
    turn: TurnView,
    private readonly hooks: TurnHooks,
  ) {
    this.turn = turn;
    this.reasoningChars = turn.reasoning.length;
    this.thinkingChoice = hooks.thinkingChoice(turn.id);
    this.root = element('article', 'turn');
    this.root.dataset.testid = 'turn';
    this.root.dataset.turnId = turn.id;

    const question = element('div', 'question');
    question.append(
      icon(turn.title ? 'wand' : 'account'),
      textElement('div', 'question-text', turn.title ?? turn.question),
    );

    const response = element('div', 'response');
    const meta = element('div', 'meta');
    meta.append(icon('sparkle'), textElement('span', 'model-label', turn.modelLabel));

    this.thinking = document.createElement('details');
    this.thinking.className = 'thinking';
    this.thinking.dataset.testid = 'thinking';
    const summary = document.createElement('summary');
    // One inline span, so its text reads as one phrase: "Thought for 12 s · 1,234 tokens · 41 tok/s".
    const label = element('span', 'thinking-label');
    label.dataset.testid = 'thinking-header';
    this.thinkingTitle = textElement('strong', 'thinking-title', 'Thinking…');
    this.thinkingDetail = document.createTextNode('');
    label.append(this.thinkingTitle, this.thinkingDetail);
    const copyThinking = iconButton('copy', 'Copy thoughts', 'copy-thinking');
    copyThinking.classList.add('copy-button');
    copyThinking.type = 'button';
    copyThinking.addEventListener('click', (event) => {
      // Inside the summary: copying must not open or close the thought.
      event.preventDefault();
      event.stopPropagation();
      hooks.copy(this.turn.reasoning, copyThinking);
    });
    summary.append(icon('lightbulb'), label, copyThinking);
    const thinkingBody = element('div', 'thinking-body markdown');
    thinkingBody.dataset.testid = 'thinking-body';
    this.thinking.append(summary, thinkingBody);
    // A click (or Enter/Space, which click) on the summary is the user's choice; it runs before
    // the toggle, so the new state is the opposite of the current one.
    summary.addEventListener('click', () => {
      this.thinkingChoice = !this.thinking.open;
      hooks.rememberThinking(this.turn.id, this.thinkingChoice);
    });

    const answer = element('div', 'answer markdown');
    answer.dataset.testid = 'answer';
    this.notice = element('div', 'notice');
    this.notice.setAttribute('role', 'status');
    this.errorBox = element('div', 'turn-error');
    this.errorBox.dataset.testid = 'turn-error';
    this.errorBox.setAttribute('role', 'alert');
    this.footer = element('div', 'turn-footer');
    this.footerInfo = element('div', 'turn-footer-info');
    this.copyAnswer = iconButton('copy', 'Copy answer (markdown)', 'copy-answer');
    this.copyAnswer.classList.add('copy-button');
    this.copyAnswer.type = 'button';
    this.copyAnswer.addEventListener('click', () => hooks.copy(this.turn.answer, this.copyAnswer));
    this.footer.append(this.footerInfo, this.copyAnswer);
    this.proposalBar = element('div', 'proposal');
    this.proposalBar.dataset.testid = 'edit-proposal';
    this.proposalBar.hidden = true;

    response.append(meta, this.thinking, answer, this.notice, this.errorBox, this.proposalBar, this.footer);
    this.root.append(question, response);

    const onRender = () => hooks.onRender();
    this.reasoningView = new StreamingMarkdown(thinkingBody, { highlight: true, onRender });
    this.answerView = new StreamingMarkdown(answer, { highlight: true, onRender });
    if (turn.reasoning) this.reasoningView.setText(turn.reasoning);
    if (turn.answer) this.answerView.setText(turn.answer);
    // A restored turn that is no longer streaming is complete: close its fences and highlight them.
    if (turn.status !== 'streaming') {
      this.reasoningView.finish();
      this.answerView.finish();
    }
    this.applyThinkingRule();
    this.refresh();
  }

  get id(): string {
    return this.turn.id;
  }

  get streaming(): boolean {
    return this.turn.status === 'streaming';
  }

  appendDelta(reasoning: string, answer: string, at: number): void {
    this.hostClockSkew = Date.now() - at;
    if (reasoning) {
      this.reasoningView.append(reasoning);
      this.reasoningChars += reasoning.length;
      this.turn = {
        ...this.turn,
        reasoning: this.turn.reasoning + reasoning,
        reasoningStartedAt: this.turn.reasoningStartedAt ?? at,
      };
    }
    if (answer) {
      const first = !this.turn.answer;
      this.answerView.append(answer);
      this.turn = {
        ...this.turn,
        answer: this.turn.answer + answer,
        reasoningEndedAt: this.turn.reasoningEndedAt ?? at,
      };
      // The answer is what the user waits for: fold the thoughts away (the setting, unless they chose).
      if (first) this.applyThinkingRule();
    }
    // Thousands of deltas a second: the status line is redrawn at most once per frame.
    if (!this.refreshQueued) {
      this.refreshQueued = true;
      requestAnimationFrame(() => {
        this.refreshQueued = false;
        this.refresh();
      });
    }
  }

  reclassify(): void {
    this.turn = {
      ...this.turn,
      answer: this.turn.reasoning + this.turn.answer,
      reasoning: '',
      reasoningStartedAt: undefined,
      reasoningEndedAt: undefined,
    };
    this.reasoningChars = 0;
    this.reasoningView.setText('');
    this.answerView.setText(this.turn.answer);
    this.applyThinkingRule();
    this.refresh();
  }

  update(patch: Partial<TurnView>): void {
    this.turn = { ...this.turn, ...patch };
    if (this.turn.status !== 'streaming') {
      this.reasoningView.finish();
      this.answerView.finish();
    }
    this.refresh();
  }

  showProposal(proposal: EditProposalView): void {
    const bar = this.proposalBar;
    bar.hidden = false;
    bar.dataset.state = proposal.state;
    bar.replaceChildren();
    const pending = proposal.state === 'pending';
    const iconName = { pending: 'diff', applied: 'check', rejected: 'discard', refused: 'warning' }[proposal.state];
    bar.append(
      icon(iconName),
      textElement(
        'span',
        'proposal-text',
        pending ? `Proposed edit to ${proposal.target}` : (proposal.message ?? proposal.state),
      ),
    );
    if (!pending) return;
    const decide = (decision: 'accept' | 'reject' | 'showDiff', label: string, className: string) => {
      const button = textElement('button', className, label);
      button.dataset.testid = `edit-${decision}`;
      button.addEventListener('click', () =>
        this.hooks.post({ type: 'resolveEdit', proposalId: proposal.id, decision }),
      );
      return button;
    };
    const actions = element('div', 'proposal-actions');
    actions.append(
      decide('accept', 'Accept', ''),
      decide('reject', 'Reject', 'secondary'),
      decide('showDiff', 'Show Diff', 'link-button'),
    );
    bar.append(actions);
  }

  /** Redraws the parts that are cheap: status, stats, notice, error (not the markdown). */
  refresh(now = Date.now()): void {
    const turn = this.turn;
    this.root.dataset.status = turn.status;
    this.thinking.hidden = !turn.reasoning;
    const done = turn.reasoningEndedAt !== undefined || turn.status !== 'streaming';
    // From the first reasoning delta, not the request: model load, queueing and retry waits are
    // not thinking. Turns saved before reasoningStartedAt existed fall back to the request start.
    const start = turn.reasoningStartedAt ?? turn.startedAt;
    const end = turn.reasoningEndedAt ?? turn.endedAt ?? (done ? undefined : now - this.hostClockSkew);
    const header = formatThinkingHeader({
      done,
      seconds: end === undefined ? undefined : Math.max(0, (end - start) / 1000),
      reasoningTokens: turn.usage?.reasoningTokens,
      estimatedTokens: Math.round(this.reasoningChars / 4),
    });
    this.thinkingTitle.textContent = header.title;
    this.thinkingDetail.data = header.detail ? ` ${header.detail}` : '';
    this.notice.textContent = turn.notice ?? statusNotice(turn);
    this.notice.hidden = !this.notice.textContent;
    this.renderError();
    this.renderFooter();
  }

  private renderError(): void {
    this.errorBox.replaceChildren();
    const error = this.turn.error;
    this.errorBox.hidden = !error;
    if (!error) return;
    this.errorBox.append(
      icon(this.turn.status === 'incomplete' ? 'warning' : 'error'),
      textElement('span', 'error-message', error.message),
    );
    const actions = element('div', 'error-actions');
    for (const action of error.actions) {
      const button = textElement('button', 'secondary', actionLabel(action));
      button.addEventListener('click', () =>
        this.hooks.post(
          action.kind === 'retry' ? { type: 'retry', turnId: this.turn.id } : { type: 'runAction', action },
        ),
      );
      actions.append(button);
    }
    this.errorBox.append(actions);
  }

  private renderFooter(): void {
    const turn = this.turn;
    // The copy button is kept, not redrawn: a redraw would take the keyboard focus from it.
    this.copyAnswer.hidden = turn.status === 'streaming' || !turn.answer;
    this.footerInfo.replaceChildren();
    if (turn.status === 'streaming') return;
    if (turn.status === 'stopped' && !turn.error) {
      const retry = textElement('button', 'link-button', 'Ask again');
      retry.addEventListener('click', () => this.hooks.post({ type: 'retry', turnId: turn.id }));
      this.footerInfo.append(retry);
    }
    if (turn.usage) {
      const usage = turn.usage;
      this.footerInfo.append(
        textElement(
          'span',
          'usage',
          `${usage.promptTokens.toLocaleString('en-US')} in · ${usage.completionTokens.toLocaleString('en-US')} out` +
            (usage.cachedPromptTokens ? ` · ${usage.cachedPromptTokens.toLocaleString('en-US')} cached` : ''),
        ),
      );
    }
  }

  /**
   * Open while the thought is all there is; once the answer begins, folded unless
   * r1Coder.chat.collapseThinking is off. The user's own choice, once made, wins.
   */
  applyThinkingRule(): void {
    this.thinking.open = this.thinkingChoice ?? (!this.turn.answer || !this.hooks.collapseThinking());
  }
}

class ChatPanel {
  private readonly transcript: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly sourceSelect: HTMLSelectElement;
  private readonly announcer: HTMLElement;
  private turns = new Map<string, TurnElement>();
  private busy = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly follow: FollowScroll;
  private readonly store = new PanelStore(vscode);
  private collapseThinking: boolean;

  constructor(root: HTMLElement) {
    this.collapseThinking = this.store.current.collapseThinking ?? true;
    this.transcript = element('main', 'transcript');
    this.transcript.setAttribute('aria-label', 'Conversation');
    this.empty = element('div', 'empty-state');
    this.empty.append(
      textElement('h2', '', 'Ask R1'),
      textElement('p', '', 'The model thinks first: its reasoning streams live above each answer.'),
      textElement('p', 'hint', 'Enter to send · Shift+Enter for a new line · Escape to stop'),
    );

    const composer = element('form', 'composer');
    this.input = document.createElement('textarea');
    this.input.dataset.testid = 'prompt-input';
    this.input.rows = 3;
    this.input.placeholder = 'Ask about your code…';
    this.input.setAttribute('aria-label', 'Question for R1');
    this.input.value = this.store.current.draft;
    this.sendButton = iconButton('send', 'Send (Enter)', 'send-button');
    this.stopButton = iconButton('debug-stop', 'Stop (Escape)', 'stop-button');
    this.stopButton.hidden = true;
    const buttons = element('div', 'composer-buttons');
    buttons.append(this.sendButton, this.stopButton);
    // Which model answers the next question; "default" follows r1Coder.mode (the status bar).
    this.sourceSelect = document.createElement('select');
    this.sourceSelect.dataset.testid = 'source-select';
    this.sourceSelect.title = 'Model for the next question';
    this.sourceSelect.setAttribute('aria-label', 'Model for the next question');
    const inputColumn = element('div', 'composer-input');
    inputColumn.append(this.input, this.sourceSelect);
    composer.append(inputColumn, buttons);

    this.announcer = element('div', 'visually-hidden');
    this.announcer.setAttribute('aria-live', 'polite');

    root.append(this.transcript, composer, this.announcer);
    // Follows the stream unless the user scrolled up; renderers report each DOM update.
    this.follow = new FollowScroll(this.transcript);
    this.transcript.append(this.empty);

    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.sendButton.type = 'submit';
    this.stopButton.type = 'button';
    this.stopButton.addEventListener('click', () => this.post({ type: 'stop' }));
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    this.input.addEventListener('input', () => this.store.update({ draft: this.input.value }));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.busy) {
        event.preventDefault();
        this.post({ type: 'stop' });
      }
    });
    // Links and code-block buttons in rendered output: handled here, never by navigation.
    this.transcript.addEventListener('click', (event) => this.onTranscriptClick(event));
    // Rendered links are focusable; Enter opens them like a click (keyboard users).
    this.transcript.addEventListener('keydown', (event) => {
      const link = (event.target as HTMLElement | null)?.closest<HTMLElement>('a[data-href]');
      if (event.key === 'Enter' && link?.dataset.href) {
        event.preventDefault();
        this.post({ type: 'openLink', href: link.dataset.href });
      }
    });

    window.addEventListener('message', (event: MessageEvent<HostMessage>) => this.onMessage(event.data));
    this.post({ type: 'ready' });
  }

  private post(message: WebviewMessage): void {
    vscode.postMessage(message);
  }

  private send(): void {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    const choice = this.sourceSelect.value;
    this.post(choice === 'cloud' || choice === 'local' ? { type: 'ask', text, source: choice } : { type: 'ask', text });
    // An override is for one request only.
    this.sourceSelect.value = 'default';
    this.input.value = '';
    this.store.update({ draft: '' });
  }

  private onMessage(message: HostMessage): void {
    switch (message.type) {
      case 'state':
        this.turns.clear();
        this.transcript.replaceChildren(this.empty);
        for (const turn of message.conversation.turns) this.addTurn(turn);
        this.setBusy(message.conversation.busy);
        this.scrollToEnd(true);
        return;
      case 'turnStarted':
        this.addTurn(message.turn);
        this.setBusy(true);
        this.announce('R1 is thinking');
        this.scrollToEnd(true);
        return;
      case 'delta':
        // The renderers' onRender keeps the end in view once the frame is drawn.
        this.turns.get(message.turnId)?.appendDelta(message.reasoning, message.answer, message.at);
        return;
      case 'reclassified':
        this.turns.get(message.turnId)?.reclassify();
        return;
      case 'notice':
        this.turns.get(message.turnId)?.update({ notice: message.notice });
        if (message.notice) this.announce(message.notice);
        return;
      case 'usage':
        this.turns.get(message.turnId)?.update({ usage: message.usage });
        return;
      case 'turnEnded':
        this.turns.get(message.turnId)?.update({
          status: message.status,
          endedAt: message.at,
          finishReason: message.finishReason,
          error: message.error,
          notice: undefined,
        });
        this.setBusy(false);
        this.announce(message.error ? message.error.message : `Answer ${message.status}`);
        this.scrollToEnd(false);
        return;
      case 'editProposal':
        this.turns.get(message.turnId)?.showProposal(message.proposal);
        this.announce(
          message.proposal.state === 'pending'
            ? `Proposed edit to ${message.proposal.target}`
            : (message.proposal.message ?? ''),
        );
        this.scrollToEnd(false);
        return;
      case 'modelSources':
        this.showSources(message.defaultSource, message.cloudLabel, message.localLabel);
        this.setCollapseThinking(message.collapseThinking);
        return;
      case 'setInput':
        this.input.value = message.text;
        this.input.focus();
        this.input.setSelectionRange(message.text.length, message.text.length);
        this.store.update({ draft: message.text });
        return;
      case 'reportInput':
        this.post({ type: 'input', text: this.input.value });
        return;
      default:
        assertNever(message, 'host message');
    }
  }

  private showSources(defaultSource: ModelSource, cloudLabel: string, localLabel: string): void {
    const selected = this.sourceSelect.value || 'default';
    const option = (value: string, label: string) => {
      const node = document.createElement('option');
      node.value = value;
      node.textContent = label;
      return node;
    };
    const labels: Record<ModelSource, string> = { cloud: `Cloud · ${cloudLabel}`, local: `Local · ${localLabel}` };
    this.sourceSelect.replaceChildren(
      option('default', labels[defaultSource]),
      option(
        defaultSource === 'cloud' ? 'local' : 'cloud',
        `Just this once: ${labels[defaultSource === 'cloud' ? 'local' : 'cloud']}`,
      ),
    );
    this.sourceSelect.value = [...this.sourceSelect.options].some((candidate) => candidate.value === selected)
      ? selected
      : 'default';
  }

  private setCollapseThinking(collapse: boolean): void {
    if (collapse === this.collapseThinking && this.store.current.collapseThinking === collapse) return;
    this.collapseThinking = collapse;
    this.store.update({ collapseThinking: collapse });
    // Turns the user never opened or closed follow the new setting at once.
    for (const turn of this.turns.values()) turn.applyThinkingRule();
  }

  private addTurn(turn: TurnView): void {
    this.empty.remove();
    const store = this.store;
    const view = new TurnElement(turn, {
      post: (message) => this.post(message),
      onRender: () => this.follow.update(),
      copy: (text, button) => this.copy(text, button),
      collapseThinking: () => this.collapseThinking,
      thinkingChoice: (turnId) => store.thinkingChoice(turnId),
      rememberThinking: (turnId, open) => store.rememberThinking(turnId, open),
    });
    this.turns.set(turn.id, view);
    this.transcript.append(view.root);
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.sendButton.hidden = busy;
    this.stopButton.hidden = !busy;
    // Elapsed seconds tick only while something streams.
    if (busy && !this.ticker) {
      this.ticker = setInterval(() => {
        for (const turn of this.turns.values()) if (turn.streaming) turn.refresh();
      }, 1000);
    } else if (!busy && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private scrollToEnd(force: boolean): void {
    if (force) this.follow.resume();
    else this.follow.update();
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }

  /** Every Copy button (code blocks, thoughts, answers) goes through here. */
  private copy(text: string, button: HTMLElement): void {
    void navigator.clipboard.writeText(text).then(
      () => {
        this.announce('Copied');
        showCopied(button);
      },
      () => this.announce('Copy failed'),
    );
  }

  private onTranscriptClick(event: MouseEvent): void {
    const target = event.target as HTMLElement | null;
    const link = target?.closest<HTMLElement>('a[data-href]');
    if (link) {
      event.preventDefault();
      const href = link.dataset.href;
      if (href) this.post({ type: 'openLink', href });
      return;
    }
    const button = target?.closest<HTMLElement>('[data-action]');
    const action = button?.dataset.action;
    if (button && action === 'copy-code') {
      this.copy(button.closest('.code-block')?.querySelector('code')?.textContent ?? '', button);
    } else if (button && (action === 'apply-code' || action === 'insert-code')) {
      // Only blocks of an answer can be applied, never code from the reasoning.
      const turnId = button.closest<HTMLElement>('[data-turn-id]')?.dataset.turnId;
      const blockIndex = Number(button.dataset.blockIndex);
      if (turnId && button.closest('[data-testid="answer"]') && Number.isInteger(blockIndex)) {
        this.post({
          type: 'applyCode',
          turnId,
          blockIndex,
          mode: action === 'apply-code' ? 'replaceSelection' : 'insertAtCursor',
        });
      }
    }
    if (target?.closest('a')) event.preventDefault();
  }
}

function statusNotice(turn: TurnView): string {
  switch (turn.status) {
    case 'stopped':
      return 'Stopped. What arrived is kept.';
    case 'incomplete':
      return turn.error ? '' : 'Incomplete answer.';
    case 'streaming':
    case 'done':
    case 'error':
      return '';
    default:
      return assertNever(turn.status, 'status');
  }
}

function actionLabel(action: R1ErrorAction): string {
  switch (action.kind) {
    case 'setApiKey':
      return 'Set API Key';
    case 'retry':
      return 'Retry';
    case 'openUrl':
      return action.label;
    case 'openSettings':
      return 'Open Settings';
    case 'selectLocalModel':
      return 'Select Local Model';
    case 'newChat':
      return 'New Chat';
    default:
      return assertNever(action, 'action');
  }
}

function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function textElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

function icon(name: string): HTMLElement {
  const node = element('span', `codicon codicon-${name}`);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** The button's copy icon turns into a check mark for a moment. */
function showCopied(button: HTMLElement): void {
  const glyph = button.querySelector('.codicon-copy');
  if (!glyph) return;
  glyph.classList.replace('codicon-copy', 'codicon-check');
  button.dataset.copied = 'true';
  setTimeout(() => {
    glyph.classList.replace('codicon-check', 'codicon-copy');
    delete button.dataset.copied;
  }, 1500);
}

function iconButton(name: string, label: string, testId: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.className = 'icon-button';
  button.title = label;
  button.setAttribute('aria-label', label);
  button.dataset.testid = testId;
  button.append(icon(name));
  return button;
}

const root = document.getElementById('app');
if (root) new ChatPanel(root);
