/**
 * Speculative decoding for local generation, the parts without node-llama-cpp: which predictor a
 * request uses, when speculation switches itself off, whether a draft model's vocabulary fits the
 * main model, which known file to suggest as a draft, and how acceptance reads in the status bar.
 *
 * Verification keeps R1's sampling exact: node-llama-cpp evaluates the drafted tokens in one batch
 * and samples every position with the request's own sampler (temperature 0.6, top-p 0.95); a
 * drafted token is kept only when it equals the token sampled at its position, so each emitted
 * token is still a sample of the main model given the tokens before it, with a fresh random draw:
 * the output distribution is exactly that of plain generation (R1's settings have no repeat
 * penalty or grammar, which would see a batch's earlier drafts differently). A fixed seed is
 * another matter: the positions after a refuted draft were sampled too and used up draws of the
 * shared sampler, so past the first refutation a seeded run can take another path (drawn from
 * the same distribution) than the same seed without it. Seeds are a test and benchmark option; the
 * byte-identical tests hold because the script models' distributions are one-hot.
 */

import type { SpeculativeUsage } from '../../core/chunks';

/** inputLookup: drafts copied from the prompt's n-grams; draft: a smaller model with the same vocabulary. */
export type SpeculationKind = SpeculativeUsage['kind'];

/** Drafted tokens of one request and how many the main model accepted (the usage chunk carries it). */
export type SpeculationStats = SpeculativeUsage;

export const SPECULATION = {
  /**
   * Most tokens input lookup drafts per batch. node-llama-cpp 3.22.1 validated at most one drafted
   * token per batch; scripts/patch-node-llama-cpp.mjs (npm postinstall) fixes that, so a copied
   * span is verified many tokens at a time.
   */
  lookupDraftTokens: 16,
  /**
   * Tokens the draft model proposes per batch. It generates them one by one, so a refused draft
   * costs its own time too: 1 measured 0.99× of no speculation on a quiet machine at zero
   * acceptance; 4 is unmeasured (one loaded run read 0.18×), so 1 stays until a quiet run says more.
   */
  draftModelTokens: 1,
  /** A draft after a refuted one, and the first: this long, doubling while drafts are accepted in full. */
  firstDraftTokens: 2,
  /** The draft model proposes a token only when it gives it at least this probability. */
  draftMinConfidence: 0.6,
  /** Judge acceptance over windows of this many drafted tokens. */
  window: 8,
  /**
   * A draft model's window: each of its drafted tokens costs a step of the draft model (on a CPU
   * mostly node-llama-cpp's fixed per-step cost, whatever the draft's size), so a draft that is not
   * accepted is judged sooner. With 8, zero acceptance measured 0.88× of no speculation.
   */
  draftModelWindow: 4,
  /** A window accepting less than this switches speculation off for a while. */
  minAcceptance: 0.35,
  /** Generated tokens to wait before drafting again; doubles after each poor window up to the max. */
  pauseTokens: 64,
  maxPauseTokens: 512,
} as const;

/**
 * How many tokens to draft next. On a CPU a batch costs more the longer it is, so a refuted draft
 * of 16 tokens wastes several tokens' time: drafts start short, double while they are accepted in
 * full (a copied span), and fall back to one more than was accepted when one is refuted.
 */
export class DraftLength {
  private length: number;

  constructor(private readonly max: number) {
    this.length = Math.min(max, SPECULATION.firstDraftTokens);
  }

  /** Tokens to draft for the next batch. */
  get next(): number {
    return this.length;
  }

  /** The outcome of the last batch's draft. */
  record(drafted: number, accepted: number): void {
    if (drafted <= 0) return;
    this.length =
      accepted >= drafted ? Math.min(this.max, Math.max(this.length, drafted) * 2) : Math.min(this.max, accepted + 1);
  }
}

/**
 * Speculation that does not pay switches itself off: after a window of drafted tokens with poor
 * acceptance it pauses for a number of generated tokens (doubling while it keeps failing), then
 * tries again, so a thought that cannot be predicted costs little and a copied answer after it
 * still gets the speed-up.
 */
export class SpeculationGate {
  constructor(private readonly window: number = SPECULATION.window) {}

  private windowDrafted = 0;
  private windowAccepted = 0;
  private pause = 0;
  private nextPause: number = SPECULATION.pauseTokens;
  /** Times it switched itself off in this request (diagnostics). */
  pauses = 0;

  /** Whether to draft for the next token. */
  get open(): boolean {
    return this.pause <= 0;
  }

  /** Tokens were generated (accepted drafts included). */
  generated(count: number): void {
    if (this.pause > 0) this.pause = Math.max(0, this.pause - count);
  }

  /** The outcome of drafts since the last call. */
  record(drafted: number, accepted: number): void {
    this.windowDrafted += drafted;
    this.windowAccepted += accepted;
    if (this.windowDrafted < this.window) return;
    if (this.windowAccepted < this.windowDrafted * SPECULATION.minAcceptance) {
      this.pause = this.nextPause;
      this.nextPause = Math.min(SPECULATION.maxPauseTokens, this.nextPause * 2);
      this.pauses++;
    } else {
      this.nextPause = SPECULATION.pauseTokens;
    }
    this.windowDrafted = 0;
    this.windowAccepted = 0;
  }
}

/** "62% accepted" (no drafts yet: "no drafts"). */
export function acceptanceText(stats: SpeculationStats): string {
  if (stats.drafted <= 0) return 'no drafts';
  return `${Math.round((100 * stats.accepted) / stats.drafted)}% accepted`;
}

/** The status bar's words for it: "draft 1.5B · 62% accepted", "input lookup · 80% accepted". */
export function speculationLabel(stats: SpeculationStats, draftName?: string): string {
  const what = stats.kind === 'draft' ? `draft${draftName ? ` ${draftName}` : ''}` : 'input lookup';
  return `${what} · ${acceptanceText(stats)}`;
}

/** What a GGUF header says about the tokenizer, as far as a draft model must match it. */
export interface VocabularyInfo {
  /** tokenizer.ggml.model, e.g. "gpt2". */
  readonly model?: string;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly tokens: readonly string[];
}

/**
 * llama.cpp's own rule for speculative pairs (common_speculative_are_compatible): same tokenizer
 * type, same BOS and EOS, vocabulary sizes within 128 (padding), and the same token strings where
 * both have them. Returns why they differ, or undefined when the draft fits.
 */
export const MAX_VOCABULARY_SIZE_DIFFERENCE = 128;

export function vocabularyMismatch(main: VocabularyInfo, draft: VocabularyInfo): string | undefined {
  if (main.tokens.length === 0 || draft.tokens.length === 0) return 'a file has no vocabulary in its header';
  if (main.model !== draft.model) return `the tokenizer types differ (${draft.model} vs ${main.model})`;
  if (main.bosId !== draft.bosId || main.eosId !== draft.eosId) {
    return `the special tokens differ (BOS/EOS ${draft.bosId}/${draft.eosId} vs ${main.bosId}/${main.eosId})`;
  }
  const difference = Math.abs(main.tokens.length - draft.tokens.length);
  if (difference > MAX_VOCABULARY_SIZE_DIFFERENCE) {
    return `the vocabulary sizes differ by ${difference} tokens (${draft.tokens.length} vs ${main.tokens.length})`;
  }
  const common = Math.min(main.tokens.length, draft.tokens.length);
  for (let id = 0; id < common; id++) {
    if (main.tokens[id] !== draft.tokens[id]) {
      return `token ${id} differs (${JSON.stringify(draft.tokens[id])} vs ${JSON.stringify(main.tokens[id])})`;
    }
  }
  return undefined;
}

/** A model file the user has (downloaded or found), as far as the draft suggestion needs it. */
export interface KnownModelFile {
  readonly path: string;
}

const QWEN_DISTILL = /R1[-_.]?Distill[-_.]?Qwen[-_.]?(\d+(?:\.\d+)?)B/i;

/** The size in billions of an R1-Distill-Qwen file, from its name ("…-Qwen-7B-Q4_K_M.gguf" → 7). */
export function qwenDistillSize(path: string): number | undefined {
  const file = path.split(/[\\/]/).pop() ?? path;
  const match = QWEN_DISTILL.exec(file);
  return match ? Number(match[1]) : undefined;
}

/**
 * The draft model to suggest for a main model: a known R1-Distill-Qwen-1.5B file when the main
 * model is a larger Qwen distill (7B, 14B, 32B share its tokenizer). Undefined otherwise — a Llama
 * distill has another vocabulary, and a 1.5B main model gains nothing from itself.
 */
export function suggestDraftModel(mainPath: string, known: readonly KnownModelFile[]): string | undefined {
  const mainSize = qwenDistillSize(mainPath);
  if (mainSize === undefined || mainSize <= 1.5) return undefined;
  return known.find((file) => file.path !== mainPath && qwenDistillSize(file.path) === 1.5)?.path;
}

/** What the draft-model offer after choosing a local model goes by. */
export interface DraftOfferInput {
  /** The local model just chosen. */
  readonly mainPath: string;
  /** r1Coder.local.draftModelPath as set now ('' = none). */
  readonly draftModelPath: string;
  /** r1Coder.local.speculative. */
  readonly speculative: boolean;
  /**
   * Whether the model runs on a GPU (measured GPU memory, and r1Coder.local.gpuLayers not 0). Asked
   * last, only when there is a draft to offer: measuring may start a child process.
   */
  readonly gpu: () => Promise<boolean>;
  /** Model files the user has: recent picks and downloads. */
  readonly known: readonly KnownModelFile[];
}

/**
 * The draft model to offer when a local model is chosen, or undefined: only with speculation on,
 * on a GPU, no draft model set yet (the user's own choice stays), and a known 1.5B Qwen distill
 * that can draft for the chosen larger Qwen distill.
 *
 * Not on a CPU: there a batch of two tokens costs nearly twice one (the step is compute-bound), so
 * a draft that proposes one token at a time cannot pay. `npm run bench:speculative -- --pair` (a
 * 1.5B-shaped draft for a 7B-shaped model, 2 cores) measured 0.95× of no speculation with every
 * draft accepted, and 0.79× with 4-token drafts. A user can still set one by hand.
 */
export async function draftModelOffer(input: DraftOfferInput): Promise<string | undefined> {
  if (!input.speculative || input.draftModelPath.trim()) return undefined;
  const draft = suggestDraftModel(input.mainPath, input.known);
  return draft && (await input.gpu()) ? draft : undefined;
}
