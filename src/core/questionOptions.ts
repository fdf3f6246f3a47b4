/**
 * What the panel can choose for one question besides the source: the effort (how hard the model
 * thinks) and which models are reasoning models. Pure and browser-safe: the panel, the host, the
 * cloud provider and the saved history share these.
 */

/** The per-question efforts; absent means "the settings' default". Cloud sends it as `reasoning_effort`. */
export const QUESTION_EFFORTS = ['low', 'medium', 'high', 'max'] as const;
export type QuestionEffort = (typeof QUESTION_EFFORTS)[number];

export function isQuestionEffort(value: unknown): value is QuestionEffort {
  return typeof value === 'string' && (QUESTION_EFFORTS as readonly string[]).includes(value);
}

/** Longest model name accepted from the panel or saved history (server names are short). */
const MAX_MODEL_NAME = 200;

/** A model name as typed or listed: trimmed, non-empty, short, no control characters; else undefined. */
export function cleanModelName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.trim();
  // eslint-disable-next-line no-control-regex
  return name && name.length <= MAX_MODEL_NAME && !/[\u0000-\u001f\u007f]/.test(name) ? name : undefined;
}

/**
 * Names of models that think before answering, as servers list them: DeepSeek's R1 and V4 and
 * their distills, deepseek-reasoner, QwQ, Qwen3, anything "think"ing, OpenAI's o-series, Magistral.
 * The one list of these patterns; a name matching none is shown without the mark (it still works).
 */
const REASONING_MODEL_PATTERNS: readonly RegExp[] = [
  /(^|[^a-z0-9])r1([^0-9]|$)/,
  /reasoner/,
  /deepseek-v4/,
  /qwq/,
  /qwen3/,
  /think/,
  /(^|[^a-z0-9])o[134](-|$|:)/,
  /magistral/,
];

export function isReasoningModelName(name: string): boolean {
  const lower = name.toLowerCase();
  return REASONING_MODEL_PATTERNS.some((pattern) => pattern.test(lower));
}
