/**
 * Fix ×N: the same Fix prompt sampled N times, each answer planned against the document on its own,
 * then grouped by the edit it makes (consensus.ts). Each sample is an ordinary chat turn (its own
 * ChatSession), so its status, finish reason and errors mean exactly what they mean in the panel.
 * Pure orchestration: the provider and the document text come from the caller.
 */

import { groupSamples, type Consensus, type SampleOutcome } from './apply/consensus';
import { planEdit, unfinishedAnswerReason, type Range0 } from './apply/planEdit';
import { ChatSession, type SessionEvent } from './chatSession';
import type { StreamChunk } from './chunks';
import type { ChatProvider, ChatRequest } from './provider';
import type { Turn } from './turn';

/** The most samples one Fix ×N runs (the CLI's --samples, the setting, the command). */
export const MAX_FIX_SAMPLES = 16;

export interface FixSamplesInput {
  readonly provider: ChatProvider;
  /** The Fix prompt (buildFixPrompt), sent as the one user message of every sample. */
  readonly prompt: string;
  readonly count: number;
  /**
   * Samples streaming at once; the rest wait for a free slot. A provider that batches samples
   * (streamSamples, the local one) runs all of them together instead.
   */
  readonly concurrency: number;
  readonly signal: AbortSignal;
  /** What each sample is planned against. */
  readonly documentText: string;
  readonly selection: Range0;
  readonly languageId?: string;
  /** Every sample's transcript events, tagged with its index (for live per-sample views). */
  readonly onEvent?: (sample: number, event: SessionEvent) => void;
}

export interface FixSample {
  readonly index: number;
  readonly turn: Turn;
  readonly outcome: SampleOutcome;
}

export interface FixSamplesResult {
  readonly samples: readonly FixSample[];
  readonly consensus: Consensus;
}

export async function runFixSamples(input: FixSamplesInput): Promise<FixSamplesResult> {
  const count = Math.max(1, Math.floor(input.count));
  const sessions = Array.from(
    { length: count },
    (_, index) => new ChatSession({ onEvent: (event) => input.onEvent?.(index, event) }),
  );
  // Stop stops every sample: running ones end as stopped, waiting ones never start.
  const stopAll = () => void Promise.all(sessions.map((session) => session.stop()));
  input.signal.addEventListener('abort', stopAll, { once: true });
  const samples: FixSample[] = [];
  const batch = count > 1 && input.provider.streamSamples ? batchedProviders(input.provider, count) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const session = sessions[index]!;
      const provider = batch?.[index] ?? input.provider;
      const turn = input.signal.aborted ? stoppedTurn(index) : await session.ask(input.prompt, provider);
      samples[index] = { index, turn, outcome: planSample(turn, input) };
    }
  };
  try {
    const slots = batch ? count : Math.min(count, Math.max(1, input.concurrency));
    await Promise.all(Array.from({ length: slots }, worker));
  } finally {
    input.signal.removeEventListener('abort', stopAll);
  }
  return { samples, consensus: groupSamples(samples.map((sample) => sample.outcome)) };
}

/**
 * One provider per sample that hands its request to a single streamSamples call once every sample
 * has asked (all ask at once: the batch runs every sample in its own slot), so the samples are
 * generated together. Each sample's stream still belongs to its own ChatSession.
 */
function batchedProviders(provider: ChatProvider, count: number): ChatProvider[] {
  const requests: ChatRequest[] = [];
  let arrived = 0;
  let release: (streams: readonly AsyncIterable<StreamChunk>[]) => void = () => undefined;
  const streams = new Promise<readonly AsyncIterable<StreamChunk>[]>((resolve) => (release = resolve));
  return Array.from({ length: count }, (_, index) => ({
    label: provider.label,
    lengthError: provider.lengthError,
    async *stream(request: ChatRequest): AsyncIterable<StreamChunk> {
      requests[index] = request;
      arrived += 1;
      if (arrived === count) release(provider.streamSamples!(requests));
      const all = await streams;
      yield* all[index]!;
    },
  }));
}

function planSample(turn: Turn, input: FixSamplesInput): SampleOutcome {
  const unfinished = unfinishedAnswerReason(turn);
  if (unfinished) return { kind: 'refused', reason: unfinished };
  const plan = planEdit({
    documentText: input.documentText,
    selection: input.selection,
    answer: turn.answer,
    finishReason: turn.finishReason,
    languageId: input.languageId,
  });
  return plan.kind === 'edit'
    ? { kind: 'edit', newDocumentText: plan.newDocumentText }
    : { kind: 'refused', reason: plan.reason };
}

/** A sample that never started because Stop came first. */
function stoppedTurn(index: number): Turn {
  return {
    id: `sample-${index}`,
    question: '',
    reasoning: '',
    answer: '',
    status: 'stopped',
    modelLabel: '',
    startedAt: Date.now(),
    finishReason: 'aborted',
  };
}
