/**
 * A small glob matcher for exclusion patterns (no dependency): `**` (any number of path segments),
 * `*` (any characters but `/`), `?` (one character but `/`), `{a,b}` (alternatives, nestable),
 * `[abc]` / `[a-z]` / `[!a]` (one character of a class). Paths use `/`; a leading `/` or `./` on
 * the path is ignored.
 *
 * Two choices made for exclusion, where a miss can leak a secret:
 * - matching ignores case (`ID_RSA`, `.ENV` on case-insensitive file systems);
 * - a pattern with no `/` matches the file name at any depth, as in .gitignore (`*.pem` = `**` + `/*.pem`).
 */

export interface GlobMatcher {
  /** The first pattern that matches `path`, or undefined. */
  readonly match: (path: string) => string | undefined;
}

export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const compiled = patterns
    .filter((pattern) => pattern.trim() !== '')
    .map((pattern) => ({ pattern, regex: globToRegExp(pattern) }));
  return {
    match: (path) => {
      const normalized = normalizePath(path);
      return compiled.find((entry) => entry.regex.test(normalized))?.pattern;
    },
  };
}

export function matchesGlob(pattern: string, path: string): boolean {
  return compileGlobs([pattern]).match(path) !== undefined;
}

/** `\` to `/`, without a leading `./` or `/`. */
export function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
}

export function globToRegExp(pattern: string): RegExp {
  let glob = normalizePath(pattern.trim());
  if (!glob.includes('/') && glob !== '**') glob = `**/${glob}`;
  const alternatives = expandBraces(glob).map(alternativeToRegExp);
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

/** `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. An unbalanced brace is literal. */
export function expandBraces(pattern: string): string[] {
  const open = findTopLevelBrace(pattern);
  if (!open) return [pattern];
  const { start, end, parts } = open;
  const prefix = pattern.slice(0, start);
  const suffix = pattern.slice(end + 1);
  return parts.flatMap((part) => expandBraces(`${prefix}${part}${suffix}`));
}

function findTopLevelBrace(pattern: string): { start: number; end: number; parts: string[] } | undefined {
  for (let start = pattern.indexOf('{'); start >= 0; start = pattern.indexOf('{', start + 1)) {
    let depth = 0;
    const parts: string[] = [];
    let partStart = start + 1;
    for (let index = start; index < pattern.length; index++) {
      const char = pattern[index];
      if (char === '{') depth++;
      else if (char === '}') {
        depth--;
        if (depth === 0) {
          parts.push(pattern.slice(partStart, index));
          // `{a}` has no alternatives: leave it literal.
          if (parts.length > 1) return { start, end: index, parts };
          break;
        }
      } else if (char === ',' && depth === 1) {
        parts.push(pattern.slice(partStart, index));
        partStart = index + 1;
      }
    }
  }
  return undefined;
}

function alternativeToRegExp(glob: string): string {
  const segments = glob.split('/');
  let out = '';
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] ?? '';
    const last = index === segments.length - 1;
    if (segment === '**') {
      // `**/` matches zero or more whole segments; a final `/**` anything below (and the folder itself).
      if (last) out += index === 0 || segments[index - 1] === '**' ? '.*' : '(?:/.*)?';
      else out += index === 0 || segments[index - 1] === '**' ? '(?:[^/]*/)*' : '/(?:[^/]*/)*';
      continue;
    }
    if (index > 0 && segments[index - 1] !== '**') out += '/';
    out += segmentToRegExp(segment);
  }
  return out;
}

function segmentToRegExp(segment: string): string {
  let out = '';
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index] ?? '';
    if (char === '*') {
      while (segment[index + 1] === '*') index++; // `a**b` inside a segment is `a*b`
      out += '[^/]*';
    } else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const close = segment.indexOf(']', index + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(index + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const escaped = body.replace(/[\\\]^]/g, (c) => `\\${c}`);
      out += negated ? `[^/${escaped}]` : `[${escaped}]`;
      index = close;
    } else out += char.replace(/[.+^${}()|\\\]]/g, (c) => `\\${c}`);
  }
  return out;
}
