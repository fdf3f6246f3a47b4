/**
 * The context builder: attachments and a question in, R1's one user message out. Pure — it takes
 * plain data (texts, paths, a token counter) and touches no editor and no file system, so the host,
 * the local worker (which holds the model's tokenizer) and the command line all build the same message.
 *
 * The message (R1 works zero-shot from one user message; no system prompt):
 *   a line saying what follows → one marked section per attachment, in input order →
 *   `### Question` and the question, last.
 * With no attachments the message is the question alone.
 *
 * Rules:
 * - an item whose path matches the exclusion globs is refused, whoever attached it;
 * - a file already carried in full by an earlier turn, unchanged, is named, not resent; a file
 *   attached twice in one question is sent once;
 * - over budget, the largest sections are trimmed first, all of them to one common size (the
 *   smaller ones stay whole), each by its strategy (render.ts); the question is never trimmed, and
 *   every trim is reported.
 */

import { DEFAULT_CONTEXT_EXCLUDE } from './defaults';
import { compileGlobs } from './glob';
import { renderSection, renderUnchanged, sectionSource, type SectionSource } from './render';
import { excludedReason } from './screen';
import { contentHash } from './tokens';
import { trimSection, type CountedSection } from './trim';
import type {
  CarriedFile,
  ContextBuildInput,
  ContextBuildResult,
  ContextItemReport,
  ContextRefusal,
  TokenCounter,
} from './types';

const SEPARATOR = '\n\n';
/** Above this many characters per budget token a text cannot fit whole with any tokenizer: not counted whole. */
const CHARS_PER_TOKEN_CEILING = 32;
const FIT_ROUNDS = 8;

interface Candidate {
  readonly source: SectionSource;
  readonly whole: CountedSection | undefined;
  /** Tokens of the whole section; Infinity when too large to be worth counting. */
  readonly size: number;
}

type Part = { readonly kind: 'section'; readonly candidate: number } | { readonly kind: 'note'; readonly text: string };

export function buildContextMessage(input: ContextBuildInput): ContextBuildResult {
  const { countTokens, budgetTokens } = input;
  const exclude = compileGlobs(input.exclude ?? DEFAULT_CONTEXT_EXCLUDE);
  const refused: ContextRefusal[] = [...(input.refused ?? [])];
  const earlier = new Set((input.earlier ?? []).map((file) => carriedKey(file)));
  const thisTurn = new Set<string>();
  const carried: CarriedFile[] = [];
  const candidates: Candidate[] = [];
  const parts: Part[] = [];
  const repeats = new Map<number, 'earlierTurn' | 'thisTurn'>();
  const noteTokens = new Map<number, number>();
  const hashes = new Map<number, string>();

  input.items.forEach((item, index) => {
    if (item.path !== undefined) {
      const reason = excludedReason(item.path, exclude);
      if (reason) {
        refused.push({ path: item.path, reason });
        return;
      }
    }
    if ((item.kind === 'activeFile' || item.kind === 'file') && item.path !== undefined) {
      const file = { path: item.path, hash: contentHash(item.text) };
      hashes.set(index, file.hash);
      const key = carriedKey(file);
      if (thisTurn.has(key)) {
        repeats.set(index, 'thisTurn');
        return;
      }
      thisTurn.add(key);
      if (earlier.has(key)) {
        repeats.set(index, 'earlierTurn');
        const text = renderUnchanged(item);
        noteTokens.set(index, countTokens(text));
        parts.push({ kind: 'note', text });
        return;
      }
    }
    const source = sectionSource(item, index);
    const tooLarge = item.text.length > Math.max(0, budgetTokens) * CHARS_PER_TOKEN_CEILING;
    const whole = tooLarge ? undefined : renderSection(source);
    const counted = whole ? { ...whole, tokens: countTokens(whole.text) } : undefined;
    candidates.push({ source, whole: counted, size: counted ? counted.tokens : Infinity });
    parts.push({ kind: 'section', candidate: candidates.length - 1 });
  });

  const numbered = candidates.some((candidate) => candidate.source.numbered);
  const intro =
    parts.length === 0
      ? undefined
      : `I attached context for my question below, each part in its own section; my question comes last.${
          numbered
            ? ' Line numbers at the left of file contents are for reference only; they are not part of the files.'
            : ''
        }`;
  const question = intro === undefined ? input.question : `### Question\n${input.question}`;
  const assemble = (sections: readonly CountedSection[]) =>
    [
      ...(intro === undefined ? [] : [intro]),
      ...parts.map((part) => (part.kind === 'note' ? part.text : (sections[part.candidate]?.text ?? ''))),
      question,
    ].join(SEPARATOR);

  // What the message costs without the sections: the room left is theirs.
  const emptied = candidates.map(() => ({ text: '', trimmed: false, shown: '', tokens: 0 }));
  let room = budgetTokens - countTokens(assemble(emptied)) - candidates.length;
  let sections: CountedSection[] = emptied;
  let tokens = 0;
  for (let round = 0; round < FIT_ROUNDS; round++) {
    sections = fitSections(candidates, Math.max(0, room), countTokens);
    tokens = countTokens(assemble(sections));
    if (
      tokens <= budgetTokens ||
      sections.every((section, index) => section.tokens === 0 || isBare(candidates, index, section))
    )
      break;
    // Joining texts can merge or split a token at each seam: take the excess off and fit again.
    room -= tokens - budgetTokens;
  }
  const message = assemble(sections);

  const reports: ContextItemReport[] = [];
  input.items.forEach((item, index) => {
    const repeated = repeats.get(index);
    const base = { index, kind: item.kind, ...(item.path !== undefined ? { path: item.path } : {}) };
    if (repeated) {
      reports.push({ ...base, tokens: noteTokens.get(index) ?? 0, trimmed: false, shown: 'not repeated', repeated });
      return;
    }
    const at = candidates.findIndex((candidate) => candidate.source.index === index);
    const section = sections[at];
    if (at < 0 || !section) return; // refused
    reports.push({
      ...base,
      tokens: section.tokens,
      trimmed: section.trimmed,
      shown: section.shown,
      ...(section.leftOut ? { leftOut: section.leftOut } : {}),
    });
    if (!section.trimmed && (item.kind === 'activeFile' || item.kind === 'file') && item.path !== undefined)
      carried.push({ path: item.path, hash: hashes.get(index) ?? contentHash(item.text) });
  });
  return { message, tokens, items: reports, refused, carried, overBudget: tokens > budgetTokens };
}

/**
 * Sections within `room` tokens together: all whole when they fit; otherwise every section larger
 * than a common level is trimmed to it (the largest lose most, the small stay whole), the level
 * lowered while the measured total is still over.
 */
function fitSections(candidates: readonly Candidate[], room: number, countTokens: TokenCounter): CountedSection[] {
  const sizes = candidates.map((candidate) => candidate.size);
  if (sizes.reduce((sum, size) => sum + size, 0) <= room)
    return candidates.map((candidate) => candidate.whole as CountedSection);
  let level = waterLevel(sizes, room);
  let fitted: CountedSection[] = [];
  for (let round = 0; round < FIT_ROUNDS; round++) {
    fitted = candidates.map((candidate) =>
      candidate.size <= level && candidate.whole
        ? candidate.whole
        : trimSection(candidate.source, level, countTokens, wholeMeasure(candidate)),
    );
    const total = fitted.reduce((sum, section) => sum + section.tokens, 0);
    if (total <= room || level === 0) break;
    const cut = candidates.filter((candidate) => candidate.size > level).length || 1;
    level = Math.max(0, level - Math.ceil((total - room) / cut));
  }
  return fitted;
}

/** The largest L with sum(min(size, L)) ≤ room. */
export function waterLevel(sizes: readonly number[], room: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = room;
  for (let index = 0; index < sorted.length; index++) {
    const share = remaining / (sorted.length - index);
    const size = sorted[index] ?? 0;
    if (size > share) return Math.max(0, Math.floor(share));
    remaining -= size;
  }
  return Infinity;
}

function wholeMeasure(candidate: Candidate): { chars: number; tokens: number } | undefined {
  return candidate.whole ? { chars: candidate.whole.text.length, tokens: candidate.whole.tokens } : undefined;
}

/** A section cut to nothing but its header: it cannot get smaller. */
function isBare(candidates: readonly Candidate[], index: number, section: CountedSection): boolean {
  return section.shown === 'no lines' || (candidates[index]?.source.lines.length ?? 0) === 0;
}

function carriedKey(file: CarriedFile): string {
  return `${file.path}\u0000${file.hash}`;
}
