/**
 * The R1 Chat panel. Talks to the host only through src/shared/protocol.ts messages.
 * Model output is rendered by StreamingMarkdown (sanitized, no raw HTML, no network).
 */

import { assertNever } from '../core/chunks';
import type { R1ErrorAction } from '../core/errors';
import type { EditProposalView, HostMessage, ModelSource, TurnView, WebviewMessage } from '../shared/protocol';
import { FollowScroll } from './followScroll';
import { StreamingMarkdown } from './markdownStream';
import { formatThinkingStats } from './format';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  readonly draft: string;
}

const vscode = acquireVsCodeApi();

/** Live view of one turn; mirrors TurnView and owns its DOM. */
class TurnElement {
  readonly root: HTMLElement;
  private readonly thinking: HTMLDetailsElement;
  private readonly thinkingTitle: HTMLElement;
  private readonly thinkingStats: HTMLElement;
  private readonly reasoningView: StreamingMarkdown;
  private readonly answerView: StreamingMarkdown;
  private readonly notice: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly proposalBar: HTMLElement;
  private userToggledThinking = false;
  private programmaticToggle = false;
  private turn: TurnView;
  private reasoningChars: number;

  private refreshQueued = false;

  constructor(
    turn: TurnView,
    private readonly post: (message: WebviewMessage) => void,
    onRender: () => void,
  ) {
    this.turn = turn;
    this.reasoningChars = turn.reasoning.length;
    this.root = element('article', 'turn');
    this.root.dataset.testid = 'turn';
    this.root.dataset.turnId = turn.id;

    const question = element('div', 'question');
    question.append(icon(turn.title ? 'wand' : 'account'), textElement('div', 'question-text', turn.title ?? turn.question));

    const response = element('div', 'response');
    const meta = element('div', 'meta');
    meta.append(icon('sparkle'), textElement('span', 'model-label', turn.modelLabel));

    this.thinking = document.createElement('details');
    this.thinking.className = 'thinking';
    this.thinking.dataset.testid = 'thinking';
    const summary = document.createElement('summary');
    this.thinkingTitle = textElement('span', 'thinking-title', 'Thinking');
    this.thinkingStats = textElement('span', 'thinking-stats', '');
    summary.append(icon('lightbulb'), this.thinkingTitle, this.thinkingStats);
    const thinkingBody = element('div', 'thinking-body markdown');
    thinkingBody.dataset.testid = 'thinking-body';
    this.thinking.append(summary, thinkingBody);
    this.thinking.addEventListener('toggle', () => {
      if (!this.programmaticToggle) this.userToggledThinking = true;
    });

    const answer = element('div', 'answer markdown');
    answer.dataset.testid = 'answer';
    this.notice = element('div', 'notice');
    this.notice.setAttribute('role', 'status');
    this.errorBox = element('div', 'turn-error');
    this.errorBox.dataset.testid = 'turn-error';
    this.errorBox.setAttribute('role', 'alert');
    this.footer = element('div', 'turn-footer');
    this.proposalBar = element('div', 'proposal');
    this.proposalBar.dataset.testid = 'edit-proposal';
    this.proposalBar.hidden = true;

    response.append(meta, this.thinking, answer, this.notice, this.errorBox, this.proposalBar, this.footer);
    this.root.append(question, response);

    this.reasoningView = new StreamingMarkdown(thinkingBody, { highlight: true, onRender });
    this.answerView = new StreamingMarkdown(answer, { highlight: true, onRender });
    if (turn.reasoning) this.reasoningView.setText(turn.reasoning);
    if (turn.answer) this.answerView.setText(turn.answer);
    // A restored turn that is no longer streaming is complete: close its fences and highlight them.
    if (turn.status !== 'streaming') {
      this.reasoningView.finish();
      this.answerView.finish();
    }
    this.setThinkingOpen(turn.status === 'streaming' && !turn.answer);
    this.refresh();
  }

  get id(): string {
    return this.turn.id;
  }

  get streaming(): boolean {
    return this.turn.status === 'streaming';
  }

  appendDelta(reasoning: string, answer: string, at: number): void {
    if (reasoning) {
      this.reasoningView.append(reasoning);
      this.reasoningChars += reasoning.length;
      this.turn = { ...this.turn, reasoning: this.turn.reasoning + reasoning };
    }
    if (answer) {
      const first = !this.turn.answer;
      this.answerView.append(answer);
      this.turn = {
        ...this.turn,
        answer: this.turn.answer + answer,
        reasoningEndedAt: this.turn.reasoningEndedAt ?? at,
      };
      // The answer is what the user waits for: fold the thoughts away unless they chose otherwise.
      if (first && !this.userToggledThinking) this.setThinkingOpen(false);
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
    this.turn = { ...this.turn, answer: this.turn.reasoning + this.turn.answer, reasoning: '' };
    this.reasoningChars = 0;
    this.reasoningView.setText('');
    this.answerView.setText(this.turn.answer);
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
    bar.append(icon(iconName), textElement('span', 'proposal-text', pending ? `Proposed edit to ${proposal.target}` : (proposal.message ?? proposal.state)));
    if (!pending) return;
    const decide = (decision: 'accept' | 'reject' | 'showDiff', label: string, className: string) => {
      const button = textElement('button', className, label);
      button.dataset.testid = `edit-${decision}`;
      button.addEventListener('click', () => this.post({ type: 'resolveEdit', proposalId: proposal.id, decision }));
      return button;
    };
    const actions = element('div', 'proposal-actions');
    actions.append(decide('accept', 'Accept', ''), decide('reject', 'Reject', 'secondary'), decide('showDiff', 'Show Diff', 'link-button'));
    bar.append(actions);
  }

  /** Redraws the parts that are cheap: status, stats, notice, error (not the markdown). */
  refresh(now = Date.now()): void {
    const turn = this.turn;
    this.root.dataset.status = turn.status;
    this.thinking.hidden = !turn.reasoning;
    const thinkingDone = turn.reasoningEndedAt !== undefined || turn.status !== 'streaming';
    this.thinkingTitle.textContent = thinkingDone ? 'Thought' : 'Thinking…';
    const end = turn.reasoningEndedAt ?? turn.endedAt ?? now;
    this.thinkingStats.textContent = formatThinkingStats({
      seconds: Math.max(0, (end - turn.startedAt) / 1000),
      reasoningTokens: turn.usage?.reasoningTokens,
      estimatedTokens: Math.round(this.reasoningChars / 4),
    });
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
    this.errorBox.append(icon(this.turn.status === 'incomplete' ? 'warning' : 'error'), textElement('span', 'error-message', error.message));
    const actions = element('div', 'error-actions');
    for (const action of error.actions) {
      const button = textElement('button', 'secondary', actionLabel(action));
      button.addEventListener('click', () =>
        this.post(action.kind === 'retry' ? { type: 'retry', turnId: this.turn.id } : { type: 'runAction', action }),
      );
      actions.append(button);
    }
    this.errorBox.append(actions);
  }

  private renderFooter(): void {
    const turn = this.turn;
    this.footer.replaceChildren();
    if (turn.status === 'streaming') return;
    if (turn.status === 'stopped' && !turn.error) {
      const retry = textElement('button', 'link-button', 'Ask again');
      retry.addEventListener('click', () => this.post({ type: 'retry', turnId: turn.id }));
      this.footer.append(retry);
    }
    if (turn.usage) {
      const usage = turn.usage;
      this.footer.append(
        textElement(
          'span',
          'usage',
          `${usage.promptTokens.toLocaleString('en-US')} in · ${usage.completionTokens.toLocaleString('en-US')} out` +
            (usage.cachedPromptTokens ? ` · ${usage.cachedPromptTokens.toLocaleString('en-US')} cached` : ''),
        ),
      );
    }
  }

  private setThinkingOpen(open: boolean): void {
    if (this.thinking.open === open) return;
    this.programmaticToggle = true;
    this.thinking.open = open;
    // The toggle event fires asynchronously; clear the flag after it.
    setTimeout(() => (this.programmaticToggle = false), 0);
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

  constructor(root: HTMLElement) {
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
    const saved = vscode.getState() as PanelState | undefined;
    this.input.value = saved?.draft ?? '';
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
    this.input.addEventListener('input', () => vscode.setState({ draft: this.input.value } satisfies PanelState));
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
    vscode.setState({ draft: '' } satisfies PanelState);
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
        this.announce(message.proposal.state === 'pending' ? `Proposed edit to ${message.proposal.target}` : (message.proposal.message ?? ''));
        this.scrollToEnd(false);
        return;
      case 'modelSources':
        this.showSources(message.defaultSource, message.cloudLabel, message.localLabel);
        return;
      case 'setInput':
        this.input.value = message.text;
        this.input.focus();
        this.input.setSelectionRange(message.text.length, message.text.length);
        vscode.setState({ draft: message.text } satisfies PanelState);
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
      option(defaultSource === 'cloud' ? 'local' : 'cloud', `Just this once: ${labels[defaultSource === 'cloud' ? 'local' : 'cloud']}`),
    );
    this.sourceSelect.value = [...this.sourceSelect.options].some((candidate) => candidate.value === selected) ? selected : 'default';
  }

  private addTurn(turn: TurnView): void {
    this.empty.remove();
    const view = new TurnElement(turn, (message) => this.post(message), () => this.follow.update());
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
      const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
      void navigator.clipboard.writeText(code).then(() => this.announce('Copied'));
    } else if (button && (action === 'apply-code' || action === 'insert-code')) {
      // Only blocks of an answer can be applied, never code from the reasoning.
      const turnId = button.closest<HTMLElement>('[data-turn-id]')?.dataset.turnId;
      const blockIndex = Number(button.dataset.blockIndex);
      if (turnId && button.closest('[data-testid="answer"]') && Number.isInteger(blockIndex)) {
        this.post({ type: 'applyCode', turnId, blockIndex, mode: action === 'apply-code' ? 'replaceSelection' : 'insertAtCursor' });
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
    default:
      return assertNever(action, 'action');
  }
}

function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function textElement<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
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
