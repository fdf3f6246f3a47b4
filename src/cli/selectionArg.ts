import type { Range0 } from '../core/apply/textModel';

/** `12:0-14:5` (0-based line:character, end exclusive), as the apply fixtures' selection.json. */
export function parseSelectionArg(text: string): Range0 | undefined {
  const match = /^(\d+):(\d+)-(\d+):(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const [startLine, startCharacter, endLine, endCharacter] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

export const SELECTION_ARG_ERROR = '--selection must look like 12:0-14:5 (0-based line:character)';

/** Editors hide a byte-order mark and count characters after it; the CLI keeps it, out of the way. */
export const BOM = '\uFEFF';
