/**
 * `#problems`: the workspace's diagnostics as one text for the model — errors first, then warnings
 * and information (hints are left out, as in the Problems panel), each with the source line(s) it
 * points at, bounded so a workspace with thousands of problems still gives a short attachment.
 */

export type ProblemSeverity = 'error' | 'warning' | 'info' | 'hint';

export interface ProblemEntry {
  /** Workspace-relative path with `/`. */
  readonly path: string;
  readonly severity: ProblemSeverity;
  /** 0-based line and character of the problem's start. */
  readonly line: number;
  readonly character: number;
  /** 0-based last line of the problem's range (same as `line` for one-line problems). */
  readonly endLine: number;
  readonly message: string;
  readonly source?: string;
  readonly code?: string;
}

export interface ProblemLimits {
  /** Most problems listed. */
  readonly maxProblems: number;
  /** Most source lines quoted for one problem. */
  readonly maxSourceLines: number;
  /** Source lines longer than this are cut. */
  readonly maxLineChars: number;
}

export const PROBLEM_LIMITS: ProblemLimits = { maxProblems: 50, maxSourceLines: 3, maxLineChars: 200 };

const SEVERITY_RANK: Record<ProblemSeverity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Errors first, then by path and position. Hints are dropped. */
export function orderProblems(entries: readonly ProblemEntry[]): ProblemEntry[] {
  return entries
    .filter((entry) => entry.severity !== 'hint')
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
        a.line - b.line ||
        a.character - b.character,
    );
}

export interface FormattedProblems {
  readonly text: string;
  /** Problems listed / in total (hints not counted). */
  readonly shown: number;
  readonly total: number;
  /** "2 errors, 1 warning". */
  readonly summary: string;
}

/**
 * The problems as text. `sourceLines(path)` gives a file's lines (undefined when it cannot be read
 * or must not be quoted: the problem is then listed without its code).
 */
export function formatProblems(
  entries: readonly ProblemEntry[],
  sourceLines: (path: string) => readonly string[] | undefined,
  limits: ProblemLimits = PROBLEM_LIMITS,
): FormattedProblems {
  const ordered = orderProblems(entries);
  const shown = ordered.slice(0, limits.maxProblems);
  const blocks = shown.map((entry) => {
    const origin = [entry.source, entry.code].filter((part) => part !== undefined && part !== '').join(' ');
    const message = entry.message.trim().replace(/\r?\n/g, '\n    ');
    const head = `${entry.path}:${entry.line + 1}:${entry.character + 1} ${entry.severity}${origin ? ` (${origin})` : ''}: ${message}`;
    const lines = sourceLines(entry.path);
    if (!lines) return head;
    const last = Math.min(
      Math.max(entry.endLine, entry.line),
      entry.line + limits.maxSourceLines - 1,
      lines.length - 1,
    );
    const width = String(last + 1).length;
    const quoted: string[] = [];
    for (let index = entry.line; index <= last; index++) {
      const text = lines[index] ?? '';
      const cut = text.length > limits.maxLineChars ? `${text.slice(0, limits.maxLineChars)} …` : text;
      quoted.push(`    ${String(index + 1).padStart(width)}| ${cut}`);
    }
    return quoted.length ? `${head}\n${quoted.join('\n')}` : head;
  });
  const summary = summarize(ordered);
  const rest = ordered.length - shown.length;
  if (rest > 0) blocks.push(`… ${rest} more ${rest === 1 ? 'problem' : 'problems'} not listed (${summary} in all)`);
  return { text: blocks.join('\n'), shown: shown.length, total: ordered.length, summary };
}

function summarize(entries: readonly ProblemEntry[]): string {
  const counts = new Map<ProblemSeverity, number>();
  for (const entry of entries) counts.set(entry.severity, (counts.get(entry.severity) ?? 0) + 1);
  const names: Record<ProblemSeverity, [string, string]> = {
    error: ['error', 'errors'],
    warning: ['warning', 'warnings'],
    info: ['info message', 'info messages'],
    hint: ['hint', 'hints'],
  };
  return (['error', 'warning', 'info'] as const)
    .filter((severity) => counts.has(severity))
    .map((severity) => {
      const count = counts.get(severity) ?? 0;
      return `${count} ${names[severity][count === 1 ? 0 : 1]}`;
    })
    .join(', ');
}
