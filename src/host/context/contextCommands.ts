/**
 * The context commands: R1: Attach Context… (the `#` picker), R1: Add File to Chat (explorer and
 * editor-tab context menus, multi-select) and R1: Add Selection to Chat (editor context menu). All
 * hand what they gather, refusals included, to one AttachmentSink (the panel's attachments, which
 * shows them as chips and says why something was refused). Each command resolves with whether
 * anything was picked or added, so the panel knows whether to remove the `#` the user typed.
 */

import * as vscode from 'vscode';
import { COMMAND_IDS } from '../commandIds';
import { attachContext } from './contextPicker';
import { WorkspaceFileIndex } from './fileIndex';
import { gatherFolder } from './folder';
import type { AttachmentSink, GatheredContext } from './gathered';
import { contextExcludeMatcher, readWorkspaceFiles, workspacePath } from './readFile';
import { gatherSelection } from './selection';
import { TerminalHistory } from './terminal';

export interface ContextCommands extends vscode.Disposable {
  readonly index: WorkspaceFileIndex;
  readonly terminals: TerminalHistory;
}

/**
 * Registers the three commands. Nothing runs at registration: the file index, its watcher and the
 * terminal listener start on first use.
 */
export function registerContextCommands(
  context: { readonly subscriptions: vscode.Disposable[] },
  sink: AttachmentSink,
): ContextCommands {
  const index = new WorkspaceFileIndex();
  const terminals = new TerminalHistory();
  const disposables = [
    index,
    terminals,
    vscode.commands.registerCommand(COMMAND_IDS.attachContext, () => attachContext({ sink, index, terminals })),
    vscode.commands.registerCommand(COMMAND_IDS.addFileToChat, (uri?: unknown, uris?: unknown) =>
      addFilesToChat(sink, index, menuUris(uri, uris)),
    ),
    vscode.commands.registerCommand(COMMAND_IDS.addSelectionToChat, () => addSelectionToChat(sink)),
  ];
  const commands: ContextCommands = {
    index,
    terminals,
    dispose: () => disposables.forEach((disposable) => disposable.dispose()),
  };
  context.subscriptions.push(commands);
  return commands;
}

/**
 * The explorer passes (clicked, all selected); an editor tab passes (its resource, tab info); the
 * palette passes nothing (the active editor's file then).
 */
export function menuUris(uri: unknown, uris: unknown): vscode.Uri[] {
  if (Array.isArray(uris) && uris.length && uris.every((each) => each instanceof vscode.Uri))
    return uris as vscode.Uri[];
  if (uri instanceof vscode.Uri) return [uri];
  const active = vscode.window.activeTextEditor?.document.uri;
  return active ? [active] : [];
}

/** Files (and folders, as tree listings) to the sink; true when something was handed over. */
export async function addFilesToChat(
  sink: AttachmentSink,
  index: WorkspaceFileIndex,
  uris: readonly vscode.Uri[],
): Promise<boolean> {
  if (uris.length === 0) {
    void vscode.window.showInformationMessage(
      'R1: open a file or select files in the explorer to add them to the chat.',
    );
    return false;
  }
  const kinds = await Promise.all(
    uris.map(async (uri) => {
      const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
      return { uri, folder: stat !== undefined && (stat.type & vscode.FileType.Directory) !== 0 };
    }),
  );
  const files = await readWorkspaceFiles(
    kinds.filter((each) => !each.folder).map((each) => each.uri),
    'menu',
  );
  const folders = kinds.filter((each) => each.folder);
  const listed: GatheredContext[] = [];
  if (folders.length) {
    const all = await index.list();
    for (const folder of folders) {
      const path = workspacePath(folder.uri);
      listed.push(gatherFolder(path === folder.uri.fsPath ? '' : path, all, contextExcludeMatcher(), 'menu'));
    }
  }
  const notes = listed.map((each) => each.note).filter((note): note is string => note !== undefined);
  const gathered: GatheredContext = {
    items: [...files.items, ...listed.flatMap((each) => each.items)],
    refused: [...files.refused, ...listed.flatMap((each) => each.refused)],
    ...(notes.length ? { note: notes.join(' ') } : {}),
  };
  sink.add(gathered);
  return true;
}

export function addSelectionToChat(sink: AttachmentSink): boolean {
  const gathered = gatherSelection('menu');
  sink.add(gathered);
  return gathered.items.length > 0;
}
