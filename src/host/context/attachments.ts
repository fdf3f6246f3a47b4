import * as vscode from 'vscode';
import { compileGlobs } from '../../core/context/glob';
import { MAX_ATTACHMENT_BYTES } from '../../core/context/defaults';
import { PendingAttachments, type ActiveEditorContext, type PendingChip } from '../../core/context/pendingAttachments';
import { excludedReason, sizeReason } from '../../core/context/screen';
import { chipText } from '../../core/context/summary';
import type { CarriedFile, ContextItem, ContextRefusal, LineSpan } from '../../core/context/types';
import type { AttachmentChipWire, HostMessage } from '../../shared/protocol';
import { PROPOSED_SCHEME } from '../commandIds';
import { readContextExclude, readIncludeActiveFile } from '../settings';
import type { AttachmentSink, GatheredContext } from './gathered';

/** Editor events come in bursts (typing, scrolling): the chips follow this long after the last. */
const FOLLOW_DEBOUNCE_MS = 200;

/** Documents of these schemes are files the user works on (not output, diff previews or settings UIs). */
const ATTACHABLE_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);

/** What the chips' preview needs from the chat: the budget of the next question and what earlier turns carried. */
export interface PreviewBasis {
  readonly budgetTokens: number;
  readonly earlier: readonly CarriedFile[];
}

/**
 * The attachments of the panel's next question: the active editor's file and selection (by
 * default, r1Coder.chat.includeActiveFile) and whatever context sources add (AttachmentSink). The
 * rules are PendingAttachments' (src/core); this class feeds it the editor and posts the chips.
 *
 * It follows the active editor only while a panel is connected (connect/disconnect): nothing runs
 * at activation. A question reads the active editor afresh (forQuestion), connected or not.
 */
export class AttachmentSet implements AttachmentSink, vscode.Disposable {
  private readonly pending = new PendingAttachments(() => readContextExclude());
  private listeners: vscode.Disposable[] = [];
  private post: ((message: HostMessage) => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The last text editor that was active: focusing the panel or the terminal keeps it. */
  private lastEditor: vscode.TextEditor | undefined;
  private additionCount = 0;
  /** Bumped on every change, so a slow preview never posts over a newer one. */
  private generation = 0;

  constructor(
    private readonly previewBasis: () => Promise<PreviewBasis>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** How many times something was added (the `#` picker's caller compares it before and after). */
  get additions(): number {
    return this.additionCount;
  }

  add(gathered: GatheredContext): void {
    this.pending.add(gathered);
    this.additionCount++;
    if (gathered.note) void vscode.window.showInformationMessage(`R1: ${gathered.note}`);
    this.schedule(0);
  }

  /** The panel connected: follow the active editor and keep its chips up to date. */
  connect(post: (message: HostMessage) => void): void {
    this.disconnect();
    this.post = post;
    const follow = () => this.schedule(FOLLOW_DEBOUNCE_MS);
    this.listeners = [
      vscode.window.onDidChangeActiveTextEditor(follow),
      vscode.window.onDidChangeTextEditorSelection(follow),
      vscode.window.onDidChangeTextEditorVisibleRanges(follow),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.lastEditor?.document) follow();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('r1Coder')) follow();
      }),
    ];
    this.schedule(0);
  }

  disconnect(): void {
    for (const listener of this.listeners) listener.dispose();
    this.listeners = [];
    this.post = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  remove(id: string): void {
    this.refreshActive();
    if (this.pending.remove(id)) this.schedule(0);
  }

  /** What the next question carries, the active editor read now. */
  forQuestion(): { readonly items: readonly ContextItem[]; readonly refused: readonly ContextRefusal[] } {
    this.refreshActive();
    return this.pending.forQuestion();
  }

  /** The question was sent: its attachments go, the active file's chip comes back. */
  sent(): void {
    this.pending.sent();
    this.schedule(0);
  }

  /** The conversation changed (a turn ended, New Chat, another conversation): what is resent may differ. */
  refresh(): void {
    this.schedule(0);
  }

  /** The chips as the panel shows them now (the active editor read now). */
  async chips(): Promise<AttachmentChipWire[]> {
    this.refreshActive();
    const basis = await this.previewBasis();
    return this.pending.preview(basis.budgetTokens, basis.earlier).map(toChipWire);
  }

  dispose(): void {
    this.disconnect();
  }

  private schedule(delayMs: number): void {
    if (!this.post) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.postChips();
    }, delayMs);
  }

  private async postChips(): Promise<void> {
    const generation = ++this.generation;
    try {
      const chips = await this.chips();
      if (generation === this.generation) this.post?.({ type: 'attachments', chips });
    } catch (error) {
      this.log.warn(`attachments: ${String(error)}`);
    }
  }

  /** Reads the active editor into the pending set (or nothing, with the setting off). */
  private refreshActive(): void {
    const current = vscode.window.activeTextEditor;
    if (current && isAttachable(current.document)) this.lastEditor = current;
    else if (this.lastEditor?.document.isClosed) this.lastEditor = undefined;
    const editor = this.lastEditor;
    this.pending.setActive(editor && readIncludeActiveFile() ? activeContext(editor) : undefined);
  }
}

function isAttachable(document: vscode.TextDocument): boolean {
  return ATTACHABLE_SCHEMES.has(document.uri.scheme) && document.uri.scheme !== PROPOSED_SCHEME;
}

/**
 * The active editor's file and selection. The path is screened before the text is read: an
 * excluded or too-large file is refused with its reason, and its text never leaves the document.
 */
export function activeContext(editor: vscode.TextEditor): ActiveEditorContext {
  const document = editor.document;
  const path =
    document.uri.scheme === 'untitled' ? document.uri.path : vscode.workspace.asRelativePath(document.uri, false);
  const excluded = excludedReason(path, compileGlobs(readContextExclude()));
  if (excluded) return { path, refused: { path, reason: excluded } };
  const text = document.getText();
  // A document's length in UTF-16 units is a lower bound of its UTF-8 size: enough to refuse early.
  const tooLarge = sizeReason(text.length, MAX_ATTACHMENT_BYTES);
  if (tooLarge) return { path, refused: { path, reason: tooLarge } };
  const file: ContextItem = {
    kind: 'activeFile',
    path,
    languageId: document.languageId,
    text,
    focus: focusOf(editor),
    origin: 'activeEditor',
  };
  const selectionRange = editor.selection;
  const selected = selectionRange.isEmpty ? '' : document.getText(selectionRange);
  const selection: ContextItem | undefined = selected.trim()
    ? {
        kind: 'selection',
        path,
        languageId: document.languageId,
        text: selected,
        firstLine: selectionRange.start.line,
        origin: 'activeEditor',
      }
    : undefined;
  return { path, file, ...(selection && { selection }) };
}

/** The lines kept when the file must be trimmed: the visible range holding the cursor, else the cursor's line. */
function focusOf(editor: vscode.TextEditor): LineSpan {
  const cursor = editor.selection.active.line;
  const visible = editor.visibleRanges.find((range) => range.start.line <= cursor && cursor <= range.end.line);
  return visible ? { first: visible.start.line, last: visible.end.line } : { first: cursor, last: cursor };
}

function toChipWire(chip: PendingChip): AttachmentChipWire {
  const text = chipText(chip.summary);
  return { id: chip.id, label: text.label, detail: text.detail, tone: text.tone };
}
