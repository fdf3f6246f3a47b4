import * as vscode from 'vscode';

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
