/**
 * `#changes`: uncommitted changes (staged and unstaged, against HEAD) as a unified diff, through the
 * built-in Git extension's API (`vscode.git`, getAPI(1)); `git diff HEAD -- <file>` per changed file.
 * Files matching r1Coder.context.exclude are left out of the diff and listed as refused; untracked
 * files are named (their content is not in a diff).
 */

import * as vscode from 'vscode';
import { excludedReason } from '../../core/context/screen';
import type { ContextOrigin, ContextRefusal } from '../../core/context/types';
import type { GatheredContext } from './gathered';
import { contextExcludeMatcher, workspacePath } from './readFile';

/** The parts of the Git extension's API (extensions/git/src/api/git.d.ts) used here. */
interface GitChange {
  readonly uri: vscode.Uri;
  readonly status: number;
}
interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly state: {
    readonly workingTreeChanges: readonly GitChange[];
    readonly indexChanges: readonly GitChange[];
    readonly untrackedChanges?: readonly GitChange[];
  };
  status(): Promise<void>;
  diffWith(ref: string, path: string): Promise<string>;
}
interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: readonly GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  openRepository?(root: vscode.Uri): Promise<GitRepository | null>;
}
interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** Git's Status.UNTRACKED and Status.IGNORED. */
const UNTRACKED = 7;
const IGNORED = 8;
/** Diff text gathered at most (the context budget trims further). */
const MAX_DIFF_CHARS = 2_000_000;
/** How long the Git extension may take to start before #changes says so. */
const GIT_START_MS = 10_000;

export async function gatherChanges(origin: ContextOrigin): Promise<GatheredContext> {
  const api = await gitApi();
  if (typeof api === 'string') return { items: [], refused: [], note: api };
  const repositories = await workspaceRepositories(api);
  if (repositories.length === 0)
    return {
      items: [],
      refused: [],
      note: 'No git repository in this workspace: #changes shows uncommitted changes of a git repository.',
    };
  const exclude = contextExcludeMatcher();
  const refused: ContextRefusal[] = [];
  const diffs: string[] = [];
  const untracked: string[] = [];
  const failures: string[] = [];
  let chars = 0;
  let leftOut = 0;
  for (const repository of repositories) {
    await repository.status().catch(() => undefined);
    const changes = new Map<string, GitChange>();
    for (const change of [...repository.state.indexChanges, ...repository.state.workingTreeChanges])
      changes.set(change.uri.toString(), change);
    for (const change of repository.state.untrackedChanges ?? []) changes.set(change.uri.toString(), change);
    const sorted = [...changes.values()].sort((a, b) => (a.uri.fsPath < b.uri.fsPath ? -1 : 1));
    for (const change of sorted) {
      if (change.status === IGNORED) continue;
      // A repository can enclose the workspace (a parent folder's): only the workspace's own files count.
      if (!vscode.workspace.getWorkspaceFolder(change.uri)) continue;
      const path = workspacePath(change.uri);
      const excluded = excludedReason(path, exclude);
      if (excluded) {
        refused.push({ path, reason: `${excluded}; its changes are left out of #changes` });
        continue;
      }
      if (change.status === UNTRACKED) {
        untracked.push(path);
        continue;
      }
      if (chars > MAX_DIFF_CHARS) {
        leftOut++;
        continue;
      }
      try {
        const diff = await repository.diffWith('HEAD', change.uri.fsPath);
        if (diff.trim() === '') continue;
        diffs.push(diff.replace(/\n$/, ''));
        chars += diff.length;
      } catch (error) {
        failures.push(`${path}: ${firstLine(error)}`);
      }
    }
  }
  const parts: string[] = [];
  if (diffs.length) parts.push(diffs.join('\n'));
  if (leftOut) parts.push(`… the diffs of ${leftOut} more changed files left out (too large together) …`);
  if (untracked.length)
    parts.push(`Untracked files (new, not in the diff):\n${untracked.map((path) => `  ${path}`).join('\n')}`);
  if (failures.length)
    parts.push(`Could not diff against HEAD (no commit yet?):\n${failures.map((each) => `  ${each}`).join('\n')}`);
  if (parts.length === 0)
    return { items: [], refused, note: refused.length ? undefined : 'No uncommitted changes in the workspace.' };
  return {
    items: [
      {
        kind: 'changes',
        languageId: 'diff',
        text: parts.join('\n\n'),
        origin,
        label: changeLabel(diffs.length, untracked.length),
      },
    ],
    refused,
  };
}

function changeLabel(changed: number, untracked: number): string {
  const parts = [`${changed} changed file${changed === 1 ? '' : 's'}`];
  if (untracked) parts.push(`${untracked} untracked`);
  return parts.join(', ');
}

/** The Git extension's API once it has started, or why it is not available. */
async function gitApi(): Promise<GitApi | string> {
  const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
  if (!extension) return 'The built-in Git extension is not available, so #changes cannot read uncommitted changes.';
  let exports: GitExtension;
  try {
    exports = extension.isActive ? extension.exports : await extension.activate();
  } catch (error) {
    return `The built-in Git extension failed to start: ${firstLine(error)}`;
  }
  if (!exports.enabled) return 'Git is disabled (git.enabled is off), so #changes cannot read uncommitted changes.';
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        listener.dispose();
        resolve(false);
      }, GIT_START_MS);
      const listener = api.onDidChangeState((state) => {
        if (state !== 'initialized') return;
        clearTimeout(timer);
        listener.dispose();
        resolve(true);
      });
    });
    if (!started) return 'The built-in Git extension did not finish starting; try #changes again in a moment.';
  }
  return api;
}

/** The repositories of the workspace folders (opened if the Git extension has not found them yet). */
async function workspaceRepositories(api: GitApi): Promise<GitRepository[]> {
  const found = new Map<string, GitRepository>();
  for (const repository of api.repositories) found.set(repository.rootUri.toString(), repository);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (api.getRepository(folder.uri)) continue;
    const opened = await api.openRepository?.(folder.uri).catch(() => null);
    if (opened) found.set(opened.rootUri.toString(), opened);
  }
  // Only repositories that hold (part of) the workspace.
  const folders = vscode.workspace.workspaceFolders ?? [];
  return [...found.values()].filter((repository) =>
    folders.some((folder) => isWithin(repository.rootUri, folder.uri) || isWithin(folder.uri, repository.rootUri)),
  );
}

function isWithin(inner: vscode.Uri, outer: vscode.Uri): boolean {
  const a = inner.path.replace(/\/$/, '');
  const b = outer.path.replace(/\/$/, '');
  return a === b || a.startsWith(`${b}/`);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
