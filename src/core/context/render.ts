/**
 * How one attachment reads in the user message: a marked header (what it is, the path, the
 * language, what is shown and what was left out), then its content in a fence that backticks in the
 * content cannot close. File contents carry line numbers so R1 can cite lines; a left-out stretch
 * is one marker line inside the fence.
 */

import { fenced, fenceTag, languageName } from '../prompts';
import type { ContextItem, ContextItemKind, LineSpan } from './types';

/** When content must be trimmed, lines longer than this are cut too (minified files are one line). */
export const LONG_LINE_CHARS = 1000;

/** What part of the content is kept when it must be trimmed. */
export type TrimStrategy =
  /** Keep the head and the tail (files, diffs, definitions). */
  | 'middle'
  /** Keep the start (problems come errors first). */
  | 'head'
  /** Keep the end (a terminal's latest output). */
  | 'tail'
  /** Keep the region around the focus span (the active file's cursor or visible range). */
  | 'focus';

/** An attachment ready to render, whole or in part. */
export interface SectionSource {
  readonly index: number;
  readonly item: ContextItem;
  readonly lines: readonly string[];
  /** 1-based number of lines[0] in its file. */
  readonly firstNumber: number;
  /** Line numbers are shown (file contents). */
  readonly numbered: boolean;
  readonly strategy: TrimStrategy;
  /** Indices into `lines` (focus strategy). */
  readonly focus?: LineSpan;
}

/** Kept stretches of `lines`: index pairs, inclusive, ascending, not overlapping. */
export type KeptRanges = readonly (readonly [number, number])[];

export interface RenderedSection {
  readonly text: string;
  readonly trimmed: boolean;
  readonly shown: string;
  readonly leftOut?: string;
}

const NUMBERED_KINDS: ReadonlySet<ContextItemKind> = new Set(['activeFile', 'file', 'selection', 'definition']);

export function sectionSource(item: ContextItem, index: number): SectionSource {
  const lines = splitLines(item.text);
  const firstLine = item.firstLine ?? 0;
  const strategy: TrimStrategy =
    item.kind === 'activeFile' && item.focus
      ? 'focus'
      : item.kind === 'problems'
        ? 'head'
        : item.kind === 'terminal'
          ? 'tail'
          : 'middle';
  const focus =
    strategy === 'focus' && item.focus
      ? {
          first: clamp(item.focus.first - firstLine, 0, lines.length - 1),
          last: clamp(Math.max(item.focus.last, item.focus.first) - firstLine, 0, lines.length - 1),
        }
      : undefined;
  return { index, item, lines, firstNumber: firstLine + 1, numbered: NUMBERED_KINDS.has(item.kind), strategy, focus };
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Characters one line takes in the rendered section (the trim's unit of measure). */
export function lineCosts(source: SectionSource): number[] {
  const prefix = source.numbered ? numberWidth(source) + 2 : 0;
  return source.lines.map((line) => Math.min(line.length, LONG_LINE_CHARS + 40) + prefix + 1);
}

/** The section with every line (ranges undefined), or only the kept ranges (long lines cut). */
export function renderSection(source: SectionSource, ranges?: KeptRanges): RenderedSection {
  const count = source.lines.length;
  const whole = ranges === undefined;
  const kept: KeptRanges = whole ? (count > 0 ? [[0, count - 1]] : []) : ranges;
  const width = numberWidth(source);
  const body: string[] = [];
  let clippedLines = 0;
  let next = 0;
  const gap = (from: number, to: number) => {
    body.push(
      source.numbered
        ? `… ${span(from + source.firstNumber, to + source.firstNumber)} left out …`
        : `… ${plural(to - from + 1, 'line')} left out …`,
    );
  };
  for (const [first, last] of kept) {
    if (first > next) gap(next, first - 1);
    for (let index = first; index <= last; index++) {
      let line = source.lines[index] ?? '';
      if (!whole && line.length > LONG_LINE_CHARS) {
        line = `${line.slice(0, LONG_LINE_CHARS)} … [${thousands(line.length - LONG_LINE_CHARS)} more characters left out]`;
        clippedLines++;
      }
      body.push(source.numbered ? `${String(index + source.firstNumber).padStart(width)}| ${line}` : line);
    }
    next = last + 1;
  }
  if (next < count) gap(next, count - 1);
  const keptCount = kept.reduce((sum, [first, last]) => sum + last - first + 1, 0);
  const missing = complement(kept, count);
  const leftOutParts: string[] = [];
  if (missing.length) leftOutParts.push(`${describeRanges(source, missing)} left out`);
  if (clippedLines) leftOutParts.push(`the ends of ${plural(clippedLines, 'very long line')} cut`);
  const trimmed = leftOutParts.length > 0;
  const shown = keptCount === 0 ? 'no lines' : keptCount === count ? allLines(source) : describeRanges(source, kept);
  const leftOut = trimmed ? leftOutParts.join('; ') : undefined;
  const header = sectionHeader(source, shown, leftOut);
  const content = fenced(body.join('\n'), source.item.languageId ? fenceTag(source.item.languageId) : '');
  return { text: `${header}\n${content}`, trimmed, shown, ...(leftOut ? { leftOut } : {}) };
}

/** The short section that stands for a file sent earlier in the conversation. */
export function renderUnchanged(item: ContextItem): string {
  return `### ${kindTitle(item)}: ${item.path ?? ''} (unchanged since I sent it earlier in this conversation; see there)`;
}

function sectionHeader(source: SectionSource, shown: string, leftOut: string | undefined): string {
  const { item } = source;
  const facts: string[] = [];
  if (item.languageId) facts.push(languageName(item.languageId));
  const total = source.lines.length;
  const trimNote = leftOut ? `; ${leftOut} to fit the context budget` : '';
  const around = source.strategy === 'focus' && leftOut ? ' around the cursor' : '';
  switch (item.kind) {
    case 'activeFile':
    case 'file':
      facts.push(leftOut ? `${plural(total, 'line')}, showing ${shown}${around}${trimNote}` : plural(total, 'line'));
      return `### ${kindTitle(item)}: ${item.path ?? ''} (${facts.join(', ')})`;
    case 'selection':
    case 'definition': {
      const where = `${item.path ?? ''}, ${allLines(source)}`;
      const what = item.kind === 'definition' ? `Definition${item.label ? ` of ${item.label}` : ''}` : 'Selection';
      const note = item.kind === 'definition' ? '; context, not to be changed' : '';
      if (leftOut) facts.push(`showing ${shown}${trimNote}`);
      return `### ${what}: ${where}${facts.length || note ? ` (${facts.join(', ')}${note})` : ''}`;
    }
    case 'problems':
    case 'changes':
    case 'terminal':
    case 'folder': {
      const title = kindTitle(item);
      const subject = item.kind === 'folder' ? ` ${item.path ?? ''}` : item.label ? ` (${item.label})` : '';
      return `### ${title}${subject}${leftOut ? ` (showing ${shown}${trimNote})` : ''}`;
    }
  }
}

function kindTitle(item: ContextItem): string {
  switch (item.kind) {
    case 'activeFile':
      return 'Active file (open in the editor)';
    case 'file':
      return 'File';
    case 'selection':
      return 'Selection';
    case 'definition':
      return 'Definition';
    case 'problems':
      return 'Problems reported in the workspace';
    case 'changes':
      return 'Uncommitted changes (diff)';
    case 'terminal':
      return 'Terminal';
    case 'folder':
      return 'Folder listing:';
  }
}

function allLines(source: SectionSource): string {
  const count = source.lines.length;
  if (!source.numbered) return count === 1 ? '1 line' : `all ${plural(count, 'line')}`;
  return span(source.firstNumber, source.firstNumber + count - 1);
}

function describeRanges(source: SectionSource, ranges: KeptRanges): string {
  const parts = ranges.map(([first, last]) =>
    source.numbered
      ? `${first + source.firstNumber}${last > first ? `–${last + source.firstNumber}` : ''}`
      : `${first + 1}${last > first ? `–${last + 1}` : ''}`,
  );
  const plain = parts.length === 1 && !parts[0]?.includes('–');
  const joined = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
  return `${plain ? 'line' : 'lines'} ${joined}`;
}

/** "line 3" or "lines 3–7" from 1-based inclusive bounds. */
function span(first: number, last: number): string {
  return first === last ? `line ${first}` : `lines ${first}–${last}`;
}

function complement(ranges: KeptRanges, count: number): [number, number][] {
  const missing: [number, number][] = [];
  let next = 0;
  for (const [first, last] of ranges) {
    if (first > next) missing.push([next, first - 1]);
    next = last + 1;
  }
  if (next < count) missing.push([next, count - 1]);
  return missing;
}

function numberWidth(source: SectionSource): number {
  return String(source.firstNumber + Math.max(0, source.lines.length - 1)).length;
}

function plural(count: number, noun: string): string {
  return `${thousands(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** 12,345 (toLocaleString is slow enough to show in the assembly benchmark). */
function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}
