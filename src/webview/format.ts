/** "12 s · 1,234 tokens · 41 tok/s": exact tokens when the server reported them, else an estimate. */
export function formatThinkingStats(input: {
  readonly seconds: number;
  readonly reasoningTokens?: number;
  readonly estimatedTokens: number;
}): string {
  const exact = input.reasoningTokens !== undefined;
  const tokens = exact ? input.reasoningTokens! : input.estimatedTokens;
  // "Thought for 0 s" reads like nothing happened.
  const parts = [input.seconds < 1 ? '< 1 s' : `${Math.round(input.seconds)} s`];
  if (tokens > 0) {
    parts.push(`${exact ? '' : '~'}${tokens.toLocaleString('en-US')} tokens`);
    if (input.seconds >= 1) parts.push(`${Math.round(tokens / input.seconds)} tok/s`);
  }
  return parts.join(' · ');
}

/**
 * The Thinking section's header, as a title (drawn bold) and the rest: together
 * "Thought for 12 s · 1,234 tokens · 41 tok/s" once done, "Thinking… 3 s · ~40 tokens · 13 tok/s"
 * while it streams. Without a known duration (an old turn that never recorded its end) only the
 * tokens are shown.
 */
export function formatThinkingHeader(input: {
  readonly done: boolean;
  readonly seconds: number | undefined;
  readonly reasoningTokens?: number;
  readonly estimatedTokens: number;
  /** Self-corrections found in the thought so far ("· 3 self-corrections"); none shows nothing. */
  readonly corrections?: number;
}): { readonly title: string; readonly detail: string } {
  const title = input.done ? 'Thought' : 'Thinking…';
  const corrections = formatCorrections(input.corrections ?? 0);
  if (input.seconds === undefined) {
    const tokens = input.reasoningTokens ?? input.estimatedTokens;
    const prefix = input.reasoningTokens === undefined ? '~' : '';
    const parts = tokens > 0 ? [`${prefix}${tokens.toLocaleString('en-US')} tokens`] : [];
    if (corrections) parts.push(corrections);
    return { title, detail: parts.length > 0 ? `· ${parts.join(' · ')}` : '' };
  }
  const stats = formatThinkingStats({ ...input, seconds: input.seconds }) + (corrections ? ` · ${corrections}` : '');
  return { title, detail: input.done ? `for ${stats}` : stats };
}

/** "1 self-correction", "3 self-corrections"; empty for none. */
export function formatCorrections(count: number): string {
  if (count <= 0) return '';
  return `${count.toLocaleString('en-US')} self-correction${count === 1 ? '' : 's'}`;
}
