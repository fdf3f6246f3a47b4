/** "12 s · 1,234 tokens · 41 tok/s": exact tokens when the server reported them, else an estimate. */
export function formatThinkingStats(input: {
  readonly seconds: number;
  readonly reasoningTokens?: number;
  readonly estimatedTokens: number;
}): string {
  const seconds = Math.round(input.seconds);
  const exact = input.reasoningTokens !== undefined;
  const tokens = exact ? input.reasoningTokens! : input.estimatedTokens;
  const parts = [`${seconds} s`];
  if (tokens > 0) {
    parts.push(`${exact ? '' : '~'}${tokens.toLocaleString('en-US')} tokens`);
    if (input.seconds >= 1) parts.push(`${Math.round(tokens / input.seconds)} tok/s`);
  }
  return parts.join(' · ');
}
