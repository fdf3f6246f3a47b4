/**
 * Facts about the cloud server that the provider, the extension's settings, the status bar and the
 * CLI share: the defaults, the reasoning-effort values, which servers are DeepSeek, and their names.
 */

import type { ServerInfo } from '../../core/errors';
import { QUESTION_EFFORTS } from '../../core/questionOptions';

/** r1Coder.cloud.reasoningEffort: 'auto' (send nothing) or one of the efforts a question can pick. */
export const REASONING_EFFORTS = ['auto', ...QUESTION_EFFORTS] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** 'deepseek' sends DeepSeek's `thinking` switch and names errors "DeepSeek"; 'openai' is any other server. */
export type ServerDialect = 'deepseek' | 'openai';

/** What r1Coder.cloud.* and `r1-coder ask` use when nothing is set. */
export const CLOUD_DEFAULTS = {
  baseUrl: 'https://api.deepseek.com',
  model: 'deepseek-v4-flash',
  reasoningEffort: 'auto',
  /** Stop when the server sends no bytes at all (keep-alives count) for this long. */
  inactivityTimeoutSeconds: 120,
  /** The shortest inactivity timeout r1Coder.cloud.inactivityTimeoutSeconds accepts. */
  minInactivityTimeoutSeconds: 5,
} as const satisfies {
  baseUrl: string;
  model: string;
  reasoningEffort: ReasoningEffort;
  inactivityTimeoutSeconds: number;
  minInactivityTimeoutSeconds: number;
};

const DEEPSEEK_TOP_UP_URL = 'https://platform.deepseek.com/top_up';

/** deepseek.com or one of its subdomains (not a host that merely ends in "deepseek.com"). */
export function isDeepSeekUrl(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host === 'deepseek.com' || host.endsWith('.deepseek.com');
  } catch {
    return false;
  }
}

export function dialectFor(baseUrl: string, dialect?: ServerDialect): ServerDialect {
  return dialect ?? (isDeepSeekUrl(baseUrl) ? 'deepseek' : 'openai');
}

/** How errors name the server, and where to top up when known. */
export function serverInfoFor(baseUrl: string, dialect?: ServerDialect): ServerInfo {
  if (dialectFor(baseUrl, dialect) === 'deepseek') {
    return { name: 'DeepSeek', topUpUrl: DEEPSEEK_TOP_UP_URL };
  }
  try {
    return { name: new URL(baseUrl).host || baseUrl };
  } catch {
    return { name: baseUrl };
  }
}

/** e.g. "DeepSeek · deepseek-v4-flash" or "127.0.0.1:8080 · deepseek-r1:7b". */
export function providerLabel(baseUrl: string, model: string, dialect?: ServerDialect): string {
  return `${serverInfoFor(baseUrl, dialect).name} · ${model}`;
}
