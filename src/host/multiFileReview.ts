import * as vscode from 'vscode';
import type { AnswerEnding } from '../core/apply/planEdit';
import { pathsToRead, planFiles, type FilePlan } from '../core/apply/planFiles';
import type { FileReviewDecision, FileReviewEntry, FileReviewView } from '../shared/protocol';
import { REVIEW_SCHEME } from './commandIds';

/** What a review is planned from: a finished turn's answer, or one code block's (Apply to file). */
export interface ReviewInput {
  readonly turnId: string;
  /** The answer (or one labelled block of it) to plan. */
  readonly output: string;
  readonly ending: AnswerEnding;
  /** Whether the user asked for deletions; each one is still confirmed before it is applied. */
  readonly allowDeletes: boolean;
  /** e.g. "Edit: add a logger" (the multi-file diff editor's title). */
  readonly title: string;
}

interface ReviewFile {
  readonly id: string;
  readonly uri: vscode.Uri;
  /** The virtual right side: the file as the answer would leave it (empty for a deletion). */
  readonly proposedUri: vscode.Uri;
  /** The left side: the file itself, or an empty virtual file for a new one. */
  readonly originalUri: vscode.Uri;
  plan: FilePlan;
  state: FileReviewEntry['state'];
  message?: string;
}

interface Review {
  readonly id: string;
  readonly input: ReviewInput;
  readonly files: ReviewFile[];
  readonly problem?: string;
}

/**
 * Multi-file reviews: an answer planned file by file (the pure planner, src/core/apply/planFiles.ts),
 * shown in the panel as a list, previewed as diffs against virtual documents, and applied as ONE
 * WorkspaceEdit for every accepted file together, so one Undo restores them all. A file that
 * changed since it was planned is planned again (the same block against its new text), or refused;
 * never overwritten blindly.
 */
export class MultiFileReview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly reviews = new Map<string, Review>();
  private nextId = 1;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly notify: (turnId: string, review: FileReviewView) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, this)];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [reviewId, index, side] = uri.query.split('/');
    if (side !== 'proposed') return '';
    const file = this.reviews.get(reviewId ?? '')?.files[Number(index)];
    return file?.plan.newText ?? '';
  }

  /** Plans every file the answer names and shows the list in the panel; resolves with what it shows. */
  async propose(input: ReviewInput): Promise<FileReviewView> {
    const root = workspaceRoot();
    const id = `review-${this.nextId++}`;
    if (!root) {
      const view = { id, files: [], problem: 'Open a folder first: files are edited relative to its root.' };
      this.notify(input.turnId, view);
      return view;
    }
    const workspaceFiles = await listWorkspaceFiles(root);
    const texts = await readTexts(root, pathsToRead(input.output, workspaceFiles));
    const result = planFiles({
      output: input.output,
      ending: input.ending,
      workspaceFiles,
      readFile: (path) => texts.get(path),
      allowDeletes: input.allowDeletes,
    });
    const files = result.files.map((plan, index): ReviewFile => {
      const uri = vscode.Uri.joinPath(root, plan.path);
      // The file's own path (diff editors then label it as that file, not as a rename), the review in the query.
      const virtual = (side: string) =>
        vscode.Uri.from({ scheme: REVIEW_SCHEME, path: uri.path, query: `${id}/${index}/${side}` });
      return {
        id: `${id}-${index}`,
        uri,
        proposedUri: virtual('proposed'),
        originalUri: plan.kind === 'create' ? virtual('empty') : uri,
        plan,
        state: plan.kind === 'modify' || plan.kind === 'create' || plan.kind === 'delete' ? 'pending' : 'refused',
        ...(plan.kind === 'refused' ? { message: plan.reason } : {}),
        ...(plan.kind === 'unchanged' ? { message: 'The answer leaves this file as it is.' } : {}),
      };
    });
    const review: Review = { id, input, files, ...(result.problem ? { problem: result.problem } : {}) };
    this.reviews.set(id, review);
    this.log.info(
      `review ${id}: ${files.map((file) => `${file.plan.path} ${file.plan.kind}`).join(', ') || 'nothing'}`,
    );
    return this.publish(review);
  }

  /** A panel button: one file (`fileId`) or every pending file of the review. */
  async decide(reviewId: string, decision: FileReviewDecision, fileId?: string): Promise<FileReviewView | undefined> {
    const review = this.reviews.get(reviewId);
    if (!review) return undefined;
    const chosen = review.files.filter(
      (file) => file.state === 'pending' && (fileId === undefined || file.id === fileId),
    );
    switch (decision) {
      case 'accept':
        return this.accept(review, chosen);
      case 'reject':
        for (const file of chosen) this.finish(file, 'rejected', 'Rejected. The file was not changed.');
        await this.closeDiffs(chosen);
        return this.publish(review);
      case 'showDiff':
        if (fileId === undefined) await this.showAll(review, chosen);
        else if (chosen[0]) await this.showDiff(review, chosen[0]);
        return this.view(review);
    }
  }

  /** The review's current view (tests, and after a decision). */
  view(review: Review): FileReviewView {
    return {
      id: review.id,
      files: review.files.map((file) => ({
        id: file.id,
        path: file.plan.path,
        change: file.plan.kind,
        state: file.state,
        added: file.plan.added,
        removed: file.plan.removed,
        ...(file.message ? { message: file.message } : {}),
      })),
      ...(review.problem ? { problem: review.problem } : {}),
    };
  }

  /** The id of the review file whose virtual side `target` is, for the diff's title actions. */
  fileFrom(target: unknown): { reviewId: string; fileId: string } | undefined {
    if (!(target instanceof vscode.Uri) || target.scheme !== REVIEW_SCHEME) return undefined;
    const [reviewId, index] = target.query.split('/');
    const file = this.reviews.get(reviewId ?? '')?.files[Number(index)];
    return reviewId && file ? { reviewId, fileId: file.id } : undefined;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  async showDiff(review: Review, file: ReviewFile): Promise<void> {
    await vscode.commands.executeCommand(
      'vscode.diff',
      file.originalUri,
      file.proposedUri,
      `${file.plan.path} ↔ R1's ${describeChange(file.plan)} (${review.input.title})`,
      { preview: true },
    );
  }

  private async showAll(review: Review, files: readonly ReviewFile[]): Promise<void> {
    if (!files.length) return;
    await vscode.commands.executeCommand(
      'vscode.changes',
      `R1: ${review.input.title}`,
      files.map((file) => [file.uri, file.originalUri, file.proposedUri]),
    );
  }

  private async accept(review: Review, chosen: readonly ReviewFile[]): Promise<FileReviewView> {
    const deletions = chosen.filter((file) => file.plan.kind === 'delete');
    let accepted = chosen;
    if (deletions.length > 0) {
      const names = deletions.map((file) => file.plan.path).join(', ');
      const confirm = await vscode.window.showWarningMessage(
        `R1: delete ${names}? The answer asks to delete ${deletions.length === 1 ? 'this file' : 'these files'}.`,
        { modal: true, detail: 'Undo (Ctrl+Z) restores it with the other files of this edit.' },
        'Delete',
      );
      // Not confirmed: the deletions stay pending, the other files go ahead.
      if (confirm !== 'Delete') accepted = chosen.filter((file) => file.plan.kind !== 'delete');
    }
    const edit = new vscode.WorkspaceEdit();
    const applying: ReviewFile[] = [];
    for (const file of accepted) {
      if (await this.addToEdit(review, file, edit)) applying.push(file);
    }
    if (applying.length > 0) {
      const applied = await vscode.workspace.applyEdit(edit);
      for (const file of applying) {
        if (applied) this.finish(file, 'applied', appliedMessage(file.plan));
        else
          this.finish(
            file,
            'refused',
            'VS Code could not apply the edit (is the file read-only?). Nothing was changed.',
          );
      }
      this.log.info(`review ${review.id}: ${applied ? 'applied' : 'could not apply'} ${applying.length} file(s)`);
    }
    await this.closeDiffs(accepted);
    return this.publish(review);
  }

  /**
   * Adds one file's change to the edit, after checking the file against the text it was planned
   * on: changed since, it is planned again from the same answer; returns false when refused.
   */
  private async addToEdit(review: Review, file: ReviewFile, edit: vscode.WorkspaceEdit): Promise<boolean> {
    if (vscode.workspace.fs.isWritableFileSystem(file.uri.scheme) === false) {
      this.finish(file, 'refused', 'The file is read-only. Nothing was changed.');
      return false;
    }
    const current = await readText(file.uri);
    const plan = file.plan;
    if (plan.kind === 'create') {
      if (current !== undefined) {
        this.finish(
          file,
          'refused',
          `${plan.path} was created since the edit was planned, so it is not overwritten. Nothing was changed.`,
        );
        return false;
      }
      edit.createFile(file.uri, { contents: new TextEncoder().encode(plan.newText ?? ''), ignoreIfExists: false });
      return true;
    }
    if (current === undefined) {
      this.finish(file, 'refused', `${plan.path} could not be read (was it deleted or moved?). Nothing was changed.`);
      return false;
    }
    if (current !== plan.oldText) {
      const replanned = await this.replan(review, file, current);
      if (replanned.kind === 'unchanged') {
        this.finish(
          file,
          'refused',
          `${plan.path} changed since the edit was planned, and already reads as the answer has it. Nothing was changed.`,
        );
        return false;
      }
      if (replanned.kind !== plan.kind || (replanned.kind === 'modify' && replanned.newText === undefined)) {
        const why = replanned.kind === 'refused' ? ` ${replanned.reason ?? ''}` : '';
        this.finish(
          file,
          'refused',
          `${plan.path} changed since the edit was planned, and the answer could not be placed in it again.${why}`.trim(),
        );
        return false;
      }
      if (replanned.kind === 'modify' && replanned.mode === 'whole') {
        // A whole file replaces what is there: accepting it now would undo the changes made since.
        this.finish(
          file,
          'refused',
          `${plan.path} changed since the edit was planned, and the answer restates the whole file, so accepting it would undo those changes. Nothing was changed; ask again to edit the current file.`,
        );
        return false;
      }
      file.plan = replanned;
      this.log.info(`review ${review.id}: ${plan.path} changed since planning; planned again`);
    }
    if (file.plan.kind === 'delete') {
      edit.deleteFile(file.uri, { ignoreIfNotExists: false });
      return true;
    }
    const document = await vscode.workspace.openTextDocument(file.uri);
    const oldText = document.getText();
    const newText = withoutBom(file.plan.newText ?? '');
    const change = minimalChange(oldText, newText);
    edit.replace(
      file.uri,
      new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)),
      change.text,
    );
    return true;
  }

  /** The same answer planned again, with this file's current text. */
  private async replan(review: Review, file: ReviewFile, current: string): Promise<FilePlan> {
    const root = workspaceRoot();
    if (!root) return { ...file.plan, kind: 'refused', reason: 'The workspace folder is gone.' };
    const workspaceFiles = await listWorkspaceFiles(root);
    const texts = await readTexts(root, pathsToRead(review.input.output, workspaceFiles));
    texts.set(file.plan.path, current);
    const result = planFiles({
      output: review.input.output,
      ending: review.input.ending,
      workspaceFiles,
      readFile: (path) => texts.get(path),
      allowDeletes: review.input.allowDeletes,
    });
    return (
      result.files.find((candidate) => candidate.path === file.plan.path) ?? {
        ...file.plan,
        kind: 'refused',
        reason: 'The answer no longer applies to it.',
      }
    );
  }

  private finish(file: ReviewFile, state: FileReviewEntry['state'], message: string): void {
    file.state = state;
    file.message = message;
  }

  private publish(review: Review): FileReviewView {
    const view = this.view(review);
    this.notify(review.input.turnId, view);
    return view;
  }

  /** Closes the diffs of these files, and a multi-file diff that shows only files of this review. */
  private async closeDiffs(files: readonly ReviewFile[]): Promise<void> {
    const proposed = new Set(files.map((file) => file.proposedUri.toString()));
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => {
        if (tab.input instanceof vscode.TabInputTextDiff) return proposed.has(tab.input.modified.toString());
        const diffs = multiDiffSides(tab.input);
        return diffs !== undefined && diffs.length > 0 && diffs.every((uri) => proposed.has(uri.toString()));
      });
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }
}

/** The right sides of a multi-file diff tab (TabInputTextMultiDiff, newer than the API this extension targets). */
function multiDiffSides(input: unknown): vscode.Uri[] | undefined {
  const diffs = (input as { textDiffs?: unknown } | undefined)?.textDiffs;
  if (!Array.isArray(diffs)) return undefined;
  return diffs.flatMap((diff: unknown) => {
    const modified = (diff as { modified?: unknown } | undefined)?.modified;
    return modified instanceof vscode.Uri ? [modified] : [];
  });
}

function describeChange(plan: FilePlan): string {
  return plan.kind === 'create' ? 'new file' : plan.kind === 'delete' ? 'deletion' : 'edit';
}

function appliedMessage(plan: FilePlan): string {
  const what = plan.kind === 'create' ? 'Created' : plan.kind === 'delete' ? 'Deleted' : 'Applied';
  return `${what}. Undo (Ctrl+Z) restores it, with the other files accepted together.`;
}

function workspaceRoot(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** Most files listed for resolving labels: a bare name is looked up among them. */
const MAX_WORKSPACE_FILES = 20_000;

/** Workspace-relative paths (forward slashes) of the first folder's files, VS Code's excludes applied. */
async function listWorkspaceFiles(root: vscode.Uri): Promise<string[]> {
  const uris = await vscode.workspace.findFiles(
    new vscode.RelativePattern(root, '**/*'),
    '**/{node_modules,.git}/**',
    MAX_WORKSPACE_FILES,
  );
  const prefix = root.path.endsWith('/') ? root.path : `${root.path}/`;
  return uris.flatMap((uri) => (uri.path.startsWith(prefix) ? [uri.path.slice(prefix.length)] : []));
}

async function readTexts(root: vscode.Uri, paths: readonly string[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  await Promise.all(
    paths.map(async (path) => {
      const text = await readText(vscode.Uri.joinPath(root, path));
      if (text !== undefined) texts.set(path, text);
    }),
  );
  return texts;
}

/**
 * A file's text as the editor holds it: the open document (unsaved changes included), else the
 * document VS Code opens from disk, so what is planned is what the edit is applied to. Undefined
 * when the file does not exist or cannot be opened as text.
 */
async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open && !open.isClosed) return open.getText();
  try {
    await vscode.workspace.fs.stat(uri);
    return (await vscode.workspace.openTextDocument(uri)).getText();
  } catch {
    return undefined;
  }
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** The smallest replacement that turns `before` into `after`: the common start and end stay untouched. */
export function minimalChange(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (
    tail < shorter - start &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  )
    tail++;
  // Never split a CRLF pair: the editor treats it as one line break.
  while (start > 0 && before[start - 1] === '\r' && before[start] === '\n') start--;
  while (tail > 0 && before[before.length - tail - 1] === '\r' && before[before.length - tail] === '\n') tail--;
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}
