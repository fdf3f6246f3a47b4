import * as vscode from 'vscode';
import { MAX_FIX_SAMPLES } from '../core/fixSamples';
import type { SourceKind } from '../core/sourceKind';
import { CLOUD_DEFAULTS, type ReasoningEffort } from '../providers/cloud/cloudServer';
import { LOCAL_DEFAULTS } from '../providers/local/localDefaults';
import {
  CONTEXT_EXCLUDE_SETTING,
  DEFAULT_CLOUD_CONTEXT_TOKENS,
  DEFAULT_CONTEXT_EXCLUDE,
} from '../core/context/defaults';

export interface CloudSettings {
  readonly baseUrl: string;
  readonly model: string;
  readonly reasoningEffort: ReasoningEffort;
  readonly inactivityTimeoutSeconds: number;
  /** r1Coder.cloud.contextTokens: the budget of one question's message with its attachments. */
  readonly contextTokens: number;
}

/** Reads settings fresh on each request, so changes apply without a reload. */
export function readCloudSettings(): CloudSettings {
  const config = vscode.workspace.getConfiguration('r1Coder.cloud');
  return {
    baseUrl: (config.get<string>('baseUrl') || CLOUD_DEFAULTS.baseUrl).trim(),
    model: (config.get<string>('model') || CLOUD_DEFAULTS.model).trim(),
    reasoningEffort: config.get<ReasoningEffort>('reasoningEffort') ?? CLOUD_DEFAULTS.reasoningEffort,
    inactivityTimeoutSeconds: Math.max(
      CLOUD_DEFAULTS.minInactivityTimeoutSeconds,
      config.get<number>('inactivityTimeoutSeconds') ?? CLOUD_DEFAULTS.inactivityTimeoutSeconds,
    ),
    contextTokens: Math.max(1000, Math.floor(config.get<number>('contextTokens') ?? DEFAULT_CLOUD_CONTEXT_TOKENS)),
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
  readonly speculative: boolean;
  /** Empty: no draft model (input lookup when speculative). */
  readonly draftModelPath: string;
}

export function readLocalSettings(): LocalSettings {
  const config = vscode.workspace.getConfiguration('r1Coder.local');
  const gpuLayers = config.get<string | number>('gpuLayers') ?? LOCAL_DEFAULTS.gpuLayers;
  return {
    modelPath: (config.get<string>('modelPath') ?? '').trim(),
    threads: Math.max(0, Math.floor(config.get<number>('threads') ?? 0)),
    gpuLayers: typeof gpuLayers === 'number' && gpuLayers >= 0 ? Math.floor(gpuLayers) : 'auto',
    contextSizeCap: Math.max(
      LOCAL_DEFAULTS.minContextSizeCap,
      config.get<number>('contextSize') ?? LOCAL_DEFAULTS.contextSizeCap,
    ),
    idleMinutes: Math.max(0, config.get<number>('idleMinutes') ?? LOCAL_DEFAULTS.idleMinutes),
    thinkingBudget: Math.max(0, Math.floor(config.get<number>('thinkingBudget') ?? 0)),
    speculative: config.get<boolean>('speculative') ?? LOCAL_DEFAULTS.speculative,
    draftModelPath: (config.get<string>('draftModelPath') ?? '').trim(),
  };
}

/** r1Coder.chat.collapseThinking: whether the panel folds the thought away when the answer begins. */
export function readCollapseThinking(): boolean {
  return vscode.workspace.getConfiguration('r1Coder.chat').get<boolean>('collapseThinking') !== false;
}

/** r1Coder.context.exclude: files never attached (DEFAULT_CONTEXT_EXCLUDE when unset or malformed). */
export function readContextExclude(): readonly string[] {
  const value = vscode.workspace.getConfiguration().get<unknown>(CONTEXT_EXCLUDE_SETTING);
  return Array.isArray(value)
    ? value.filter((entry): entry is string => typeof entry === 'string')
    : DEFAULT_CONTEXT_EXCLUDE;
}

/** r1Coder.chat.includeActiveFile: whether the panel's question carries the active editor's file. */
export function readIncludeActiveFile(): boolean {
  return vscode.workspace.getConfiguration('r1Coder.chat').get<boolean>('includeActiveFile') !== false;
}

/** The Fix ×N settings: samples per Fix (1 = a plain Fix), and cloud requests at once. */
export interface FixSettings {
  readonly samples: number;
  readonly concurrency: number;
}

export const FIX_DEFAULTS: FixSettings = { samples: 1, concurrency: 5 };

export function readFixSettings(): FixSettings {
  const config = vscode.workspace.getConfiguration('r1Coder.fix');
  const whole = (value: number | undefined, fallback: number, max: number) =>
    Math.max(1, Math.min(max, Math.floor(value ?? fallback) || fallback));
  return {
    samples: whole(config.get<number>('samples'), FIX_DEFAULTS.samples, MAX_FIX_SAMPLES),
    concurrency: whole(config.get<number>('concurrency'), FIX_DEFAULTS.concurrency, MAX_FIX_SAMPLES),
  };
}
