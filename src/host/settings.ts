import * as vscode from 'vscode';
import type { SourceKind } from '../core/sourceKind';

export type ReasoningEffort = 'auto' | 'low' | 'medium' | 'high' | 'max';

export interface CloudSettings {
  readonly baseUrl: string;
  readonly model: string;
  readonly reasoningEffort: ReasoningEffort;
  readonly inactivityTimeoutSeconds: number;
}

export const DEFAULT_BASE_URL = 'https://api.deepseek.com';

/** Reads settings fresh on each request, so changes apply without a reload. */
export function readCloudSettings(): CloudSettings {
  const config = vscode.workspace.getConfiguration('r1Coder.cloud');
  return {
    baseUrl: (config.get<string>('baseUrl') || DEFAULT_BASE_URL).trim(),
    model: (config.get<string>('model') || 'deepseek-v4-flash').trim(),
    reasoningEffort: config.get<ReasoningEffort>('reasoningEffort') ?? 'auto',
    inactivityTimeoutSeconds: Math.max(5, config.get<number>('inactivityTimeoutSeconds') ?? 120),
  };
}

export function readMode(): SourceKind {
  return vscode.workspace.getConfiguration('r1Coder').get<SourceKind>('mode') === 'local' ? 'local' : 'cloud';
}

export interface LocalSettings {
  readonly modelPath: string;
  /** 0 = the physical core count (node-llama-cpp's own default oversubscribes small machines). */
  readonly threads: number;
  readonly gpuLayers: 'auto' | number;
  readonly contextSizeCap: number;
  readonly idleMinutes: number;
  readonly thinkingBudget: number;
}

export function readLocalSettings(): LocalSettings {
  const config = vscode.workspace.getConfiguration('r1Coder.local');
  const gpuLayers = config.get<string | number>('gpuLayers') ?? 'auto';
  return {
    modelPath: (config.get<string>('modelPath') ?? '').trim(),
    threads: Math.max(0, Math.floor(config.get<number>('threads') ?? 0)),
    gpuLayers: typeof gpuLayers === 'number' && gpuLayers >= 0 ? Math.floor(gpuLayers) : 'auto',
    contextSizeCap: Math.max(512, config.get<number>('contextSize') ?? 8192),
    idleMinutes: Math.max(0, config.get<number>('idleMinutes') ?? 10),
    thinkingBudget: Math.max(0, Math.floor(config.get<number>('thinkingBudget') ?? 0)),
  };
}

/** r1Coder.chat.collapseThinking: whether the panel folds the thought away when the answer begins. */
export function readCollapseThinking(): boolean {
  return vscode.workspace.getConfiguration('r1Coder.chat').get<boolean>('collapseThinking') !== false;
}
