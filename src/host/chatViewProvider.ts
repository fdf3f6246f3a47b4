import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { assertNever } from '../core/chunks';
import {
  isSafeExternalLink,
  parseWebviewMessage,
  type CodeBlockAction,
  type EditDecision,
  type FileReviewDecision,
  type FixRunAction,
  type HostMessage,
  type WebviewMessage,
} from '../shared/protocol';
import type { SourceKind } from '../core/sourceKind';
import type { ChatController } from './chatController';
import { openExternalLink } from './chatController';
import { buildWebviewHtml, createNonce } from './webviewHtml';

/** The R1 Chat side-bar view: HTML shell, CSP, and validated messages both ways. */
export class ChatViewProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  /** Waiting `readInput` calls, answered by the panel's next `input` message. */
  private inputReplies: Array<(text: string) => void> = [];
  /** The panel's script is running (it said `ready`); until then an `openFind` waits. */
  private panelReady = false;
  private findPending = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: ChatController,
    private readonly editActions: {
      resolve(proposalId: string, decision: EditDecision): Promise<unknown>;
      applyCode(turnId: string, blockIndex: number, mode: CodeBlockAction): Promise<unknown>;
      /** The panel's Edit mode: the question is a change across the working set. */
      editFiles(text: string, source: SourceKind | undefined): Promise<unknown>;
      reviewFiles(reviewId: string, decision: FileReviewDecision, fileId: string | undefined): Promise<unknown>;
      applyToFile(turnId: string, blockIndex: number): Promise<unknown>;
      /** Fix ×N card buttons. */
      fixRun(runId: string, action: FixRunAction, group: number | undefined): Promise<unknown>;
    },
    private readonly log: vscode.LogOutputChannel,
    /** Runs when the panel opens: warms what it soon needs (the `#` picker's file index). */
    private readonly onResolve: () => void = () => undefined,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.panelReady = false;
    this.onResolve();
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = {
      enableScripts: true,
      // Model output may contain command: links; they must never run.
      enableCommandUris: false,
      localResourceRoots: [dist, media],
    };
    const asUri = (base: vscode.Uri, file: string) =>
      view.webview.asWebviewUri(vscode.Uri.joinPath(base, file)).toString();
    view.webview.html = buildWebviewHtml({
      cspSource: view.webview.cspSource,
      nonce: createNonce((size) => randomBytes(size)),
      scriptUri: asUri(dist, 'webview.js'),
      styleUris: [asUri(dist, 'codicon.css'), asUri(media, 'webview.css')],
    });
    view.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (!message) {
        this.log.warn('ignored a malformed message from the chat view');
        return;
      }
      this.handle(message).catch((error: unknown) => this.log.error(`chat view: ${String(error)}`));
    });
    view.onDidDispose(() => {
      if (this.view === view) {
        this.view = undefined;
        this.controller.detach();
      }
    });
  }

  /**
   * The text in the panel's input box as the panel itself reports it, or undefined when no panel is
   * loaded or it does not answer within `timeoutMs`. Test-only: reached through the test API.
   */
  readInput(timeoutMs = 2_000): Promise<string | undefined> {
    const view = this.view;
    if (!view) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const reply = (text: string | undefined) => {
        clearTimeout(timer);
        this.inputReplies = this.inputReplies.filter((other) => other !== reply);
        resolve(text);
      };
      const timer = setTimeout(() => reply(undefined), timeoutMs);
      this.inputReplies.push(reply);
      void view.webview.postMessage({ type: 'reportInput' } satisfies HostMessage);
    });
  }

  /** Find in Chat: shows the panel and opens its find bar (once the panel has loaded). */
  async openFind(): Promise<void> {
    await this.controller.reveal();
    if (this.view && this.panelReady) this.post({ type: 'openFind' });
    else this.findPending = true;
  }

  private post(message: HostMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.controller.attach((outgoing) => this.post(outgoing));
        this.panelReady = true;
        if (this.findPending) {
          this.findPending = false;
          this.post({ type: 'openFind' });
        }
        return;
      case 'ask':
        await this.controller.askWithContext(message.text, message.source, {
          ...(message.model && { model: message.model }),
          ...(message.effort && { effort: message.effort }),
        });
        return;
      case 'listModels':
        await this.controller.sendModels();
        return;
      case 'setDefaultModel':
        await this.controller.setDefaultModel(message.model);
        return;
      case 'removeAttachment':
        this.controller.attachments.remove(message.id);
        return;
      case 'pickAttachment':
        await this.controller.pickAttachment();
        return;
      case 'stop':
        await this.controller.stop();
        return;
      case 'answerNow':
        this.controller.answerNow(message.turnId);
        return;
      case 'retry':
        await this.controller.retry(message.turnId);
        return;
      case 'newChat':
        await this.controller.newChat();
        return;
      case 'runAction':
        await this.controller.runAction(message.action);
        return;
      case 'openLink':
        if (isSafeExternalLink(message.href)) await openExternalLink(message.href);
        else this.log.warn('refused to open a non-http(s) link from model output');
        return;
      case 'resolveEdit':
        await this.editActions.resolve(message.proposalId, message.decision);
        return;
      case 'applyCode':
        await this.editActions.applyCode(message.turnId, message.blockIndex, message.mode);
        return;
      case 'editFiles':
        await this.editActions.editFiles(message.text, message.source);
        return;
      case 'reviewFiles':
        await this.editActions.reviewFiles(message.reviewId, message.decision, message.fileId);
        return;
      case 'applyToFile':
        await this.editActions.applyToFile(message.turnId, message.blockIndex);
        return;
      case 'fixRunAction':
        await this.editActions.fixRun(message.runId, message.action, message.group);
        return;
      case 'input':
        // Only ever an answer to readInput; unasked, it changes nothing.
        for (const reply of [...this.inputReplies]) reply(message.text);
        return;
      default:
        assertNever(message, 'webview message');
    }
  }
}
