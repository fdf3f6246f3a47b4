import * as vscode from 'vscode';
import { assertNever } from '../core/chunks';
import type { SpeculativeUsage } from '../core/chunks';
import type { LocalLoadPhase } from '../providers/local/localProviderOptions';
import { speculationLabel } from '../providers/local/speculation';
import { COMMAND_IDS } from './commandIds';
import { cloudName, shortModelName } from './modelNames';
import { readCloudSettings, readLocalSettings, readMode } from './settings';

/**
 * `$(cloud) R1: DeepSeek` / `$(server) R1: Local · 7B`; clicking toggles the model source.
 * Creating a status-bar item is cheap, so this is the one thing shown at activation.
 */
export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('r1Coder.model', vscode.StatusBarAlignment.Right, 100);
  private readonly listener: vscode.Disposable;
  /** The last local turn's speculative decoding, shown until the settings change. */
  private speculation: SpeculativeUsage | undefined;

  constructor() {
    this.item.name = 'R1 Coder model';
    this.item.command = COMMAND_IDS.toggleModel;
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('r1Coder.local') || event.affectsConfiguration('r1Coder.mode'))
        this.speculation = undefined;
      if (event.affectsConfiguration('r1Coder')) this.update();
    });
    this.update();
    this.item.show();
  }

  /** What the item shows now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  /** Model loading shows in the item itself: "R1: Local · 7B (loading 40%)"; the end of a load, however it ended, restores the label. */
  showLoad(phase: LocalLoadPhase, progress: number): void {
    this.update();
    let state: string;
    switch (phase) {
      case 'starting':
        state = 'starting';
        break;
      case 'loading':
        state = `loading ${Math.round(progress * 100)}%`;
        break;
      case 'ready':
      case 'failed':
      case 'stopped':
        return;
      default:
        return assertNever(phase, 'load phase');
    }
    this.item.text = `$(loading~spin) ${this.item.text.replace(/^\$\([^)]*\)\s*/, '')} (${state})`;
  }

  /** After a local turn: "R1: Local · 7B · draft 1.5B · 62% accepted". */
  showSpeculation(stats: SpeculativeUsage): void {
    this.speculation = stats;
    this.update();
  }

  update(): void {
    if (readMode() === 'local') {
      const { modelPath, draftModelPath } = readLocalSettings();
      const name = modelPath ? shortModelName(modelPath) : 'no model';
      const speculation = this.speculation
        ? speculationLabel(this.speculation, draftModelPath ? shortModelName(draftModelPath) : undefined)
        : undefined;
      // A draft model is the user's choice, so its acceptance is shown; input lookup is always on and
      // stays in the tooltip, where it does not crowd the status bar.
      const shown = speculation && this.speculation?.kind === 'draft' ? ` · ${speculation}` : '';
      this.item.text = `$(server) R1: Local · ${name}${shown}`;
      this.item.tooltip = new vscode.MarkdownString(
        `**R1 Coder** answers with a local model${modelPath ? `:\n\n\`${modelPath}\`` : ' (none selected yet)'}${speculation ? `\n\nLast answer: ${speculation}.` : ''}\n\nClick to switch to the cloud.`,
      );
    } else {
      const { baseUrl, model } = readCloudSettings();
      this.item.text = `$(cloud) R1: ${cloudName(baseUrl)}`;
      this.item.tooltip = new vscode.MarkdownString(
        `**R1 Coder** answers with \`${model}\` at ${baseUrl}\n\nClick to switch to a local model.`,
      );
    }
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
