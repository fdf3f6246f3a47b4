import * as vscode from 'vscode';
import { listAnswerBlocks } from '../core/apply/fileBlocks';
import type { ContextItem } from '../core/context/types';
import { buildEditPrompt, requestAllowsDeletes, type EditPromptFile } from '../core/editPrompt';
import type { SourceKind } from '../core/sourceKind';
import type { FileReviewView } from '../shared/protocol';
import type { ChatController } from './chatController';
import type { MultiFileReview } from './multiFileReview';

/** The files an Edit request is about (the question's attachments), read when the request is made. */
export type WorkingSet = () => Promise<readonly ContextItem[]>;

export interface EditFilesDeps {
  readonly controller: ChatController;
  readonly review: MultiFileReview;
  /** The panel's attachments (the chips); they are spent once the request is sent. */
  readonly workingSet: WorkingSet;
}

/** Longest request shown as the turn's title. */
const TITLE_CHARS = 80;

/**
 * R1: Edit Files… and the panel's Edit mode: asks for the change across the working set with the
 * Edit prompt, then, once the answer has ended, plans every file it names and shows the review.
 * Resolves with the review, or undefined when nothing was asked.
 */
export async function editFiles(
  deps: EditFilesDeps,
  request?: string,
  source?: SourceKind,
): Promise<FileReviewView | undefined> {
  const text =
    request ??
    (await vscode.window.showInputBox({
      title: 'R1: Edit Files',
      prompt: 'Describe the change to make across the attached files (the chips above the panel input)',
      placeHolder: 'e.g. add a timeout option and use it in both clients',
      ignoreFocusOut: true,
    }));
  if (!text?.trim()) return undefined;
  const files = workingSetFiles(await deps.workingSet());
  if (files.length === 0) {
    // The panel cleared its input when it sent the request: give it back, so nothing is lost.
    if (request !== undefined) deps.controller.setInput(text);
    void vscode.window.showInformationMessage(
      'R1: attach the files to edit first (type # in the chat input, or R1: Add File to Chat; the active file counts), then send the request again.',
    );
    return undefined;
  }
  const allowDeletes = requestAllowsDeletes(text);
  const prompt = buildEditPrompt({ request: text, workingSet: files, allowDeletes });
  // Sent, as the chat's questions are: the chips go, the active file's comes back.
  deps.controller.attachments.sent();
  await deps.controller.reveal();
  const title = `Edit: ${text.trim().length > TITLE_CHARS ? `${text.trim().slice(0, TITLE_CHARS - 1)}…` : text.trim()}`;
  const turn = await deps.controller.ask(prompt.message, title, source);
  // A turn that did not end normally (cut, stopped, failed) is planned too: the planner refuses
  // every file with the reason, which the review then shows.
  const view = await deps.review.propose({ turnId: turn.id, output: turn.answer, ending: turn, allowDeletes, title });
  if (view.files.some((file) => file.state === 'pending')) await deps.review.decide(view.id, 'showDiff');
  return view;
}

/** The working set's files, once each, with the text they hold now. */
function workingSetFiles(items: readonly ContextItem[]): EditPromptFile[] {
  const seen = new Set<string>();
  return items.flatMap((item) => {
    if ((item.kind !== 'file' && item.kind !== 'activeFile') || !item.path || seen.has(item.path)) return [];
    seen.add(item.path);
    return [{ path: item.path, text: item.text, ...(item.languageId ? { languageId: item.languageId } : {}) }];
  });
}

/**
 * A code block's Apply to file: the block names its file (`File: path` before it, the path in its
 * info string or first line); it is planned against that file alone and reviewed in a diff.
 */
export async function applyBlockToFile(
  controller: ChatController,
  review: MultiFileReview,
  turnId: string,
  blockIndex: number,
): Promise<FileReviewView | undefined> {
  const turn = controller.conversation().turns.find((candidate) => candidate.id === turnId);
  const labelled = turn
    ? listAnswerBlocks(turn.answer).blocks.find((each) => each.block.index === blockIndex)
    : undefined;
  if (!turn || !labelled?.label) return undefined;
  const { block, label, code } = labelled;
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(code) + 1));
  // One labelled block, planned like an Edit answer; an unclosed one is refused as cut off.
  const body = code.endsWith('\n') ? code : `${code}\n`;
  const output = `File: ${label}\n${fence}${block.info}\n${body}${block.closed ? `${fence}\n` : ''}`;
  const view = await review.propose({
    turnId,
    output,
    ending: { status: 'done', finishReason: 'stop' },
    allowDeletes: false,
    title: `Apply to ${label}`,
  });
  const pending = view.files.find((file) => file.state === 'pending');
  if (pending) await review.decide(view.id, 'showDiff', pending.id);
  return view;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
