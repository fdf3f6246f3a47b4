import * as vscode from 'vscode';
import { severityName } from './context/problems';
import { listFencedBlocks } from '../core/apply/extractCode';
import { locateBlock } from '../core/apply/locateBlock';
import { unfinishedAnswerReason } from '../core/apply/planEdit';
import type { FixTarget, Turn } from '../core/turn';
import { buildAskAboutSelection, buildExplainPrompt, buildFixPrompt, type SelectionPromptInput } from '../core/prompts';
import type { CodeBlockAction, EditProposalView } from '../shared/protocol';
import type { ChatController, FollowUp } from './chatController';
import type { Range0 } from '../core/apply/textModel';
import type { EditProposals } from './editProposals';
import { gatherLanguageContext } from './context/languageContext';

/** The selection as a plain object: everything the prompts and the planner need, nothing of vscode. */
export interface SelectionRequest extends SelectionPromptInput {
  readonly uri: vscode.Uri;
  readonly selectionText: string;
}

/** Optional arguments when invoked from a quick fix (or a test) rather than the active editor. */
export interface SelectionArgs {
  readonly uri?: vscode.Uri;
  readonly range?: vscode.Range;
  readonly diagnostics?: readonly vscode.Diagnostic[];
}

export async function selectionRequest(args: SelectionArgs | undefined): Promise<SelectionRequest | undefined> {
  const editor = vscode.window.activeTextEditor;
  const document = args?.uri ? await vscode.workspace.openTextDocument(args.uri) : editor?.document;
  if (!document) {
    void vscode.window.showInformationMessage('R1: open a file and select some code first.');
    return undefined;
  }
  let range: vscode.Range | undefined = args?.range ?? (editor?.document === document ? editor.selection : undefined);
  if (!range || range.isEmpty) {
    // No selection: use the current line, which is what "fix this" usually means.
    const line = editor?.document === document ? editor.selection.active.line : (range?.start.line ?? 0);
    range = document.lineAt(line).range;
  }
  if (range.isEmpty) {
    void vscode.window.showInformationMessage('R1: select the code to explain or fix.');
    return undefined;
  }
  const diagnostics = (
    args?.diagnostics ??
    vscode.languages.getDiagnostics(document.uri).filter((d) => d.range.intersection(range) !== undefined)
  ).map((diagnostic) => ({
    message: diagnostic.message,
    severity: severityName(diagnostic.severity),
    line: diagnostic.range.start.line,
    source: diagnostic.source,
    code:
      typeof diagnostic.code === 'object'
        ? String(diagnostic.code.value)
        : diagnostic.code === undefined
          ? undefined
          : String(diagnostic.code),
  }));
  return {
    uri: document.uri,
    filePath: vscode.workspace.asRelativePath(document.uri, false),
    languageId: document.languageId,
    documentText: document.getText(),
    selection: toRange0(range),
    selectionText: document.getText(range),
    diagnostics,
  };
}

/**
 * Adds what the language server knows (the enclosing symbol, the definitions the selection uses) to
 * an Explain/Fix request; without an answer the prompt keeps its few lines around the selection.
 */
async function withLanguageContext(request: SelectionRequest): Promise<SelectionRequest> {
  const document = await vscode.workspace.openTextDocument(request.uri);
  const { start, end } = request.selection;
  const languageContext = await vscode.window
    .withProgress({ location: vscode.ProgressLocation.Window, title: 'R1: asking the language server…' }, () =>
      gatherLanguageContext(document, new vscode.Range(start.line, start.character, end.line, end.character)),
    )
    .then(undefined, () => undefined);
  return languageContext ? { ...request, languageContext } : request;
}

export function describeTarget(request: { readonly filePath: string; readonly selection: Range0 }): string {
  const start = request.selection.start.line + 1;
  const end = request.selection.end.line + 1;
  return `${request.filePath}:${start === end ? start : `${start}–${end}`}`;
}

export async function explainSelection(controller: ChatController, args?: SelectionArgs): Promise<void> {
  const plain = await selectionRequest(args);
  if (!plain) return;
  await controller.reveal();
  const request = await withLanguageContext(plain);
  await controller.ask(buildExplainPrompt(request), `Explain ${describeTarget(request)}`);
}

/** Resolves with the proposal (pending, or refused with the reason the panel shows), or undefined when nothing was asked. */
export async function fixSelection(
  controller: ChatController,
  proposals: EditProposals,
  args?: SelectionArgs,
): Promise<EditProposalView | undefined> {
  const plain = await selectionRequest(args);
  if (!plain) return undefined;
  await controller.reveal();
  const request = await withLanguageContext(plain);
  const target = describeTarget(request);
  // Saved with the turn: Retry (even after a reload) proposes against the same file and selection.
  const fix: FixTarget = {
    documentUri: request.uri.toString(),
    selection: request.selection,
    selectionText: request.selectionText,
    target,
  };
  const turn = await controller.ask(buildFixPrompt(request), `Fix ${target}`, undefined, fix);
  return proposeFix(proposals, fix, turn);
}

/** What Retry of a Fix turn runs on the new turn (the controller gets this as a factory). */
export function fixFollowUp(proposals: EditProposals, fix: FixTarget): FollowUp {
  return (turn) => proposeFix(proposals, fix, turn);
}

/** Plans a Fix turn's answer, unless the turn did not end normally: a cut-off answer is never applied. */
async function proposeFix(proposals: EditProposals, fix: FixTarget, turn: Turn): Promise<EditProposalView> {
  const unfinished = unfinishedAnswerReason(turn);
  if (unfinished) return proposals.refuse(turn.id, fix.target, unfinished);
  return proposals.propose({
    turnId: turn.id,
    documentUri: vscode.Uri.parse(fix.documentUri, true),
    target: fix.target,
    selection: fix.selection,
    selectionText: fix.selectionText,
    answer: turn.answer,
    finishReason: turn.finishReason,
    purpose: 'fix',
  });
}

export async function askAboutSelection(controller: ChatController, args?: SelectionArgs): Promise<void> {
  const request = await selectionRequest(args);
  if (!request) return;
  await controller.reveal();
  controller.setInput(buildAskAboutSelection(request));
}

/** A code block's "Apply to selection" / "Insert at cursor" button in an ordinary chat answer. */
export async function applyCodeBlock(
  controller: ChatController,
  proposals: EditProposals,
  turnId: string,
  blockIndex: number,
  mode: CodeBlockAction,
): Promise<EditProposalView | undefined> {
  const turn = controller.conversation().turns.find((candidate) => candidate.id === turnId);
  // The same blocks the panel numbered (both use markdown-it), with whether each was closed.
  const block = turn ? listFencedBlocks(turn.answer)[blockIndex] : undefined;
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!turn || !block) return undefined;
  if (!editor) {
    void vscode.window.showInformationMessage('R1: open the file to apply the code to first.');
    return undefined;
  }
  const filePath = vscode.workspace.asRelativePath(editor.document.uri, false);
  if (!block.closed) {
    // The fence never closed: the stream may have been cut inside the code.
    return proposals.refuse(
      turnId,
      describeTarget({ filePath, selection: toRange0(editor.selection) }),
      'This code block has no closing fence, so it may be cut off. Nothing was changed.',
    );
  }
  if (mode === 'insertAtCursor') {
    const target = describeTarget({ filePath, selection: toRange0(editor.selection) });
    // false for a read-only editor; a rejection when the editor closed meanwhile.
    const inserted = await editor
      .edit((builder) => builder.insert(editor.selection.active, block.code))
      .then(
        (applied) => applied,
        () => false,
      );
    if (!inserted) {
      void vscode.window.showWarningMessage(
        `R1: could not insert the code into ${target} (is the editor read-only?). Nothing was changed.`,
      );
    }
    return undefined;
  }
  // Applying goes through the planner and the diff preview, like Fix Selection.
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(block.code) + 1));
  const answer = `${fence}${block.language}\n${block.code}${fence}\n`;
  let selection = toRange0(editor.selection);
  if (editor.selection.isEmpty) {
    // Nothing selected: the block replaces the code it restates, found in the whole file by content
    // (never inserted at the cursor; Insert at cursor is the explicit choice for that).
    const located = locateBlock({
      documentText: editor.document.getText(),
      answer,
      languageId: editor.document.languageId,
      cursorLine: editor.selection.active.line,
    });
    if (located.kind === 'refused') return proposals.refuse(turnId, filePath, located.reason);
    selection = located.range;
  }
  const range = new vscode.Range(
    selection.start.line,
    selection.start.character,
    selection.end.line,
    selection.end.character,
  );
  return proposals.propose({
    turnId,
    documentUri: editor.document.uri,
    target: describeTarget({ filePath, selection }),
    selection,
    selectionText: editor.document.getText(range),
    answer,
    purpose: 'apply',
  });
}

/** "Fix with R1" on diagnostics: passes the diagnostics' messages along. */
export class FixWithR1CodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };
  /** Saved files and unsaved (untitled) editors alike. */
  static readonly selector: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];

  constructor(private readonly fixCommand: string) {}

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    if (!context.diagnostics.length) return [];
    // Fix the lines the diagnostics cover (or the selection, if larger).
    const covered = context.diagnostics.reduce((union, diagnostic) => union.union(diagnostic.range), range);
    const lines = new vscode.Range(
      covered.start.line,
      0,
      covered.end.line,
      document.lineAt(covered.end.line).text.length,
    );
    const action = new vscode.CodeAction('Fix with R1', vscode.CodeActionKind.QuickFix);
    action.diagnostics = [...context.diagnostics];
    action.command = {
      command: this.fixCommand,
      title: 'Fix with R1',
      arguments: [{ uri: document.uri, range: lines, diagnostics: [...context.diagnostics] } satisfies SelectionArgs],
    };
    return [action];
  }
}

function toRange0(range: vscode.Range): Range0 {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
