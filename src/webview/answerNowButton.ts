/**
 * Answer now: a button on the streaming turn while the model thinks. A local model ends its
 * thought and continues with the answer; a cloud API cannot, so there it is disabled and says why.
 */

import type { TurnWire, WebviewMessage } from '../shared/protocol';
import { icon } from './dom';

export const ANSWER_NOW_UNAVAILABLE =
  'The cloud API cannot continue from a partial thought; Stop keeps what was thought';
const ANSWER_NOW_TITLE = 'End the thought now and answer from what was thought so far';

export class AnswerNowButton {
  readonly element: HTMLButtonElement;
  /** Clicked for this turn: stays disabled until the answer starts. */
  private asked = false;

  constructor(
    private readonly turnId: string,
    canEndThought: boolean,
    post: (message: WebviewMessage) => void,
  ) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'answer-now secondary';
    button.dataset.testid = 'answer-now';
    button.append(icon('debug-step-out'), document.createTextNode(' Answer now'));
    button.title = canEndThought ? ANSWER_NOW_TITLE : ANSWER_NOW_UNAVAILABLE;
    button.disabled = !canEndThought;
    button.hidden = true;
    if (canEndThought)
      button.addEventListener('click', () => {
        if (this.asked) return;
        this.asked = true;
        button.disabled = true;
        post({ type: 'answerNow', turnId: this.turnId });
      });
    this.element = button;
  }

  /** Shown while the turn streams its thought (reasoning so far, no answer yet). */
  update(turn: TurnWire): void {
    this.element.hidden = !(turn.status === 'streaming' && turn.reasoning !== '' && turn.answer === '');
  }
}
