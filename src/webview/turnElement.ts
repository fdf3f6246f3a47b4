/** One turn on the panel: its question, thought, answer, notices, error and proposal, and their DOM. */

import { assertNever } from '../core/chunks';
import type { R1ErrorAction } from '../core/errors';
import type { EditProposalView, FileReviewView, TurnChangeMessage, TurnWire, WebviewMessage } from '../shared/protocol';
import { element, icon, iconButton, textElement } from './dom';
import { addApplyToFileButtons, fileBlockLabels } from './fileBlockButtons';
import { renderFileReview } from './fileReviewCard';
import { fillProposalBar } from './proposalBar';
import { formatThinkingHeader } from './format';
import { ThoughtOutline, type ThoughtStep } from '../core/thoughtOutline';
import { FIND_REGION_ATTRIBUTE } from './find';
import { StreamingMarkdown } from './markdownStream';
import { showStep, ThoughtRail, type RailTarget } from './thoughtRail';
import { turnChips } from './chips';
import { AnswerNowButton } from './answerNowButton';

/** What a turn needs from the panel. */
export interface TurnHooks {
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

/** Live view of one turn: draws the store's copy of it and owns its DOM. */
export class TurnElement {
  readonly root: HTMLElement;
  private readonly thinking: HTMLDetailsElement;
  private readonly thinkingTitle: HTMLElement;
  private readonly thinkingDetail: Text;
  private readonly reasoningView: StreamingMarkdown;
  /** The thought's steps, fed only the new reasoning text; its count goes in the header. */
  private outline = new ThoughtOutline();
  private outlineFinished = false;
  /** The outline's self-correction steps, collected as it finds them: the rail's marks. */
  private corrections: ThoughtStep[] = [];
  private readonly rail: ThoughtRail;
  private readonly thinkingBody: HTMLElement;
  private readonly answerElement: HTMLElement;
  private readonly answerView: StreamingMarkdown;
  private readonly notice: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly proposalBar: HTMLElement;
  private readonly reviewCard: HTMLElement;
  private readonly answerRoot: HTMLElement;
  /** The blocks of the finished answer that name a file, for its answer text. */
  private fileBlocks: { readonly answer: string; readonly labels: ReadonlyMap<number, string> } | undefined;
  private readonly footerInfo: HTMLElement;
  private readonly copyAnswer: HTMLButtonElement;
  private readonly answerNow: AnswerNowButton;
  /** Set when the user opened or closed the thought; it then stays that way. */
  private thinkingChoice: boolean | undefined;
  private turn: TurnWire;
  /**
   * Webview clock minus host clock, from the latest delta: the live "Thinking… N s" counts in host
   * time, the time its timestamps are in (in a remote window the two machines' clocks differ).
   */
  private hostClockSkew = 0;

  private refreshQueued = false;

  constructor(
    turn: TurnWire,
    private readonly hooks: TurnHooks,
  ) {
    this.turn = turn;
    this.thinkingChoice = hooks.thinkingChoice(turn.id);
    this.root = element('article', 'turn');
    this.root.dataset.testid = 'turn';
    this.root.dataset.turnId = turn.id;

    const question = element('div', 'question');
    // A question that carried attachments shows what the user typed; its chips say what it carried.
    const questionText = textElement('div', 'question-text', turn.title ?? turn.context?.typed ?? turn.question);
    questionText.setAttribute(FIND_REGION_ATTRIBUTE, 'question');
    question.append(icon(turn.title ? 'wand' : 'account'), questionText);
    const carried = turn.context?.attachments.length ? turnChips(turn.context.attachments) : undefined;

    const response = element('div', 'response');
    const meta = element('div', 'meta');
    meta.append(icon('sparkle'), textElement('span', 'model-label', turn.modelLabel));
    this.answerNow = new AnswerNowButton(turn.id, turn.canEndThought === true, (message) => hooks.post(message));
    meta.append(this.answerNow.element);

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
    this.rail = new ThoughtRail((target) => this.jumpTo(target));
    summary.append(icon('lightbulb'), label, copyThinking, this.rail.element);
    const thinkingBody = element('div', 'thinking-body markdown');
    thinkingBody.dataset.testid = 'thinking-body';
    thinkingBody.setAttribute(FIND_REGION_ATTRIBUTE, 'reasoning');
    this.thinkingBody = thinkingBody;
    this.thinking.append(summary, thinkingBody);
    // A click (or Enter/Space, which click) on the summary is the user's choice; it runs before
    // the toggle, so the new state is the opposite of the current one.
    summary.addEventListener('click', () => {
      this.thinkingChoice = !this.thinking.open;
      hooks.rememberThinking(this.turn.id, this.thinkingChoice);
    });

    const answer = element('div', 'answer markdown');
    answer.dataset.testid = 'answer';
    answer.setAttribute(FIND_REGION_ATTRIBUTE, 'answer');
    this.answerElement = answer;
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
    this.reviewCard = element('div', 'file-review');
    this.reviewCard.dataset.testid = 'file-review';
    this.reviewCard.hidden = true;
    this.answerRoot = answer;

    response.append(
      meta,
      this.thinking,
      answer,
      this.notice,
      this.errorBox,
      this.proposalBar,
      this.reviewCard,
      this.footer,
    );
    this.root.append(question, ...(carried ? [carried] : []), response);

    const onRender = () => hooks.onRender();
    this.reasoningView = new StreamingMarkdown(thinkingBody, { highlight: true, onRender });
    this.answerView = new StreamingMarkdown(answer, {
      highlight: true,
      onRender: () => {
        onRender();
        this.decorateFileBlocks();
      },
    });
    if (turn.reasoning) this.reasoningView.setText(turn.reasoning);
    this.feedOutline(turn.reasoning);
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

  /**
   * Shows a change the store has applied: `turn` is the result (the store's copy, changed by the
   * session's own rule); this only brings the DOM along, appending deltas to the renderers.
   */
  apply(change: TurnChangeMessage, turn: TurnWire): void {
    const before = this.turn;
    this.turn = turn;
    switch (change.type) {
      case 'delta':
        this.hostClockSkew = Date.now() - change.at;
        if (change.reasoning) {
          this.reasoningView.append(change.reasoning);
          this.feedOutline(change.reasoning);
        }
        if (change.answer) {
          this.answerView.append(change.answer);
          // The answer is what the user waits for: fold the thoughts away (the setting, unless they chose).
          if (!before.answer) this.applyThinkingRule();
        }
        this.queueRefresh();
        return;
      case 'reclassified':
        this.reasoningView.setText(turn.reasoning);
        this.outline = new ThoughtOutline();
        this.outlineFinished = false;
        this.corrections = [];
        this.feedOutline(turn.reasoning);
        this.answerView.setText(turn.answer);
        this.applyThinkingRule();
        this.refresh();
        return;
      case 'notice':
      case 'usage':
      case 'turnEnded':
        if (turn.status !== 'streaming') {
          this.reasoningView.finish();
          this.answerView.finish();
        }
        this.refresh();
        return;
      default:
        assertNever(change, 'turn change');
    }
  }

  /** Thousands of deltas a second: the status line is redrawn at most once per frame. */
  private queueRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    requestAnimationFrame(() => {
      this.refreshQueued = false;
      this.refresh();
    });
  }

  showProposal(proposal: EditProposalView): void {
    this.proposalBar.hidden = false;
    fillProposalBar(this.proposalBar, proposal, `Proposed edit to ${proposal.target}`, (message) =>
      this.hooks.post(message),
    );
  }

  showFileReview(review: FileReviewView): void {
    this.reviewCard.hidden = false;
    renderFileReview(this.reviewCard, review, (message) => this.hooks.post(message));
  }

  /** Apply to file on the finished answer's blocks that name a file. */
  private decorateFileBlocks(): void {
    if (this.turn.status === 'streaming' || !this.turn.answer) return;
    if (this.fileBlocks?.answer !== this.turn.answer)
      this.fileBlocks = { answer: this.turn.answer, labels: fileBlockLabels(this.turn.answer) };
    if (this.fileBlocks.labels.size) addApplyToFileButtons(this.answerRoot, this.fileBlocks.labels);
  }

  /** Redraws the parts that are cheap: status, stats, notice, error (not the markdown). */
  refresh(now = Date.now()): void {
    const turn = this.turn;
    this.root.dataset.status = turn.status;
    this.thinking.hidden = !turn.reasoning;
    this.answerNow.update(turn);
    const done = turn.reasoningEndedAt !== undefined || turn.status !== 'streaming';
    // From the first reasoning delta, not the request: model load, queueing and retry waits are
    // not thinking. Turns saved before reasoningStartedAt existed fall back to the request start.
    const start = turn.reasoningStartedAt ?? turn.startedAt;
    const end = turn.reasoningEndedAt ?? turn.endedAt ?? (done ? undefined : now - this.hostClockSkew);
    // The last line has no newline after it: judge it once the thought is over.
    if (done && !this.outlineFinished) {
      this.collectCorrections(this.outline.finish());
      this.outlineFinished = true;
    }
    this.rail.update(
      {
        corrections: this.corrections,
        reasoning: turn.reasoning,
        hasAnswer: turn.answer !== '',
        streaming: turn.status === 'streaming',
      },
      now,
    );
    const header = formatThinkingHeader({
      corrections: this.outline.correctionCount,
      done,
      seconds: end === undefined ? undefined : Math.max(0, (end - start) / 1000),
      reasoningTokens: turn.usage?.reasoningTokens,
      estimatedTokens: Math.round(turn.reasoning.length / 4),
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

  private feedOutline(reasoning: string): void {
    this.collectCorrections(this.outline.append(reasoning));
  }

  private collectCorrections(steps: readonly ThoughtStep[]): void {
    for (const step of steps) if (step.correction) this.corrections.push(step);
  }

  /**
   * Opens the thought for find or the rail. Kept open for this session (the answer arriving does not
   * fold it again), but not remembered as the user's choice across reloads.
   */
  openThought(): void {
    if (this.thinking.open) return;
    this.thinkingChoice = true;
    this.thinking.open = true;
  }

  /** A rail mark was chosen: shows that step of the thought (opening it), or the answer. */
  private jumpTo(target: RailTarget): void {
    if (target.kind === 'answer') {
      this.answerElement.scrollIntoView({ block: 'start' });
      return;
    }
    this.openThought();
    showStep(this.thinkingBody, this.turn.reasoning, target.start);
  }

  /**
   * Open while the thought is all there is; once the answer begins, folded unless
   * r1Coder.chat.collapseThinking is off. The user's own choice, once made, wins.
   */
  applyThinkingRule(): void {
    this.thinking.open = this.thinkingChoice ?? (!this.turn.answer || !this.hooks.collapseThinking());
  }
}

function statusNotice(turn: TurnWire): string {
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
