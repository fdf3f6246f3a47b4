/**
 * The token predictor the worker puts on its context sequence: node-llama-cpp's
 * InputLookupTokenPredictor or DraftSequenceTokenPredictor, behind a SpeculationGate that switches
 * drafting off while it does not pay, and with the per-request acceptance figures the status bar
 * shows. Worker-only (node-llama-cpp is passed in, never imported at runtime here).
 */

import type { LlamaContextSequence, Token, TokenPredictor } from 'node-llama-cpp';
import { DraftLength, SPECULATION, SpeculationGate, type SpeculationKind, type SpeculationStats } from './speculation';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface SpeculativePredictor {
  readonly kind: SpeculationKind;
  /** Goes on the main sequence (`context.getSequence({ tokenPredictor })`). */
  readonly predictor: TokenPredictor;
  /**
   * A request starts: counts restart, the gate opens, and input lookup searches `inputTokens` (the
   * whole prompt, so code from earlier turns counts too, not only the last user message).
   */
  begin(sequence: LlamaContextSequence, inputTokens: readonly Token[]): void;
  /** Drafted and accepted tokens since begin(). */
  stats(): SpeculationStats;
}

export function inputLookupPredictor(nlc: NodeLlamaCpp): SpeculativePredictor {
  const inner = new nlc.InputLookupTokenPredictor({
    patternLength: { min: 1 },
    predictionLength: { min: 1, max: SPECULATION.lookupDraftTokens },
  });
  return gated(nlc, 'inputLookup', inner, true, SPECULATION.lookupDraftTokens, SPECULATION.window);
}

export function draftModelPredictor(nlc: NodeLlamaCpp, draftSequence: LlamaContextSequence): SpeculativePredictor {
  const inner = new nlc.DraftSequenceTokenPredictor(draftSequence, {
    // Wait for the draft's token: on a CPU the draft and the main model share the cores, and a
    // draft racing the main batch slows both.
    minTokens: SPECULATION.draftModelTokens,
    maxTokens: SPECULATION.draftModelTokens,
    minConfidence: SPECULATION.draftMinConfidence,
  });
  return gated(nlc, 'draft', inner, false, SPECULATION.draftModelTokens, SPECULATION.draftModelWindow);
}

function gated(
  nlc: NodeLlamaCpp,
  kind: SpeculationKind,
  inner: TokenPredictor,
  usesInput: boolean,
  maxDraftTokens: number,
  window: number,
): SpeculativePredictor {
  let gate = new SpeculationGate(window);
  let length = new DraftLength(maxDraftTokens);
  let sequence: LlamaContextSequence | undefined;
  let input: Token[] | undefined;
  // The sequence's counters at begin() and at the last look.
  let start = { validated: 0, refuted: 0 };
  let seen = { validated: 0, refuted: 0 };
  let paused = false;

  const observe = () => {
    if (!sequence) return;
    const { validated, refuted } = sequence.tokenPredictions;
    const accepted = validated - seen.validated;
    const drafted = accepted + refuted - seen.refuted;
    seen = { validated, refuted };
    if (drafted <= 0) return;
    gate.record(drafted, accepted);
    length.record(drafted, accepted);
  };

  class GatedPredictor extends nlc.TokenPredictor {
    reset(params: Parameters<TokenPredictor['reset']>[0]) {
      return inner.reset(params);
    }

    pushTokens(tokens: Token[]): void {
      gate.generated(tokens.length);
      inner.pushTokens(tokens);
    }

    predictTokens(): Token[] | Promise<Token[]> {
      observe();
      if (!gate.open) {
        if (!paused) {
          paused = true;
          // A draft model stops evaluating in the background; it catches up in one batch later.
          void inner.stop();
        }
        return [];
      }
      paused = false;
      const limit = length.next;
      const drafted = inner.predictTokens();
      return drafted instanceof Promise ? drafted.then((tokens) => tokens.slice(0, limit)) : drafted.slice(0, limit);
    }

    override stop(untilPredictionsExhausted?: boolean) {
      return inner.stop(untilPredictionsExhausted);
    }

    override updateInputTokens(tokens: Token[]): void {
      if (usesInput) inner.updateInputTokens(input ?? tokens);
    }

    override dispose() {
      return inner.dispose();
    }
  }

  return {
    kind,
    predictor: new GatedPredictor(),
    begin(target, inputTokens) {
      sequence = target;
      gate = new SpeculationGate(window);
      length = new DraftLength(maxDraftTokens);
      paused = false;
      input = [...inputTokens];
      const { validated, refuted } = target.tokenPredictions;
      start = { validated, refuted };
      seen = start;
    },
    stats() {
      const { validated, refuted } = sequence?.tokenPredictions ?? start;
      const accepted = validated - start.validated;
      return { kind, accepted, drafted: accepted + refuted - start.refuted };
    },
  };
}
