/**
 * Plain-text document model for the edit planner: lines without their line endings, offsets,
 * 0-based positions (UTF-16 code units, like VS Code), and the document's indentation style.
 */

export interface Position0 {
  readonly line: number;
  readonly character: number;
}

export interface Range0 {
  readonly start: Position0;
  readonly end: Position0;
}

export type Eol = '\n' | '\r\n';

export class TextModel {
  readonly lines: readonly string[];
  /** Offset of each line's first character in `text`. */
  private readonly starts: readonly number[];
  readonly eol: Eol;

  constructor(readonly text: string) {
    const lines: string[] = [];
    const starts: number[] = [];
    let crlf = 0;
    let lf = 0;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      starts.push(start);
      if (newline < 0) {
        lines.push(text.slice(start));
        break;
      }
      const crlfHere = newline > start && text[newline - 1] === '\r';
      if (crlfHere) crlf++;
      else lf++;
      lines.push(text.slice(start, crlfHere ? newline - 1 : newline));
      start = newline + 1;
    }
    this.lines = lines;
    this.starts = starts;
    // The majority decides; a file with no line break at all gets LF.
    this.eol = crlf > lf ? '\r\n' : '\n';
  }

  get lineCount(): number {
    return this.lines.length;
  }

  line(index: number): string {
    return this.lines[index] ?? '';
  }

  /** Whether the position lies inside the document. */
  contains(position: Position0): boolean {
    return (
      position.line >= 0 &&
      position.line < this.lines.length &&
      position.character >= 0 &&
      position.character <= this.line(position.line).length
    );
  }

  offsetAt(position: Position0): number {
    return (this.starts[position.line] ?? this.text.length) + position.character;
  }

  positionAt(offset: number): Position0 {
    // Binary search for the last line starting at or before the offset.
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    const character = Math.min(offset - (this.starts[low] ?? 0), this.line(low).length);
    return { line: low, character };
  }

  getText(range: Range0): string {
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  replace(range: Range0, newText: string): string {
    return this.text.slice(0, this.offsetAt(range.start)) + newText + this.text.slice(this.offsetAt(range.end));
  }
}

/** Splits code (LF or CRLF) into lines without their endings. */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** How a text indents: one tab per level, or a number of spaces per level. */
export interface IndentStyle {
  readonly useTabs: boolean;
  /** Spaces per level (also how many columns a tab is worth when mixing); 0 from detection: unknown. */
  readonly unit: number;
}

/**
 * Infers the indentation style from the lines' leading whitespace; undefined when nothing is
 * indented (the caller then keeps whatever the other side uses).
 */
export function detectIndentStyle(lines: readonly string[]): IndentStyle | undefined {
  let tabLines = 0;
  let spaceLines = 0;
  const steps = new Map<number, number>();
  // The first line's own indentation is not a step (a block may start deep inside a file).
  let previous: number | undefined;
  for (const line of lines) {
    if (isBlank(line)) continue;
    const indent = leadingWhitespace(line);
    if (indent.startsWith('\t')) tabLines++;
    else if (indent.length > 0) spaceLines++;
    // Block-comment continuation lines (" * text") are offset by one space, not a level.
    if (!indent.includes('\t') && !line.trimStart().startsWith('*')) {
      // The most common increase between consecutive lines is the unit (robust to aligned continuations).
      const step = previous === undefined ? 0 : indent.length - previous;
      if (step > 0 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
      previous = indent.length;
    }
  }
  if (tabLines === 0 && spaceLines === 0) return undefined;
  let unit = 0;
  let best = 0;
  if (steps.size > 1) steps.delete(1);
  for (const [step, count] of steps) {
    if (count > best || (count === best && step < unit)) {
      unit = step;
      best = count;
    }
  }
  return { useTabs: tabLines > spaceLines, unit };
}

/** Indentation as whole levels plus leftover alignment spaces. */
export interface IndentLevel {
  readonly levels: number;
  readonly extra: number;
}

export function measureIndent(line: string, style: IndentStyle): IndentLevel {
  const unit = style.unit || 4;
  let levels = 0;
  let spaces = 0;
  for (const char of leadingWhitespace(line)) {
    if (char === '\t') {
      // A tab after spaces rounds the spaces up to the tab's level.
      levels += 1 + Math.floor(spaces / unit);
      spaces = 0;
    } else {
      spaces++;
    }
  }
  return { levels: levels + Math.floor(spaces / unit), extra: spaces % unit };
}

export function renderIndent(indent: IndentLevel, style: IndentStyle): string {
  const levels = Math.max(0, indent.levels);
  return (style.useTabs ? '\t'.repeat(levels) : ' '.repeat(levels * (style.unit || 4))) + ' '.repeat(indent.extra);
}
