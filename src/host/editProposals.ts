import * as vscode from 'vscode';
import { planEdit } from '../core/apply/planEdit';
import type { Range0 } from '../core/apply/textModel';
import type { EditProposalView } from '../shared/protocol';
import { ANY_PROPOSAL_CONTEXT_KEY, PROPOSED_SCHEME } from './commandIds';
import { walkthroughEvent } from './walkthrough';

/** What a proposal is: Fix Selection's fix, or a chat answer's code block applied (Apply to selection). */
export type ProposalPurpose = 'fix' | 'apply';

/** What the diff and the messages call a proposal, by purpose. */
const PURPOSE_NAMES: Record<ProposalPurpose, { readonly diffTitle: string; readonly noun: string }> = {
  fix: { diffTitle: "R1's fix", noun: 'fix' },
  apply: { diffTitle: "R1's proposed edit", noun: 'edit' },
};

interface Proposal {
  readonly id: string;
  readonly purpose: ProposalPurpose;
  readonly turnId: string;
  readonly documentUri: vscode.Uri;
  readonly proposedUri: vscode.Uri;
  readonly target: string;
  /** The whole document when the edit was planned; a different text at accept time means re-plan. */
  readonly plannedAgainst: string;
  readonly range: Range0;
  readonly newText: string;
  readonly newDocumentText: string;
  /** What the user had selected, for re-anchoring if the file changed meanwhile. */
  readonly selection: Range0;
  readonly selectionText: string;
  readonly answer: string;
  readonly languageId: string;
  state: EditProposalView['state'];
}

export interface ProposalInput {
  readonly turnId: string;
  readonly documentUri: vscode.Uri;
  readonly target: string;
  readonly selection: Range0;
  readonly selectionText: string;
  readonly answer: string;
  readonly finishReason?: string;
  readonly purpose: ProposalPurpose;
}

/**
 * Proposed edits: planned by the pure planner, previewed with vscode.diff against a virtual
 * document, applied as ONE WorkspaceEdit (one undo restores the file), never half-applied.
 */
export class EditProposals implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private nextId = 1;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly notify: (turnId: string, proposal: EditProposalView) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this), this.changed];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(proposalIdOf(uri))?.newDocumentText ?? '';
  }

  /** Says in the panel, as a refused proposal, why no edit was planned for a turn (e.g. its answer was cut off). */
  refuse(turnId: string, target: string, reason: string): EditProposalView {
    const view: EditProposalView = { id: `edit-${this.nextId++}`, target, state: 'refused', message: reason };
    this.notify(turnId, view);
    return view;
  }

  /** Plans the edit for a finished turn; shows the diff, or says in the panel why it was refused. */
  async propose(input: ProposalInput): Promise<EditProposalView> {
    const document = await openDocument(input.documentUri);
    if (!document) return this.refuse(input.turnId, input.target, cannotOpen(input.documentUri));
    const plannedAgainst = document.getText();
    const plan = planEdit({
      documentText: plannedAgainst,
      selection: input.selection,
      answer: input.answer,
      finishReason: input.finishReason,
      originalSelectionText: input.selectionText,
      languageId: document.languageId,
    });
    if (plan.kind === 'refused') return this.refuse(input.turnId, input.target, plan.reason);
    const id = `edit-${this.nextId++}`;
    const proposedUri = vscode.Uri.from({
      scheme: PROPOSED_SCHEME,
      path: `/${id}/${input.documentUri.path.split('/').pop() ?? 'proposal'}`,
    });
    const proposal: Proposal = {
      id,
      purpose: input.purpose,
      turnId: input.turnId,
      documentUri: input.documentUri,
      proposedUri,
      target: input.target,
      plannedAgainst,
      range: plan.range,
      newText: plan.newText,
      newDocumentText: plan.newDocumentText,
      selection: input.selection,
      selectionText: input.selectionText,
      answer: input.answer,
      languageId: document.languageId,
      state: 'pending',
    };
    this.proposals.set(id, proposal);
    this.updateContext();
    this.notify(input.turnId, this.view(proposal));
    await this.showDiff(id);
    return this.view(proposal);
  }

  async showDiff(id: string): Promise<void> {
    const proposal = this.proposals.get(id);
    if (!proposal || proposal.state !== 'pending') return;
    await vscode.commands.executeCommand(
      'vscode.diff',
      proposal.documentUri,
      proposal.proposedUri,
      `${proposal.target} ↔ ${PURPOSE_NAMES[proposal.purpose].diffTitle}`,
      { preview: true },
    );
  }

  /** Accepts the proposal shown in the active diff editor, or the given one. */
  async accept(id = this.activeProposalId()): Promise<EditProposalView | undefined> {
    const proposal = id ? this.proposals.get(id) : undefined;
    if (!proposal || proposal.state !== 'pending') return undefined;
    // applyEdit succeeds on a read-only file system: it changes the open model, which can then never be saved.
    if (vscode.workspace.fs.isWritableFileSystem(proposal.documentUri.scheme) === false) {
      return this.finish(proposal, 'refused', 'The file is read-only. Nothing was changed.');
    }
    // Closed meanwhile is fine (it opens again); deleted or moved is not.
    const document = await openDocument(proposal.documentUri);
    if (!document) return this.finish(proposal, 'refused', cannotOpen(proposal.documentUri));
    let range = proposal.range;
    let newText = proposal.newText;
    const current = document.getText();
    if (current !== proposal.plannedAgainst) {
      // The file changed while the user looked at the diff: plan again against what is there now.
      const replanned = planEdit({
        documentText: current,
        selection: proposal.selection,
        answer: proposal.answer,
        originalSelectionText: proposal.selectionText,
        languageId: proposal.languageId,
      });
      if (replanned.kind === 'refused') {
        return this.finish(
          proposal,
          'refused',
          `The file changed since the ${PURPOSE_NAMES[proposal.purpose].noun} was proposed, and it could not be placed safely: ${replanned.reason}`,
        );
      }
      range = replanned.range;
      newText = replanned.newText;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      proposal.documentUri,
      new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character),
      newText,
    );
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) {
      return this.finish(
        proposal,
        'refused',
        'VS Code could not apply the edit (is the file read-only?). Nothing was changed.',
      );
    }
    this.log.info(`applied ${proposal.id} to ${proposal.target}`);
    walkthroughEvent('fixAccepted');
    const view = await this.finish(proposal, 'applied', 'Applied. Undo (Ctrl+Z) in the file restores it.');
    // Closed meanwhile: show the changed file, rather than leave it dirty where nobody sees it.
    if (!isOpenInTab(proposal.documentUri)) await vscode.window.showTextDocument(document, { preview: false });
    return view;
  }

  async reject(id = this.activeProposalId()): Promise<EditProposalView | undefined> {
    const proposal = id ? this.proposals.get(id) : undefined;
    if (!proposal || proposal.state !== 'pending') return undefined;
    return this.finish(proposal, 'rejected', 'Rejected. The file was not changed.');
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private async finish(
    proposal: Proposal,
    state: EditProposalView['state'],
    message: string,
  ): Promise<EditProposalView> {
    proposal.state = state;
    this.updateContext();
    const view = this.view(proposal, message);
    this.notify(proposal.turnId, view);
    await this.closeDiff(proposal);
    return view;
  }

  private async closeDiff(proposal: Proposal): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs);
    const open = tabs.filter(
      (tab) =>
        tab.input instanceof vscode.TabInputTextDiff &&
        tab.input.modified.toString() === proposal.proposedUri.toString(),
    );
    if (open.length) await vscode.window.tabGroups.close(open);
  }

  /**
   * The proposal a command argument names: the `r1-proposed:` URI VS Code passes to an editor-title
   * action (the diff's modified side), or a proposal id. Undefined otherwise (then the active one).
   */
  proposalIdFrom(target: unknown): string | undefined {
    if (typeof target === 'string' && this.proposals.has(target)) return target;
    if (target instanceof vscode.Uri && target.scheme === PROPOSED_SCHEME) return proposalIdOf(target);
    return undefined;
  }

  private activeProposalId(): string | undefined {
    // The active tab first: with the diff's original (left) side focused, the active editor is the
    // user's own file, and falling through to "newest pending" would accept a different proposal.
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSED_SCHEME)
      return proposalIdOf(input.modified);
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme === PROPOSED_SCHEME) return proposalIdOf(uri);
    // Fall back to the newest pending proposal (e.g. the command palette with the diff not focused).
    return [...this.proposals.values()].reverse().find((proposal) => proposal.state === 'pending')?.id;
  }

  private updateContext(): void {
    const pending = [...this.proposals.values()].some((proposal) => proposal.state === 'pending');
    void vscode.commands.executeCommand('setContext', ANY_PROPOSAL_CONTEXT_KEY, pending);
  }

  private view(proposal: Proposal, message?: string): EditProposalView {
    return { id: proposal.id, target: proposal.target, state: proposal.state, message };
  }
}

function isOpenInTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((group) =>
    group.tabs.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === key),
  );
}

/** The document, or undefined when its file is gone: a closed document can linger in memory after its file was deleted. */
async function openDocument(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  try {
    // isWritableFileSystem is undefined for schemes without a file system (untitled), which have no file to lose.
    if (vscode.workspace.fs.isWritableFileSystem(uri.scheme) !== undefined) await vscode.workspace.fs.stat(uri);
    return await vscode.workspace.openTextDocument(uri);
  } catch {
    return undefined;
  }
}

function cannotOpen(uri: vscode.Uri): string {
  return `${vscode.workspace.asRelativePath(uri, false)} could not be opened (was it deleted or moved?). Nothing was changed.`;
}

function proposalIdOf(uri: vscode.Uri): string {
  return uri.path.split('/')[1] ?? '';
}
