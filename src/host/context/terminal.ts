/**
 * `#terminal`: the active terminal's selection when it has one (where VS Code exposes it), else its
 * last command and that command's output, captured through shell integration. The listener starts
 * at the first use of #terminal (not at activation): commands run before that are not known, and the
 * note says so.
 */

import * as vscode from 'vscode';
import { cleanTerminalOutput, formatTerminalCommand, TERMINAL_MAX_CHARS } from '../../core/context/terminalText';
import type { ContextOrigin } from '../../core/context/types';
import type { GatheredContext } from './gathered';

interface FinishedCommand {
  readonly commandLine: string;
  readonly output: string;
  readonly exitCode: number | undefined;
  readonly cwd?: string;
}

/** Output kept per running command while it runs (a little more than is sent, for the escape codes). */
const CAPTURE_CHARS = TERMINAL_MAX_CHARS * 4;

/** The last finished command of each terminal, recorded once started; one per extension instance. */
export class TerminalHistory implements vscode.Disposable {
  private readonly last = new WeakMap<vscode.Terminal, FinishedCommand>();
  private listeners: vscode.Disposable[] | undefined;

  /** Starts listening (idempotent). Returns whether it had already started. */
  start(): boolean {
    if (this.listeners) return true;
    const running = new Map<vscode.TerminalShellExecution, { output: string; done: Promise<void> }>();
    this.listeners = [
      vscode.window.onDidStartTerminalShellExecution((event) => {
        const capture = { output: '', done: Promise.resolve() };
        capture.done = (async () => {
          try {
            for await (const data of event.execution.read()) {
              capture.output = (capture.output + data).slice(-CAPTURE_CHARS);
            }
          } catch {
            // The terminal closed: keep what arrived.
          }
        })();
        running.set(event.execution, capture);
      }),
      vscode.window.onDidEndTerminalShellExecution(async (event) => {
        const capture = running.get(event.execution);
        running.delete(event.execution);
        // The output stream ends with the command; wait for its last chunks (bounded).
        if (capture) await Promise.race([capture.done, new Promise((resolve) => setTimeout(resolve, 1_000))]);
        const cwd = event.execution.cwd?.fsPath;
        this.last.set(event.terminal, {
          commandLine: event.execution.commandLine.value,
          output: capture?.output ?? '',
          exitCode: event.exitCode,
          ...(cwd ? { cwd } : {}),
        });
      }),
    ];
    return false;
  }

  lastCommand(terminal: vscode.Terminal): FinishedCommand | undefined {
    return this.last.get(terminal);
  }

  dispose(): void {
    for (const listener of this.listeners ?? []) listener.dispose();
    this.listeners = undefined;
  }
}

export function gatherTerminal(history: TerminalHistory, origin: ContextOrigin): GatheredContext {
  const wasListening = history.start();
  const terminal = vscode.window.activeTerminal;
  if (!terminal) return { items: [], refused: [], note: 'No terminal is open: run a command in a terminal first.' };
  // Terminal.selection is newer than the API this extension targets (1.95): used where present.
  const selection = (terminal as { readonly selection?: unknown }).selection;
  if (typeof selection === 'string' && selection.trim() !== '') {
    return {
      items: [{ kind: 'terminal', text: cleanTerminalOutput(selection), origin, label: `${terminal.name}: selection` }],
      refused: [],
    };
  }
  const last = history.lastCommand(terminal);
  if (last) {
    return {
      items: [
        {
          kind: 'terminal',
          text: formatTerminalCommand(last),
          origin,
          label: `${terminal.name}: ${last.commandLine.trim().slice(0, 60)}`,
        },
      ],
      refused: [],
    };
  }
  const why = !terminal.shellIntegration
    ? `Shell integration is not active in the terminal "${terminal.name}", so R1 cannot read its commands: enable terminal.integrated.shellIntegration.enabled (bash, zsh, fish, PowerShell) and open a new terminal, or select the output and try again.`
    : wasListening
      ? `No command has finished in the terminal "${terminal.name}" since R1 started listening: run the command again, then attach #terminal.`
      : `R1 starts reading terminal commands now: run the command again in "${terminal.name}", then attach #terminal (or select its output).`;
  return { items: [], refused: [], note: why };
}
