/**
 * A question with its attachments, built by whichever provider answers it: the provider's own
 * budget and token counter when it has them (the local model counts with its tokenizer, in its
 * worker), otherwise estimateTokens within its preview budget or the cloud default.
 */

import type { ChatProvider, ContextRequest } from '../provider';
import { buildContextMessage } from './buildContext';
import { DEFAULT_CLOUD_CONTEXT_TOKENS } from './defaults';
import { estimateTokens } from './tokens';
import type { ContextBuildResult } from './types';

export async function buildQuestion(
  provider: ChatProvider,
  request: ContextRequest,
  signal?: AbortSignal,
): Promise<{ readonly result: ContextBuildResult; readonly fallback?: string }> {
  if (provider.buildContext) {
    try {
      return { result: await provider.buildContext(request, signal) };
    } catch (error) {
      // The question still goes: the stream reports what is wrong with the model, if anything is.
      return {
        result: estimated(provider, request),
        fallback: `the model's own budget was not available (${error instanceof Error ? error.message : String(error)}); the estimate was used`,
      };
    }
  }
  return { result: estimated(provider, request) };
}

/** Built by estimateTokens within the provider's preview budget (the cloud default when it has none). */
export function estimated(provider: ChatProvider, request: ContextRequest): ContextBuildResult {
  return buildContextMessage({
    ...request,
    budgetTokens: provider.contextBudget?.() ?? DEFAULT_CLOUD_CONTEXT_TOKENS,
    countTokens: estimateTokens,
  });
}
