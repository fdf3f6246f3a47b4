/**
 * The multi-file planner: an Edit answer (one labelled block per file, see fileBlocks.ts) → one
 * plan per file: modify, create, delete, unchanged, or refused with the reason. Pure: the caller
 * lists the workspace's files and reads them (working-set files and files on disk alike); nothing
 * is written here. Each file is planned on its own, so one bad block refuses only its file.
 *
 * What it refuses, and why (each reason names the file):
 * - every file, when the turn did not end normally (cut by the token limit, stopped, failed, still
 *   streaming, or ended inside the reasoning): its code may be incomplete;
 * - every file, when the answer ends inside a code block (an unclosed fence): the answer was cut,
 *   and a multi-file change applied in part (one file changed, the one it relies on not) breaks
 *   the code in ways no single file's review shows. The cut file is refused as "unclosed", the
 *   others as "truncated";
 * - a path outside the workspace, or a bare name several workspace files end with (ambiguous);
 * - a file named by two blocks that differ (which one is meant is unclear);
 * - a region (a block with elisions) for a file that does not exist: there is nothing to expand
 *   the elisions from. New files come only from whole blocks without elisions;
 * - an empty block (it would empty the file; deletions are written `Delete: path`);
 * - a region that cannot be placed by content (the reasons of Apply to selection);
 * - a rename (never applied: the old file would stay or be lost without the user seeing both);
 * - a deletion when deletions were not asked for, or of a file that does not exist; a file both
 *   deleted and changed.
 * Reasoning is never read for code, line endings, tabs and the final newline are kept per file,
 * and a byte-order mark stays.
 */

import { isElisionLine } from './extractCode';
import { isCommand, listAnswerBlocks, resolveBlockPath, type LabelledBlock } from './fileBlocks';
import { countChangedLines } from './lineDiff';
import { unfinishedAnswerReason, type AnswerEnding } from './planEdit';
import { planRegion } from './planRegion';
import { lineKey } from './similarity';
import { splitLines } from './textModel';
import { isWholeFileBlock, renderNewFile, renderWholeFile } from './wholeFile';

export interface PlanFilesInput {
  /** The model's full output; reasoning is skipped. */
  readonly output: string;
  /** How the turn ended: a turn that did not end normally refuses every file. */
  readonly ending: AnswerEnding;
  /** Workspace-relative paths (forward slashes) of the workspace's files, for resolving labels. */
  readonly workspaceFiles: readonly string[];
  /** A file's current text (working set or disk); undefined when it does not exist or cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  /** Whether the user asked for deletions (Edit's "allow deletes"); otherwise a deletion is refused. */
  readonly allowDeletes: boolean;
}

export type FilePlanKind = 'modify' | 'create' | 'delete' | 'unchanged' | 'refused';

export interface FilePlan {
  /** Workspace-relative path (the label as written when it could not be resolved). */
  readonly path: string;
  readonly kind: FilePlanKind;
  /** The text planned against (modify, delete, unchanged): a file changed since is re-planned, not overwritten. */
  readonly oldText?: string;
  /** The file's new text (modify, create). */
  readonly newText?: string;
  /** Why the file was refused. */
  readonly reason?: string;
  /** How the block was read: the whole file or a region placed by content (modify, create, unchanged). */
  readonly mode?: 'whole' | 'region';
  /** Index of the block (in the answer) the plan comes from; absent for deletions and renames. */
  readonly blockIndex?: number;
  readonly added: number;
  readonly removed: number;
}

export interface PlanFilesResult {
  /** One plan per file, in the order the answer names them (blocks, then renames, then deletions). */
  readonly files: readonly FilePlan[];
  /** Code blocks that name no file (a shell command, a usage example): never applied. */
  readonly unlabelled: readonly { readonly blockIndex: number; readonly language: string }[];
  /** Why nothing could be planned at all, when `files` is empty. */
  readonly problem?: string;
}

const BOM = '\uFEFF';

export function planFiles(input: PlanFilesInput): PlanFilesResult {
  const parsed = listAnswerBlocks(input.output);
  const unfinished =
    unfinishedAnswerReason(input.ending) ??
    (parsed.reasoningUnclosed
      ? 'The output ended inside the reasoning (no </think>): it looks truncated. Nothing was changed.'
      : undefined);
  const last = parsed.blocks[parsed.blocks.length - 1];
  const cut = last && !last.block.closed && last.block.atEnd ? last : undefined;

  // Blocks grouped by the file they resolve to, in the order the answer names the files.
  const groups = new Map<string, { blocks: LabelledBlock[]; refusal?: string; isNew: boolean }>();
  const unlabelled: { blockIndex: number; language: string }[] = [];
  for (const labelled of parsed.blocks) {
    if (labelled.label === undefined || isCommand(labelled.block.language, labelled.label)) {
      unlabelled.push({ blockIndex: labelled.block.index, language: labelled.block.language });
      continue;
    }
    const resolution = resolveBlockPath(labelled.label, input.workspaceFiles);
    const path = resolution.kind === 'refused' ? labelled.label : resolution.path;
    const group = groups.get(path) ?? {
      blocks: [],
      isNew: resolution.kind === 'new',
      ...(resolution.kind === 'refused' ? { refusal: resolution.reason } : {}),
    };
    group.blocks.push(labelled);
    groups.set(path, group);
  }

  const renamed = new Map<string, string>();
  for (const rename of parsed.renames) {
    renamed.set(rename.from, `renaming ${rename.from} to ${rename.to}`);
    renamed.set(rename.to, `renaming ${rename.from} to ${rename.to}`);
  }
  const deleted = new Set(parsed.deletions);
  const cutReason = cut
    ? `The answer was cut off inside the block for ${cut.label ?? 'a file'}, so it is truncated and the files it changes together may depend on the part that is missing. Nothing was changed.`
    : undefined;

  const files: FilePlan[] = [];
  const refuse = (path: string, reason: string, blockIndex?: number) =>
    files.push({
      path,
      kind: 'refused',
      reason,
      added: 0,
      removed: 0,
      ...(blockIndex === undefined ? {} : { blockIndex }),
    });

  for (const [path, group] of groups) {
    const first = group.blocks[0] as LabelledBlock;
    const blockIndex = first.block.index;
    if (unfinished) refuse(path, unfinished, blockIndex);
    else if (cut && group.blocks.includes(cut))
      refuse(
        path,
        'The block for this file is unclosed (the answer ends inside it): it is truncated. Nothing was changed.',
        blockIndex,
      );
    else if (cutReason) refuse(path, cutReason, blockIndex);
    else if (group.refusal)
      refuse(path, `The answer's block for ${path} was not applied: ${group.refusal}.`, blockIndex);
    else if (/^(diff|patch)$/i.test(first.block.language))
      refuse(
        path,
        `The answer gives ${path} as a diff; diffs are not applied (their line numbers and context are often wrong). Ask for the file's code instead. Nothing was changed.`,
        blockIndex,
      );
    else if (new Set(group.blocks.map((labelled) => labelled.code)).size > 1)
      refuse(
        path,
        `The answer names ${path} twice with different code (blocks ${group.blocks.map((labelled) => labelled.block.index + 1).join(' and ')}), so it is unclear which is meant. Nothing was changed.`,
        blockIndex,
      );
    else if (renamed.has(path))
      refuse(
        path,
        `The answer asks for a rename (${renamed.get(path) ?? ''}); renames are not applied, so neither file was changed. Rename the file yourself, then ask again.`,
        blockIndex,
      );
    else if (deleted.has(path))
      refuse(
        path,
        `The answer both deletes and changes ${path}, so it is unclear which is meant. Nothing was changed.`,
        blockIndex,
      );
    else
      files.push({ ...planOneFile(path, group.isNew, first.code, first.block.language, input.readFile), blockIndex });
  }

  for (const rename of parsed.renames) {
    if (groups.has(rename.from) || files.some((file) => file.path === rename.from)) continue;
    refuse(
      rename.from,
      `The answer asks to rename ${rename.from} to ${rename.to}; renames are not applied, so nothing was changed. Rename the file yourself, then ask again.`,
    );
  }

  for (const label of parsed.deletions) {
    const resolution = resolveBlockPath(label, input.workspaceFiles);
    const path = resolution.kind === 'refused' ? label : resolution.path;
    if (groups.has(path) || files.some((file) => file.path === path)) continue;
    if (unfinished || cutReason) refuse(path, unfinished ?? cutReason ?? '');
    else if (!input.allowDeletes)
      refuse(
        path,
        `The answer deletes ${path}, but deletions were not asked for (allow deletions to apply it). Nothing was changed.`,
      );
    else if (resolution.kind === 'refused')
      refuse(path, `The deletion of ${path} was not applied: ${resolution.reason}.`);
    else {
      const text = input.readFile(path);
      if (text === undefined)
        refuse(path, `The answer deletes ${path}, but that file does not exist. Nothing was changed.`);
      else files.push({ path, kind: 'delete', oldText: text, ...countChangedLines(text, '') });
    }
  }

  const problem =
    files.length > 0
      ? undefined
      : (unfinished ??
        (parsed.blocks.length === 0
          ? 'The answer has no code block, so there is nothing to apply.'
          : `The answer's code blocks name no file: write each file's path on the line before its block (\`File: path\`).`));
  return { files, unlabelled, ...(problem ? { problem } : {}) };
}

type PlannedFile = Omit<FilePlan, 'blockIndex'>;

function planOneFile(
  path: string,
  isNew: boolean,
  code: string,
  language: string,
  readFile: (path: string) => string | undefined,
): PlannedFile {
  const refused = (reason: string): PlannedFile => ({ path, kind: 'refused', reason, added: 0, removed: 0 });
  const raw = isNew ? undefined : readFile(path);
  // A file the workspace list does not show (ignored, excluded) is still planned against the disk.
  const existing = raw ?? (isNew ? readFile(path) : undefined);
  if (!isNew && existing === undefined) return refused(`${path} could not be read, so its block was not applied.`);
  const bom = existing?.startsWith(BOM) ? BOM : '';
  const text = existing?.slice(bom.length);
  const lines = prepareLines(code);
  if (lines.every((line) => line.trim() === ''))
    return refused(
      `The block for ${path} is empty: applying it would empty the file. A deletion is written \`Delete: ${path}\`. Nothing was changed.`,
    );
  const documentKeys = new Set(text === undefined ? [] : splitLines(text).map(lineKey));
  const hasElision = lines.some((line) => isElisionLine(line, documentKeys));

  if (text === undefined) {
    if (hasElision)
      return refused(
        `The block for ${path} elides code ("... existing code ..."), but ${path} does not exist, so there is nothing to fill the elisions from. New files must be written whole. Nothing was changed.`,
      );
    if (lines.every((line) => line.trim() === '' || isElisionLine(line, documentKeys)))
      return refused(`The block for ${path} holds no code.`);
    const newText = renderNewFile(lines);
    return { path, kind: 'create', mode: 'whole', newText, ...countChangedLines('', newText) };
  }

  let newText: string;
  let mode: 'whole' | 'region';
  if (!hasElision && isWholeFileBlock(text, lines)) {
    newText = renderWholeFile(text, lines);
    mode = 'whole';
  } else {
    const placed = planRegion(path, text, lines, language);
    if (placed.kind === 'refused') return refused(placed.reason);
    if (placed.kind === 'unchanged') newText = text;
    else newText = placed.text;
    mode = 'region';
  }
  const oldText = bom + text;
  if (newText === text) return { path, kind: 'unchanged', mode, oldText, added: 0, removed: 0 };
  return { path, kind: 'modify', mode, oldText, newText: bom + newText, ...countChangedLines(text, newText) };
}

/** The context builder's marker for lines it left out of an attached file. */
const LEFT_OUT_MARKER = /^\s*…\s*(?:lines? [\d,–-]+(?: and [\d,–-]+)*|[\d,]+ lines?) left out\s*…\s*$/;
/** A line as the context builder numbers it: `  12| code`. */
const NUMBERED_LINE = /^\s*(\d+)\| ?(.*)$/;

/**
 * The block's lines ready to plan: without the line numbers a model copied from the prompt (when
 * every non-blank line carries one, ascending), the context builder's "left out" marker read as an
 * elision, and without the block's final newline.
 */
export function prepareLines(code: string): string[] {
  let lines = splitLines(code.replace(/\r?\n$/, ''));
  const none = new Set<string>();
  const numbered = lines.filter(
    (line) => line.trim() !== '' && !LEFT_OUT_MARKER.test(line) && !isElisionLine(line, none),
  );
  const numbers = numbered.map((line) => NUMBERED_LINE.exec(line)?.[1]);
  if (
    numbered.length > 0 &&
    numbers.every((number) => number !== undefined) &&
    numbers.every((number, index) => index === 0 || Number(number) > Number(numbers[index - 1]))
  ) {
    lines = lines.map((line) => NUMBERED_LINE.exec(line)?.[2] ?? line);
  }
  return lines.map((line) => (LEFT_OUT_MARKER.test(line) ? `${/^\s*/.exec(line)?.[0] ?? ''}...` : line));
}

/** The paths planFiles will read for this answer (so a host can read them first, asynchronously). */
export function pathsToRead(output: string, workspaceFiles: readonly string[]): string[] {
  const parsed = listAnswerBlocks(output);
  const labels = [
    ...parsed.blocks.flatMap((labelled) => (labelled.label === undefined ? [] : [labelled.label])),
    ...parsed.deletions,
  ];
  const paths = labels.flatMap((label) => {
    const resolution = resolveBlockPath(label, workspaceFiles);
    return resolution.kind === 'refused' ? [] : [resolution.path];
  });
  return [...new Set(paths)];
}
