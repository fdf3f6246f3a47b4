import { totalmem } from 'node:os';
import type * as vscode from 'vscode';
import { probeGpuMemory } from '../providers/local/gpuMemoryProbe';
import { describeMachine, type MachineMemory } from '../providers/local/modelFit';
import { readLocalSettings } from './settings';

/**
 * This machine's memory for judging model fit: RAM from the OS, GPU memory from node-llama-cpp in a
 * child process (the extension host cannot see the GPU). Measured when a local-model command first
 * asks, never at activation, at most once per session (held here, one object per activation), and
 * cut off after a time limit: until then, and if it fails, the GPU memory is "unknown".
 */
export class MachineMemoryProbe implements vscode.Disposable {
  private measurement: Promise<number | undefined> | undefined;
  private vramBytes: number | undefined;
  private done = false;
  private readonly stop = new AbortController();

  constructor(
    /** Where node-llama-cpp resolves from: the extension's root folder. */
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly timeoutMs = 30_000,
  ) {}

  /** What is known now, without waiting. With r1Coder.local.gpuLayers 0 the GPU does not count. */
  current(): MachineMemory {
    if (readLocalSettings().gpuLayers === 0) return { ramBytes: totalmem(), vramBytes: 0 };
    return { ramBytes: totalmem(), vramBytes: this.vramBytes };
  }

  /** Whether a judgement now would be final (measured, failed, or the GPU is off in the settings). */
  settled(): boolean {
    return this.done || readLocalSettings().gpuLayers === 0;
  }

  /** Measures once per session; every caller gets the same answer. */
  async measure(): Promise<MachineMemory> {
    if (!this.settled()) {
      this.measurement ??= this.run();
      this.vramBytes = await this.measurement;
      this.done = true;
    }
    return this.current();
  }

  dispose(): void {
    this.stop.abort();
  }

  private async run(): Promise<number | undefined> {
    const started = performance.now();
    const result = await probeGpuMemory({
      cwd: this.extensionPath,
      timeoutMs: this.timeoutMs,
      signal: this.stop.signal,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!result.ok) {
      this.log.warn(`Could not measure GPU memory (${result.reason}); judging model fit by RAM alone.`);
      return undefined;
    }
    const vramBytes = result.gpu === false ? 0 : result.vramBytes;
    this.log.info(
      `This machine for local models: ${describeMachine({ ramBytes: totalmem(), vramBytes })}` +
        `${result.gpu ? ` (${result.gpu})` : ''}, measured in ${seconds} s`,
    );
    return vramBytes;
  }
}
