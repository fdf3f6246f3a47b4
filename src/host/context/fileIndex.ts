/**
 * The workspace's files for the `#` picker: `vscode.workspace.findFiles` with files.exclude and
 * search.exclude, then the .gitignore rules (src/core/context/ignoreFile.ts). Built lazily on first
 * use, a top-level folder at a time so the picker fills as the parts arrive; cached; kept current
 * by a FileSystemWatcher created on first use (created files are added and deleted ones removed;
 * a changed .gitignore, a folder created or the exclude settings changed rebuild it on next use).
 */

import * as vscode from 'vscode';
import { compileGlobs, type GlobMatcher } from '../../core/context/glob';
import { compileIgnoreFiles, type IgnoreRules } from '../../core/context/ignoreFile';
import { workspacePath } from './readFile';

export interface IndexedFile {
  readonly uri: vscode.Uri;
  /** Workspace-relative with `/` (prefixed by the folder's name in a multi-root workspace). */
  readonly path: string;
}

/** Most files listed (findFiles' own cap per part too); beyond it a workspace is not browsed by name. */
export const MAX_INDEXED_FILES = 100_000;

interface Filters {
  /** One brace glob for findFiles (the simple patterns of both settings). */
  readonly findExclude: string | undefined;
  /** Patterns findFiles cannot take inside a brace glob (they hold braces themselves): checked here. */
  readonly extra: GlobMatcher | undefined;
}

interface FolderRules {
  readonly folder: vscode.WorkspaceFolder;
  readonly ignore: IgnoreRules;
}

export class WorkspaceFileIndex implements vscode.Disposable {
  private files: Map<string, IndexedFile> | undefined;
  private building: Promise<IndexedFile[]> | undefined;
  private generation = 0;
  private rules = new Map<string, FolderRules>();
  private filters: Filters | undefined;
  private watching: vscode.Disposable[] | undefined;
  /** Bumped whenever the list changes; derived() recomputes after a bump. */
  private version = 0;
  private readonly derivedCache = new Map<string, { readonly version: number; readonly value: unknown }>();

  /** The files, from the cache or built now; `onPart` receives each part as it arrives (built now only). */
  async list(onPart?: (part: readonly IndexedFile[]) => void): Promise<IndexedFile[]> {
    this.watch();
    if (this.files) return [...this.files.values()];
    this.building ??= this.build(onPart).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /**
   * Something computed from the whole list (the picker's sorted rows), kept until the list changes;
   * undefined while the list is not built. `key` names the computation and its other inputs.
   */
  derived<T>(key: string, compute: (files: readonly IndexedFile[]) => T): T | undefined {
    if (!this.files) return undefined;
    const cached = this.derivedCache.get(key);
    if (cached && cached.version === this.version) return cached.value as T;
    const value = compute([...this.files.values()]);
    this.derivedCache.clear();
    this.derivedCache.set(key, { version: this.version, value });
    return value;
  }

  /** Forgets the cache: the next list() builds it again. */
  invalidate(): void {
    this.generation++;
    this.version++;
    this.files = undefined;
  }

  dispose(): void {
    for (const disposable of this.watching ?? []) disposable.dispose();
    this.watching = undefined;
    this.invalidate();
  }

  private async build(onPart?: (part: readonly IndexedFile[]) => void): Promise<IndexedFile[]> {
    const generation = this.generation;
    const filters = excludeFilters();
    this.filters = filters;
    const files = new Map<string, IndexedFile>();
    const rules = new Map<string, FolderRules>();
    await Promise.all(
      (vscode.workspace.workspaceFolders ?? []).map(async (folder) => {
        const rootIgnore = await readText(vscode.Uri.joinPath(folder.uri, '.gitignore'));
        let ignore = compileIgnoreFiles(rootIgnore === undefined ? [] : [{ base: '', text: rootIgnore }]);
        const nestedIgnores: { base: string; text: string }[] =
          rootIgnore === undefined ? [] : [{ base: '', text: rootIgnore }];
        const entries = await Promise.resolve(vscode.workspace.fs.readDirectory(folder.uri)).catch(() => []);
        // Top-level files in one part, then each top-level folder as its own part.
        const parts = [
          '*',
          ...entries.filter(([, type]) => type & vscode.FileType.Directory).map(([name]) => `${escapeGlob(name)}/**`),
        ];
        await Promise.all(
          parts.map(async (pattern) => {
            const uris = await vscode.workspace.findFiles(
              new vscode.RelativePattern(folder, pattern),
              filters.findExclude,
              MAX_INDEXED_FILES,
            );
            // asRelativePath(uri, false) is the path relative to its folder: computed here without a lookup per file.
            const part = uris.map((uri) => {
              const relative = relativeTo(folder, uri);
              return { uri, path: relative, relative };
            });
            // A folder's own .gitignore files apply below them: read them before filtering its files.
            const found = part.filter((file) => file.relative.endsWith('/.gitignore'));
            if (found.length) {
              for (const file of found.slice(0, 200)) {
                const text = await readText(file.uri);
                if (text !== undefined)
                  nestedIgnores.push({ base: file.relative.slice(0, -'/.gitignore'.length), text });
              }
              ignore = compileIgnoreFiles(nestedIgnores);
            }
            const kept = part.filter(
              (file) =>
                !ignore.ignores(file.relative) && !(filters.extra && excludedWithParents(filters.extra, file.relative)),
            );
            if (generation !== this.generation) return;
            const added = kept.map(({ uri, path }) => ({ uri, path }));
            for (const file of added) files.set(file.uri.toString(), file);
            if (added.length) onPart?.(added);
          }),
        );
        rules.set(folder.uri.toString(), { folder, ignore: compileIgnoreFiles(nestedIgnores) });
      }),
    );
    if (generation === this.generation) {
      this.version++;
      this.files = files;
      this.rules = rules;
    }
    return [...files.values()];
  }

  /** The watcher and the settings listener, on first use. */
  private watch(): void {
    if (this.watching) return;
    const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    this.watching = [
      watcher,
      watcher.onDidCreate((uri) => void this.created(uri)),
      watcher.onDidDelete((uri) => this.deleted(uri)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('files.exclude') || event.affectsConfiguration('search.exclude'))
          this.invalidate();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()),
      // An edited .gitignore (the watcher ignores changes: they do not alter the list otherwise).
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.uri.path.endsWith('/.gitignore')) this.invalidate();
      }),
    ];
  }

  private async created(uri: vscode.Uri): Promise<void> {
    if (!this.files) return;
    if (uri.path.endsWith('/.gitignore')) return this.invalidate();
    const generation = this.generation;
    const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
    if (!stat || generation !== this.generation || !this.files) return;
    // A folder moved or copied in: its files fire no events of their own.
    if (stat.type & vscode.FileType.Directory) return this.invalidate();
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const rules = folder && this.rules.get(folder.uri.toString());
    if (!folder || !rules) return;
    const relative = relativeTo(folder, uri);
    const excluded =
      rules.ignore.ignores(relative) ||
      excludedWithParents(compileGlobs(excludePatterns(folder)), relative) ||
      (this.filters?.extra !== undefined && excludedWithParents(this.filters.extra, relative));
    if (excluded) return;
    this.files.set(uri.toString(), { uri, path: workspacePath(uri) });
    this.version++;
  }

  private deleted(uri: vscode.Uri): void {
    if (!this.files) return;
    if (uri.path.endsWith('/.gitignore')) return this.invalidate();
    const key = uri.toString();
    this.version++;
    this.files.delete(key);
    // A deleted folder: everything below it goes too.
    const prefix = `${key.replace(/\/$/, '')}/`;
    for (const each of [...this.files.keys()]) if (each.startsWith(prefix)) this.files.delete(each);
  }
}

/** files.exclude and search.exclude patterns switched on (`true`; `when` clauses are not evaluated). */
function excludePatterns(scope?: vscode.WorkspaceFolder): string[] {
  const patterns = new Set<string>();
  for (const section of ['files', 'search']) {
    const value = vscode.workspace.getConfiguration(section, scope).get<Record<string, unknown>>('exclude') ?? {};
    for (const [pattern, enabled] of Object.entries(value)) if (enabled === true) patterns.add(pattern);
  }
  return [...patterns];
}

function excludeFilters(): Filters {
  const patterns = excludePatterns();
  const simple = patterns.filter((pattern) => !/[{}]/.test(pattern));
  const braced = patterns.filter((pattern) => /[{}]/.test(pattern));
  return {
    findExclude: simple.length === 0 ? undefined : simple.length === 1 ? simple[0] : `{${simple.join(',')}}`,
    extra: braced.length ? compileGlobs(braced) : undefined,
  };
}

/** files.exclude semantics: a pattern that matches a folder excludes everything below it. */
function excludedWithParents(matcher: GlobMatcher, relative: string): boolean {
  const parts = relative.split('/');
  for (let index = 1; index <= parts.length; index++) if (matcher.match(parts.slice(0, index).join('/'))) return true;
  return false;
}

function relativeTo(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
  const base = folder.uri.path.replace(/\/$/, '');
  return uri.path.startsWith(`${base}/`) ? uri.path.slice(base.length + 1) : uri.path;
}

function escapeGlob(name: string): string {
  return name.replace(/[[\]{}*?!]/g, (char) => `[${char}]`);
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}
