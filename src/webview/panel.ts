/** The chat panel: transcript, input, send/stop, the per-request model picker, and the host's messages. */

import { assertNever } from '../core/chunks';
import { isSourceKind, type SourceKind } from '../core/sourceKind';
import type { HostMessage, TurnChangeMessage, TurnWire, WebviewMessage } from '../shared/protocol';
import { ChipBar } from './chips';
import { element, iconButton, showCopied, textElement } from './dom';
import { FindBar } from './find';
import { FollowScroll } from './followScroll';
import { QuestionPickers } from './questionPickers';
import { PanelStore, TranscriptStore, type VsCodeApi } from './store';
import { FixRunCard } from './fixRunCard';
import { TurnElement } from './turnElement';

export class ChatPanel {
  private readonly transcript: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly sourceSelect: HTMLSelectElement;
  /** Edit mode: the question is sent as a change to make across the working set. */
  private readonly editToggle: HTMLButtonElement;
  private readonly announcer: HTMLElement;
  /** The DOM of each turn the store holds, by id. */
  private turns = new Map<string, TurnElement>();
  /** Fix ×N agreement cards, by run id (not part of the saved conversation). */
  private readonly fixRuns = new Map<string, FixRunCard>();
  private readonly transcriptStore = new TranscriptStore();
  private busy = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly follow: FollowScroll;
  private readonly store: PanelStore;
  private collapseThinking: boolean;
  private readonly find: FindBar;
  /** The chips of the next question, above the input. */
  private readonly chips: ChipBar;
  /** Where the `#` that opened the context picker is in the input, while the picker is open. */
  private pickHashAt: number | undefined;
  /** The model and effort of the next question, next to the source picker. */
  private readonly pickers: QuestionPickers;
  /** r1Coder.mode, as the host last said: which source "default" means. */
  private defaultSource: SourceKind = 'cloud';

  constructor(
    root: HTMLElement,
    private readonly vscode: VsCodeApi,
  ) {
    this.store = new PanelStore(vscode);
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
    this.chips = new ChipBar((chip) => {
      this.post({ type: 'removeAttachment', id: chip.id });
      this.announce(`Removed ${chip.label}`);
    });
    this.editToggle = textElement('button', 'edit-toggle', 'Edit');
    this.editToggle.type = 'button';
    this.editToggle.dataset.testid = 'edit-mode';
    this.editToggle.title =
      'Edit mode: R1 changes the attached files (the chips) as you describe, and you review each file';
    this.editToggle.setAttribute('aria-pressed', 'false');
    this.editToggle.addEventListener('click', () =>
      this.setEditMode(this.editToggle.getAttribute('aria-pressed') !== 'true'),
    );
    this.pickers = new QuestionPickers((message) => this.post(message));
    this.sourceSelect.addEventListener('change', () => this.pickers.setCloud(this.nextIsCloud()));
    const pickerRow = element('div', 'composer-pickers');
    pickerRow.append(this.sourceSelect, this.pickers.root, this.editToggle);
    const inputColumn = element('div', 'composer-input');
    inputColumn.append(this.chips.root, this.input, pickerRow);
    composer.append(inputColumn, buttons);

    this.announcer = element('div', 'visually-hidden');
    this.announcer.setAttribute('aria-live', 'polite');

    // Find (Ctrl/Cmd+F): over the transcript; a match in a folded thought opens it.
    this.find = new FindBar(this.transcript, {
      reveal: (node) => {
        const turnId = node.parentElement?.closest<HTMLElement>('[data-turn-id]')?.dataset.turnId;
        if (node.parentElement?.closest('details:not([open])') && turnId) this.turns.get(turnId)?.openThought();
      },
      closed: () => this.input.focus(),
    });
    root.append(this.find.element, this.transcript, composer, this.announcer);
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
      } else if (event.key === 'Backspace' && this.input.value === '' && this.chips.current.length) {
        // Backspace in the empty input takes the last chip off, as in a token field.
        event.preventDefault();
        this.chips.removeLast();
      }
    });
    this.input.addEventListener('input', (event) => {
      this.store.update({ draft: this.input.value });
      this.onTyped(event as InputEvent);
    });
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
    this.vscode.postMessage(message);
  }

  private send(): void {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    const choice = this.sourceSelect.value;
    if (this.editToggle.getAttribute('aria-pressed') === 'true')
      this.post(isSourceKind(choice) ? { type: 'editFiles', text, source: choice } : { type: 'editFiles', text });
    else
      this.post({
        type: 'ask',
        text,
        ...(isSourceKind(choice) && { source: choice }),
        ...this.pickers.choice(this.nextIsCloud()),
      });
    // An override is for one request only.
    this.sourceSelect.value = 'default';
    this.pickers.reset();
    this.pickers.setCloud(this.nextIsCloud());
    this.input.value = '';
    this.store.update({ draft: '' });
  }

  /** A `#` typed at the start or after whitespace opens the host's context picker. */
  private onTyped(event: InputEvent): void {
    if (event.inputType !== 'insertText' || event.data !== '#') return;
    const at = (this.input.selectionStart ?? 0) - 1;
    const before = at > 0 ? this.input.value[at - 1] : '';
    if (this.input.value[at] !== '#' || (before !== '' && !/\s/.test(before ?? ''))) return;
    this.pickHashAt = at;
    this.post({ type: 'pickAttachment' });
  }

  /** The picker closed: when something was attached, the `#` that opened it goes; otherwise it stays. */
  private onPicked(picked: boolean): void {
    const at = this.pickHashAt;
    this.pickHashAt = undefined;
    if (picked && at !== undefined && this.input.value[at] === '#') {
      this.input.value = this.input.value.slice(0, at) + this.input.value.slice(at + 1);
      this.input.setSelectionRange(at, at);
      this.store.update({ draft: this.input.value });
    }
    this.input.focus();
  }

  private onMessage(message: HostMessage): void {
    switch (message.type) {
      case 'state':
        this.turns.clear();
        this.fixRuns.clear();
        this.transcriptStore.reset(message.conversation.turns);
        this.transcript.replaceChildren(this.empty);
        for (const turn of message.conversation.turns) this.addTurn(turn);
        this.setBusy(message.conversation.busy);
        this.scrollToEnd(true);
        return;
      case 'turnStarted':
        this.transcriptStore.add(message.turn);
        this.addTurn(message.turn);
        this.setBusy(true);
        this.announce('R1 is thinking');
        this.scrollToEnd(true);
        return;
      case 'delta':
      case 'reclassified':
      case 'usage':
        // For a delta, the renderers' onRender keeps the end in view once the frame is drawn.
        this.applyChange(message);
        return;
      case 'notice':
        this.applyChange(message);
        if (message.notice) this.announce(message.notice);
        return;
      case 'turnEnded':
        this.applyChange(message);
        this.setBusy(false);
        this.announce(message.error ? message.error.message : `Answer ${message.status}`);
        this.scrollToEnd(false);
        return;
      case 'editProposal':
        this.turns.get(message.turnId)?.showProposal(message.proposal);
        this.fixRuns.get(message.turnId)?.showProposal(message.proposal);
        this.announce(
          message.proposal.state === 'pending'
            ? `Proposed edit to ${message.proposal.target}`
            : (message.proposal.message ?? ''),
        );
        this.scrollToEnd(false);
        return;
      case 'fileReview': {
        this.turns.get(message.turnId)?.showFileReview(message.review);
        const pending = message.review.files.filter((file) => file.state === 'pending').length;
        this.announce(
          pending > 0
            ? `R1 proposes changes to ${pending} ${pending === 1 ? 'file' : 'files'}`
            : (message.review.problem ?? 'Review updated'),
        );
        this.scrollToEnd(false);
        return;
      }
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
      case 'openFind':
        this.find.open();
        return;
      case 'attachments':
        this.chips.show(message.chips);
        return;
      case 'attachmentPicked':
        this.onPicked(message.picked);
        return;
      case 'fixRun': {
        const card = this.fixRuns.get(message.run.id);
        if (card) {
          card.update(message.run);
        } else {
          const created = new FixRunCard(message.run, (out) => this.post(out));
          this.fixRuns.set(message.run.id, created);
          this.empty.remove();
          this.transcript.append(created.root);
        }
        if (message.run.summary) this.announce(message.run.summary);
        this.scrollToEnd(false);
        return;
      }
      case 'cloudModels':
        this.pickers.showModels(message);
        return;
      default:
        assertNever(message, 'host message');
    }
  }

  /** The store applies the change to its copy of the turn; the turn's element then shows the result. */
  private applyChange(change: TurnChangeMessage): void {
    const changed = this.transcriptStore.apply(change);
    if (changed) this.turns.get(change.turnId)?.apply(change, changed);
  }

  private showSources(defaultSource: SourceKind, cloudLabel: string, localLabel: string): void {
    const selected = this.sourceSelect.value || 'default';
    const option = (value: string, label: string) => {
      const node = document.createElement('option');
      node.value = value;
      node.textContent = label;
      return node;
    };
    const labels: Record<SourceKind, string> = { cloud: `Cloud · ${cloudLabel}`, local: `Local · ${localLabel}` };
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
    this.defaultSource = defaultSource;
    this.pickers.setCloud(this.nextIsCloud());
  }

  /** Whether the next question goes to the cloud (the source picker's choice, or r1Coder.mode). */
  private nextIsCloud(): boolean {
    const choice = this.sourceSelect.value;
    return (isSourceKind(choice) ? choice : this.defaultSource) === 'cloud';
  }

  private setEditMode(on: boolean): void {
    this.editToggle.setAttribute('aria-pressed', String(on));
    this.input.placeholder = on ? 'Describe the change to the attached files…' : 'Ask about your code…';
    this.input.setAttribute('aria-label', on ? 'Change for R1 to make' : 'Question for R1');
  }

  private setCollapseThinking(collapse: boolean): void {
    if (collapse === this.collapseThinking && this.store.current.collapseThinking === collapse) return;
    this.collapseThinking = collapse;
    this.store.update({ collapseThinking: collapse });
    // Turns the user never opened or closed follow the new setting at once.
    for (const turn of this.turns.values()) turn.applyThinkingRule();
  }

  private addTurn(turn: TurnWire): void {
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
    } else if (button && action === 'apply-file') {
      const turnId = button.closest<HTMLElement>('[data-turn-id]')?.dataset.turnId;
      const blockIndex = Number(button.dataset.blockIndex);
      if (turnId && button.closest('[data-testid="answer"]') && Number.isInteger(blockIndex))
        this.post({ type: 'applyToFile', turnId, blockIndex });
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
