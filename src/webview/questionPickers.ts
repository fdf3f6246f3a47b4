/**
 * The composer's per-question pickers next to the source picker: which cloud model answers (the
 * server's list, reasoning models marked, "use as default") and how hard it thinks. Both are for
 * the next question only and return to "default" once it is sent.
 */

import { isQuestionEffort, QUESTION_EFFORTS, type QuestionEffort } from '../core/questionOptions';
import type { HostMessage, WebviewMessage } from '../shared/protocol';
import { element, iconButton } from './dom';

type CloudModels = Extract<HostMessage, { type: 'cloudModels' }>;

/** Shown in the picker after a reasoning model's name. */
export const REASONING_MARK = ' · reasoning';

const MODEL_TITLE = 'Cloud model for the next question';
const EFFORT_LABELS: Record<QuestionEffort, string> = {
  low: 'Effort: low',
  medium: 'Effort: medium',
  high: 'Effort: high',
  max: 'Effort: max',
};

export class QuestionPickers {
  readonly root: HTMLElement;
  private readonly modelSelect: HTMLSelectElement;
  private readonly effortSelect: HTMLSelectElement;
  private readonly makeDefault: HTMLButtonElement;
  private configured = '';

  constructor(private readonly post: (message: WebviewMessage) => void) {
    this.root = element('div', 'question-pickers');
    this.modelSelect = document.createElement('select');
    this.modelSelect.dataset.testid = 'model-select';
    this.modelSelect.title = MODEL_TITLE;
    this.modelSelect.setAttribute('aria-label', MODEL_TITLE);
    this.modelSelect.append(option('', 'Default model'));
    // Read lazily: when the panel connects (below, by the panel) and each time the picker opens.
    this.modelSelect.addEventListener('focus', () => this.post({ type: 'listModels' }));
    this.modelSelect.addEventListener('change', () => this.updateButton());

    this.makeDefault = iconButton('pin', 'Use this model by default (r1Coder.cloud.model)', 'model-default');
    this.makeDefault.type = 'button';
    this.makeDefault.addEventListener('click', () => {
      const model = this.modelSelect.value;
      if (!model) return;
      this.post({ type: 'setDefaultModel', model });
      this.modelSelect.value = '';
      this.updateButton();
    });

    this.effortSelect = document.createElement('select');
    this.effortSelect.dataset.testid = 'effort-select';
    const effortTitle =
      'How hard the model thinks, for the next question (cloud: reasoning effort; local: thinking budget)';
    this.effortSelect.title = effortTitle;
    this.effortSelect.setAttribute('aria-label', effortTitle);
    this.effortSelect.append(
      option('', 'Effort: default'),
      ...QUESTION_EFFORTS.map((effort) => option(effort, EFFORT_LABELS[effort])),
    );
    this.root.append(this.modelSelect, this.makeDefault, this.effortSelect);
    this.updateButton();
  }

  /** The server's list (or why there is none): the configured model first, as the default entry. */
  showModels(message: CloudModels): void {
    const selected = this.modelSelect.value;
    this.configured = message.configured;
    const listed = message.models.filter((model) => model.name !== message.configured);
    const configuredReasoning = message.models.find((model) => model.name === message.configured)?.reasoning;
    const first = option('', `Default model · ${message.configured}${configuredReasoning ? REASONING_MARK : ''}`);
    this.modelSelect.replaceChildren(
      first,
      ...listed.map((model) => {
        const node = option(model.name, model.reasoning ? `${model.name}${REASONING_MARK}` : model.name);
        if (model.reasoning) node.dataset.reasoning = 'true';
        return node;
      }),
    );
    this.modelSelect.value = listed.some((model) => model.name === selected) ? selected : '';
    // Never an error popup: the tooltip says why the list is empty, and the configured model still answers.
    this.modelSelect.title = message.note
      ? `${MODEL_TITLE}. The server's models could not be listed: ${message.note} ${message.configured} (from the settings) answers.`
      : MODEL_TITLE;
    this.modelSelect.dataset.listFailed = message.note ? 'true' : 'false';
    this.updateButton();
  }

  /** The model picker applies to the cloud only: hidden while the next question goes to the local model. */
  setCloud(cloud: boolean): void {
    this.modelSelect.hidden = !cloud;
    this.makeDefault.hidden = !cloud || !this.modelSelect.value;
  }

  /** The ask message's model and effort fields (none when left at the default). */
  choice(cloud: boolean): { model?: string; effort?: QuestionEffort } {
    const model =
      cloud && this.modelSelect.value && this.modelSelect.value !== this.configured
        ? this.modelSelect.value
        : undefined;
    const effort = isQuestionEffort(this.effortSelect.value) ? this.effortSelect.value : undefined;
    return { ...(model && { model }), ...(effort && { effort }) };
  }

  /** After a question is sent: both go back to the default. */
  reset(): void {
    this.modelSelect.value = '';
    this.effortSelect.value = '';
    this.updateButton();
  }

  private updateButton(): void {
    this.makeDefault.hidden = this.modelSelect.hidden || !this.modelSelect.value;
  }
}

function option(value: string, label: string): HTMLOptionElement {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = label;
  return node;
}
