/**
 * What a question carried, as the user sees it: one summary per attachment (sent whole, trimmed,
 * not resent, or refused with its reason), kept with the turn, and the words of its chip. Pure and
 * browser-safe: the host labels the chips of the next question and the panel labels each turn's
 * chips with the same function, so the two read alike.
 */

import type { ContextBuildResult, ContextItem, ContextItemKind, ContextItemReport, ContextRefusal } from './types';

/** One attachment of a question, as it was (or would be) sent. */
export interface AttachmentSummary {
  readonly kind: ContextItemKind;
  readonly path?: string;
  /** A short description of the item (`function total`, `bash: npm test`). */
  readonly label?: string;
  /** Tokens its section took in the message; 0 when refused. */
  readonly tokens: number;
  /** `lines 1–40`, `lines 1–120 and 361–480`, `not repeated`; empty when refused. */
  readonly shown: string;
  readonly trimmed: boolean;
  /** What was cut to fit the budget, when trimmed. */
  readonly leftOut?: string;
  /** Not sent again: unchanged since an earlier turn carried it, or attached twice. */
  readonly repeated?: 'earlierTurn' | 'thisTurn';
  /** Not sent at all, and why (a secret-looking path, a binary or too-large file). */
  readonly refused?: string;
}

/** How a chip looks: normal, cut to fit, not resent, or refused (an error style). */
export type ChipTone = 'normal' | 'trimmed' | 'repeated' | 'refused';

export interface ChipText {
  /** `sum.js · lines 1–40 · ~510 tokens`. */
  readonly label: string;
  /** The tooltip: the full path and what was sent or why not. */
  readonly detail: string;
  readonly tone: ChipTone;
}

/**
 * The summaries of what a built message carried: the builder's report for each item it sent or
 * named (input order), then the refusals. `refusedItems` are items refused before the build,
 * described with their kind.
 */
export function summarizeContext(items: readonly ContextItem[], result: ContextBuildResult): AttachmentSummary[] {
  const sent = result.items.map((report) => reportSummary(report, items[report.index]));
  return [...sent, ...result.refused.map((refusal) => refusedSummary(refusal, items))];
}

/** The builder's report on one item as a summary. */
export function reportSummary(report: ContextItemReport, item: ContextItem | undefined): AttachmentSummary {
  return compactSummary({
    kind: report.kind,
    path: report.path,
    label: item?.label,
    tokens: report.tokens,
    shown: report.shown,
    trimmed: report.trimmed,
    leftOut: report.leftOut,
    repeated: report.repeated,
  });
}

/** A refusal as a summary; its kind is the refused item's when one has its path, else `file`. */
export function refusedSummary(refusal: ContextRefusal, items: readonly ContextItem[] = []): AttachmentSummary {
  const item = items.find((candidate) => candidate.path === refusal.path);
  return compactSummary({
    kind: item?.kind ?? 'file',
    path: refusal.path,
    tokens: 0,
    shown: '',
    trimmed: false,
    refused: refusal.reason,
  });
}

/** The chip's words for one attachment. */
export function chipText(summary: AttachmentSummary): ChipText {
  const name = chipName(summary);
  const where = summary.path ? `${summary.path}` : kindName(summary.kind);
  if (summary.refused !== undefined) {
    return { label: `${name} · not sent`, detail: `${where} is not sent: it ${summary.refused}`, tone: 'refused' };
  }
  if (summary.repeated) {
    return {
      label: `${name} · unchanged, not resent`,
      detail:
        summary.repeated === 'earlierTurn'
          ? `${where} is unchanged since an earlier question sent it; it is not sent again.`
          : `${where} is attached twice; it is sent once.`,
      tone: 'repeated',
    };
  }
  const tokens = `~${thousands(summary.tokens)} tokens`;
  const label = [name, summary.shown, tokens, ...(summary.trimmed ? ['trimmed'] : [])].filter(Boolean).join(' · ');
  const facts = [`${kindName(summary.kind)}${summary.path ? `: ${summary.path}` : ''}`, `${summary.shown}, ${tokens}`];
  if (summary.trimmed) facts.push(`${summary.leftOut ?? 'part left out'} to fit the context budget`);
  return { label, detail: facts.join('\n'), tone: summary.trimmed ? 'trimmed' : 'normal' };
}

/** What the chip starts with: the file name, or what the item is. */
function chipName(summary: AttachmentSummary): string {
  const base = summary.path ? baseName(summary.path) : undefined;
  switch (summary.kind) {
    case 'activeFile':
    case 'file':
      return base ?? kindName(summary.kind);
    case 'selection':
      return base ? `${base} selection` : 'Selection';
    case 'definition':
      return summary.label ?? base ?? 'Definition';
    case 'folder':
      return summary.path ? `${summary.path.replace(/\/+$/, '')}/` : 'Folder';
    case 'problems':
    case 'changes':
    case 'terminal':
      return kindName(summary.kind);
  }
}

function kindName(kind: ContextItemKind): string {
  switch (kind) {
    case 'activeFile':
      return 'Active file';
    case 'file':
      return 'File';
    case 'selection':
      return 'Selection';
    case 'definition':
      return 'Definition';
    case 'problems':
      return 'Problems';
    case 'changes':
      return 'Changes';
    case 'terminal':
      return 'Terminal';
    case 'folder':
      return 'Folder';
  }
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed;
}

function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function compactSummary(summary: AttachmentSummary): AttachmentSummary {
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as unknown as AttachmentSummary;
}

const KINDS: ReadonlySet<string> = new Set<ContextItemKind>([
  'activeFile',
  'file',
  'selection',
  'problems',
  'changes',
  'terminal',
  'folder',
  'definition',
]);

/** An attachment summary read from untrusted data (saved state); undefined when malformed. */
export function parseAttachmentSummary(raw: unknown): AttachmentSummary | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const value = raw as Record<string, unknown>;
  if (typeof value.kind !== 'string' || !KINDS.has(value.kind)) return undefined;
  const tokens = value.tokens;
  if (typeof tokens !== 'number' || !Number.isInteger(tokens) || tokens < 0) return undefined;
  if (typeof value.shown !== 'string' || typeof value.trimmed !== 'boolean') return undefined;
  const optional = (field: unknown) => (typeof field === 'string' ? field : undefined);
  return compactSummary({
    kind: value.kind as ContextItemKind,
    path: optional(value.path),
    label: optional(value.label),
    tokens,
    shown: value.shown,
    trimmed: value.trimmed,
    leftOut: optional(value.leftOut),
    repeated: value.repeated === 'earlierTurn' || value.repeated === 'thisTurn' ? value.repeated : undefined,
    refused: optional(value.refused),
  });
}
