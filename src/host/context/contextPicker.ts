/**
 * The `#` picker (R1: Attach Context…): the context sources on top (#selection, #problems,
 * #changes, #terminal, #folder) and the workspace's files below, matched fuzzily by QuickPick
 * itself on the name and the folder. It opens at once (busy) and fills as the file index's parts
 * arrive. Files matching r1Coder.context.exclude are listed, marked "never sent", and refused with
 * the reason when picked (a missing file would leave the user guessing). Resolves true when
 * something was picked (even if it was then refused), false when the picker was dismissed.
 */

import * as vscode from 'vscode';
import { globToRegExp, normalizePath } from '../../core/context/glob';
import { gatherChanges } from './changes';
import type { IndexedFile, WorkspaceFileIndex } from './fileIndex';
import { gatherFolder, indexedFolders } from './folder';
import type { AttachmentSink, GatheredContext } from './gathered';
import { gatherProblems } from './problems';
import { contextExcludeMatcher, readWorkspaceFile } from './readFile';
import { readContextExclude } from '../settings';
import { gatherSelection } from './selection';
import { gatherTerminal, type TerminalHistory } from './terminal';

export interface ContextPickerDeps {
  readonly sink: AttachmentSink;
  readonly index: WorkspaceFileIndex;
  readonly terminals: TerminalHistory;
}

export type ContextSourceId = 'selection' | 'problems' | 'changes' | 'terminal' | 'folder';

export type PickerItem =
  | (vscode.QuickPickItem & { readonly source: ContextSourceId })
  | (vscode.QuickPickItem & { readonly file: IndexedFile })
  | (vscode.QuickPickItem & { readonly separator: true });

export const CONTEXT_SOURCES: readonly {
  readonly id: ContextSourceId;
  readonly icon: string;
  readonly description: string;
}[] = [
  { id: 'selection', icon: 'selection', description: "the active editor's selection" },
  { id: 'problems', icon: 'warning', description: 'errors and warnings in the workspace, with their lines' },
  { id: 'changes', icon: 'git-compare', description: 'uncommitted changes as a diff (git)' },
  { id: 'terminal', icon: 'terminal', description: "the active terminal's selection or its last command and output" },
  { id: 'folder', icon: 'folder', description: "a folder's tree listing" },
];

export function sourceItems(): PickerItem[] {
  return CONTEXT_SOURCES.map((source) => ({
    label: `$(${source.icon}) #${source.id}`,
    description: source.description,
    source: source.id,
  }));
}

const NEVER_SENT = 'never sent (r1Coder.context.exclude)';

/** A file's picker row: the name to match on, the folder as description. */
export function fileItem(file: IndexedFile, secret: boolean): PickerItem {
  const slash = file.path.lastIndexOf('/');
  const name = file.path.slice(slash + 1);
  const folder = slash > 0 ? file.path.slice(0, slash) : '';
  return {
    label: name,
    description: secret ? `${folder ? `${folder} · ` : ''}${NEVER_SENT}` : folder,
    file,
  };
}

export interface OpenedPicker {
  readonly quickPick: vscode.QuickPick<PickerItem>;
  /** True when something was picked (and handed to the sink), false when dismissed. */
  readonly result: Promise<boolean>;
  /** Resolves when every file is listed. */
  readonly filled: Promise<void>;
}

export function openContextPicker(deps: ContextPickerDeps): OpenedPicker {
  const quickPick = vscode.window.createQuickPick<PickerItem>();
  quickPick.title = 'Attach to the question';
  quickPick.placeholder = 'A file by name, or #selection, #problems, #changes, #terminal, #folder';
  quickPick.matchOnDescription = true;
  quickPick.busy = true;
  const exclude = contextExcludeMatcher();
  const sources = sourceItems();
  const separator: PickerItem = { label: 'files', kind: vscode.QuickPickItemKind.Separator, separator: true };
  let files: PickerItem[] = [];
  quickPick.items = sources;
  quickPick.show();
  let settled = false;
  const show = () => {
    if (settled) return;
    // Keep the user's place while the list grows (the rows may be new objects for the same files).
    const active = new Set(quickPick.activeItems.map(itemKey));
    quickPick.items = files.length ? [...sources, separator, ...files] : sources;
    if (active.size) quickPick.activeItems = quickPick.items.filter((item) => active.has(itemKey(item)));
  };
  // One regex for "is it a secret?" (a test per file, not one per pattern: 10,000 files × 24 patterns add up).
  const secret = anyPattern(readContextExclude());
  const rows = new Map<IndexedFile, PickerItem>();
  const row = (file: IndexedFile) => {
    let item = rows.get(file);
    if (!item) {
      item = fileItem(file, secret.test(normalizePath(file.path)));
      rows.set(file, item);
    }
    return item;
  };
  const filled = deps.index
    .list((part) => {
      // Built now: each part as it arrives.
      files.push(...part.map(row));
      show();
    })
    .then(() => {
      // Every row, sorted by path; kept with the index until the files or the exclude patterns change.
      const key = `picker\n${readContextExclude().join('\n')}`;
      files = deps.index.derived(key, (all) => all.map(row).sort(byPath)) ?? files;
      show();
      if (!settled) quickPick.busy = false;
    });
  const result = new Promise<boolean>((resolve) => {
    const finish = (picked: boolean) => {
      if (settled) return;
      settled = true;
      resolve(picked);
      quickPick.dispose();
    };
    quickPick.onDidHide(() => finish(false));
    quickPick.onDidAccept(async () => {
      const [item] = quickPick.selectedItems.length ? quickPick.selectedItems : quickPick.activeItems;
      if (!item || 'separator' in item) return;
      settled = true;
      quickPick.hide();
      let gathered: GatheredContext | undefined;
      if ('file' in item) gathered = await readWorkspaceFile(item.file.uri, 'picker', exclude);
      else gathered = await gatherSource(item.source, deps, await filled.then(() => deps.index.list()));
      quickPick.dispose();
      if (gathered) deps.sink.add(gathered);
      resolve(gathered !== undefined);
    });
  });
  return { quickPick, result, filled };
}

/** Matches what any of the glob patterns matches (glob.ts's rules, in one regex). */
function anyPattern(patterns: readonly string[]): RegExp {
  const sources = patterns.filter((pattern) => pattern.trim() !== '').map((pattern) => globToRegExp(pattern).source);
  return sources.length ? new RegExp(sources.join('|'), 'i') : /(?!)/;
}

function itemKey(item: PickerItem): string {
  return 'file' in item ? `file:${item.file.uri.toString()}` : 'source' in item ? `source:${item.source}` : 'separator';
}

function byPath(a: PickerItem, b: PickerItem): number {
  const left = 'file' in a ? a.file.path : '';
  const right = 'file' in b ? b.file.path : '';
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The `#` command: opens the picker and resolves with whether anything was picked. */
export function attachContext(deps: ContextPickerDeps): Promise<boolean> {
  return openContextPicker(deps).result;
}

async function gatherSource(
  source: ContextSourceId,
  deps: ContextPickerDeps,
  files: readonly IndexedFile[],
): Promise<GatheredContext | undefined> {
  switch (source) {
    case 'selection':
      return gatherSelection('picker');
    case 'problems':
      return gatherProblems('picker');
    case 'changes':
      return gatherChanges('picker');
    case 'terminal':
      return gatherTerminal(deps.terminals, 'picker');
    case 'folder': {
      const folder = await pickFolder(files);
      return folder === undefined ? undefined : gatherFolder(folder, files, contextExcludeMatcher(), 'picker');
    }
  }
}

/** A second picker: the folders holding files, the workspace root first. Undefined when dismissed. */
async function pickFolder(files: readonly IndexedFile[]): Promise<string | undefined> {
  const items = [
    { label: '$(root-folder) .', description: 'the whole workspace', folder: '' },
    ...indexedFolders(files).map((folder) => ({ label: `$(folder) ${folder}`, folder })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Attach a folder listing',
    placeHolder: 'Folder to list',
    matchOnDescription: true,
  });
  return picked?.folder;
}
