/**
 * .gitignore rules for the `#` picker's file list, on the glob matcher of glob.ts (no dependency).
 *
 * Supported: comments and blank lines, `!` negation (the last matching rule wins), patterns anchored
 * by a `/` at the start or in the middle, patterns without `/` matching a name at any depth, a
 * trailing `/` for folders only, `*`, `?`, `[…]` and `**`, a folder's ignore file applying below it,
 * and git's rule that nothing inside an ignored folder can be re-included.
 * Limits (documented, not worth a dependency for a file list): matching ignores case (git's
 * core.ignorecase behaviour; on a case-sensitive disk a rule may hide a file git would list),
 * `{a,b}` is expanded as alternatives (git takes braces literally), `.git/info/exclude` and the
 * global excludes file are not read.
 */

import { globToRegExp, normalizePath } from './glob';

interface Rule {
  readonly regex: RegExp;
  readonly negated: boolean;
  readonly folderOnly: boolean;
}

interface IgnoreFile {
  /** Folder of the ignore file, relative to the root, without a trailing `/` ('' for the root). */
  readonly base: string;
  readonly rules: readonly Rule[];
}

export interface IgnoreRules {
  /** Whether a file (workspace-relative, `/`-separated) is ignored. */
  readonly ignores: (path: string) => boolean;
}

/** The rules of one ignore file's text. */
export function parseIgnoreFile(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negated = false;
    if (line.startsWith('!')) {
      negated = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
    let folderOnly = false;
    if (line.endsWith('/')) {
      folderOnly = true;
      line = line.replace(/\/+$/, '');
    }
    if (line === '') continue;
    // A `/` at the start or in the middle anchors the pattern to the ignore file's folder;
    // glob.ts already matches a pattern without `/` at any depth.
    const anchored = line.includes('/');
    const pattern = anchored ? line.replace(/^\/+/, '') : line;
    const regex = anchored && !pattern.includes('/') ? anchoredName(pattern) : globToRegExp(pattern);
    rules.push({ regex, negated, folderOnly });
  }
  return rules;
}

/** `/name`: only at the ignore file's own level (globToRegExp would match it at any depth). */
function anchoredName(pattern: string): RegExp {
  const any = globToRegExp(pattern).source; // ^(?:(?:[^/]*/)*name)$
  return new RegExp(any.replace('(?:[^/]*\\/)*', ''), 'i');
}

export function compileIgnoreFiles(files: readonly { readonly base: string; readonly text: string }[]): IgnoreRules {
  const compiled: IgnoreFile[] = files
    .map((file) => ({ base: normalizePath(file.base).replace(/\/+$/, ''), rules: parseIgnoreFile(file.text) }))
    .filter((file) => file.rules.length > 0)
    // Shallow first: a deeper file's rules come later and so win.
    .sort((a, b) => depth(a.base) - depth(b.base));
  const decide = (path: string, isFolder: boolean): boolean | undefined => {
    let verdict: boolean | undefined;
    for (const file of compiled) {
      const relative =
        file.base === '' ? path : path.startsWith(`${file.base}/`) ? path.slice(file.base.length + 1) : undefined;
      if (relative === undefined) continue;
      for (const rule of file.rules) {
        if (rule.folderOnly && !isFolder) continue;
        if (rule.regex.test(relative)) verdict = !rule.negated;
      }
    }
    return verdict;
  };
  return {
    ignores: (path) => {
      if (compiled.length === 0) return false;
      const normalized = normalizePath(path);
      const parts = normalized.split('/');
      // A file inside an ignored folder stays ignored whatever later rules say.
      for (let index = 1; index < parts.length; index++) {
        if (decide(parts.slice(0, index).join('/'), true) === true) return true;
      }
      return decide(normalized, false) === true;
    },
  };
}

function depth(base: string): number {
  return base === '' ? 0 : base.split('/').length;
}
