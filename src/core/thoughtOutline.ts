/**
 * The map of a thought: R1's reasoning split into steps (paragraphs), with the steps where the model
 * changes its mind marked ("Wait, …", the paper's "aha moment"). Pure and incremental: text is
 * appended as it streams and only the unfinished last line is looked at again, so a 50,000-token
 * thought costs the same per token at its end as at its start.
 */

/**
 * How R1 and its distills open a self-correction, in their own wording. A line that starts with one
 * of these (after optional markdown emphasis or list marks) starts a correction step. The one list:
 * the panel's rail, the header's count and the tests all use it.
 */
export const SELF_CORRECTION_OPENERS: readonly string[] = [
  'But wait',
  'Wait',
  'Hmm',
  'Actually',
  'Alternatively',
  'Let me re-check',
  'Let me recheck',
  'Let me double-check',
  'Let me double check',
  'Let me reconsider',
  'Hold on',
  'On second thought',
  'No,',
  'No wait',
  'Oops',
  'Oh wait',
];

// A whole word after the opener ("Wait," "Wait." "Wait " "Waiting" no), case as the model writes it.
const OPENER = new RegExp(
  `^[\\s>*_#-]*(?:${SELF_CORRECTION_OPENERS.map((opener) => opener.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=$|[\\s,.!:;*_—–-])`,
);

/** Whether one line of reasoning opens a self-correction. */
export function opensSelfCorrection(line: string): boolean {
  return OPENER.test(line);
}

export interface ThoughtStep {
  /** Character offset of the step's first character in the reasoning text. */
  readonly start: number;
  /** True when the step opens with a self-correction. */
  readonly correction: boolean;
}

/**
 * Steps of a streaming thought. `append` takes each new piece of reasoning; `steps` lists every step
 * started so far. A step starts at the first non-blank line after a blank line, and at any line that
 * opens a self-correction (a correction mid-paragraph is still a change of mind).
 */
export class ThoughtOutline {
  private readonly stepList: ThoughtStep[] = [];
  /** Offset where the current (unfinished) line starts, and that line's text so far. */
  private lineStart = 0;
  private line = '';
  private afterBlank = true;
  private corrections = 0;

  get steps(): readonly ThoughtStep[] {
    return this.stepList;
  }

  get correctionCount(): number {
    return this.corrections;
  }

  /** Feeds the next piece of reasoning; returns the steps it started (possibly none). */
  append(text: string): ThoughtStep[] {
    const started: ThoughtStep[] = [];
    let from = 0;
    while (from <= text.length) {
      const newline = text.indexOf('\n', from);
      const piece = newline < 0 ? text.slice(from) : text.slice(from, newline);
      this.line += piece;
      if (newline < 0) break;
      const step = this.finishLine();
      if (step) started.push(step);
      this.lineStart += this.line.length + 1;
      this.line = '';
      from = newline + 1;
    }
    return started;
  }

  /**
   * Ends the thought: its last line (no newline after it) is judged too. Call once when reasoning ends.
   */
  finish(): ThoughtStep[] {
    const step = this.finishLine();
    this.lineStart += this.line.length;
    this.line = '';
    return step ? [step] : [];
  }

  private finishLine(): ThoughtStep | undefined {
    const line = this.line;
    if (line.trim() === '') {
      this.afterBlank = true;
      return undefined;
    }
    const correction = opensSelfCorrection(line);
    const startsStep = this.afterBlank || correction;
    this.afterBlank = false;
    if (!startsStep) return undefined;
    const last = this.stepList[this.stepList.length - 1];
    // A line already counted (finish() after a trailing newline never reaches here twice).
    if (last && last.start === this.lineStart) return undefined;
    const step = { start: this.lineStart, correction };
    this.stepList.push(step);
    if (correction) this.corrections++;
    return step;
  }
}

/** The outline of a finished thought in one call. */
export function outlineThought(reasoning: string): ThoughtOutline {
  const outline = new ThoughtOutline();
  outline.append(reasoning);
  outline.finish();
  return outline;
}
