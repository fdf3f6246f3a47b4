/**
 * R1: Fix Selection ×N — the same Fix prompt sampled N times (runFixSamples: cloud as parallel
 * requests up to r1Coder.fix.concurrency, local as N sequences of one batched context), every
 * answer planned and grouped by the edit it makes. The panel's agreement card (webview
 * fixRunCard.ts) shows the samples while they stream, then "k of N samples agree" with the largest
 * group's edit proposed through the ordinary proposal machinery (diff, Accept/Reject). A tie
 * proposes nothing; every group is one click away (`showGroup`). Stop stops every sample.
 */

import * as vscode from 'vscode';
import { describeConsensus } from '../core/apply/consensus';
import { assertNever } from '../core/chunks';
import { MAX_FIX_SAMPLES, runFixSamples, type FixSamplesResult } from '../core/fixSamples';
import { buildFixPrompt } from '../core/prompts';
import type { ChatProvider } from '../core/provider';
import type { SessionEvent } from '../core/chatSession';
import { applyTurnEvent, type Turn } from '../core/turn';
import type { EditProposalView, FixRunAction, FixRunView, FixSampleView, HostMessage } from '../shared/protocol';
import type { EditProposals } from './editProposals';
import { describeTarget, selectionRequest, type SelectionArgs, type SelectionRequest } from './selectionCommands';
import { readFixSettings } from './settings';

/** What the palette offers when the command runs without a count. */
export const FIX_SAMPLE_CHOICES = [3, 5] as const;
/** Redraws of a running card at most this often (each carries every sample's thought so far). */
const UPDATE_MS = 250;

export interface FixSampleRunsDeps {
  readonly provider: () => Promise<ChatProvider> | ChatProvider;
  readonly post: (message: HostMessage) => void;
  readonly reveal: () => Promise<void>;
  readonly proposals: EditProposals;
  readonly log: vscode.LogOutputChannel;
}

/** Arguments of the command (tests, keybindings): a count skips the palette's question. */
export interface FixSamplesArgs extends SelectionArgs {
  readonly samples?: number;
}

interface SampleState {
  turn: Turn | undefined;
  readonly startedAt: number;
}

interface Run {
  readonly id: string;
  readonly request: SelectionRequest;
  readonly target: string;
  readonly total: number;
  readonly controller: AbortController;
  readonly samples: SampleState[];
  status: FixRunView['status'];
  result?: FixSamplesResult;
  shownGroup?: number;
  proposal?: EditProposalView;
  timer?: NodeJS.Timeout;
}

export class FixSampleRuns implements vscode.Disposable {
  private readonly runs = new Map<string, Run>();
  private nextId = 1;

  constructor(private readonly deps: FixSampleRunsDeps) {}

  /** The command: asks 3 or 5 unless given a count; resolves with the run's final card. */
  async fixSelectionTimesN(args?: FixSamplesArgs): Promise<FixRunView | undefined> {
    const count = args?.samples ?? (await askCount());
    if (count === undefined) return undefined;
    return this.start(args, count);
  }

  /** Fix ×N with a known count (plain Fix when r1Coder.fix.samples > 1). */
  async start(args: SelectionArgs | undefined, count: number): Promise<FixRunView | undefined> {
    const request = await selectionRequest(args);
    if (!request) return undefined;
    await this.deps.reveal();
    const provider = await this.deps.provider();
    const total = Math.max(1, Math.min(MAX_FIX_SAMPLES, Math.floor(count)));
    const run: Run = {
      id: `fixrun-${Date.now().toString(36)}-${this.nextId++}`,
      request,
      target: describeTarget(request),
      total,
      controller: new AbortController(),
      samples: Array.from({ length: total }, () => ({ turn: undefined, startedAt: Date.now() })),
      status: 'running',
    };
    this.runs.set(run.id, run);
    this.post(run);
    try {
      run.result = await runFixSamples({
        provider,
        prompt: buildFixPrompt(request),
        count: total,
        concurrency: readFixSettings().concurrency,
        signal: run.controller.signal,
        documentText: request.documentText,
        selection: request.selection,
        languageId: request.languageId,
        onEvent: (index, event) => this.onSampleEvent(run, index, event),
      });
    } catch (error) {
      this.deps.log.error(`Fix ×${total} failed: ${String(error)}`);
    }
    if (run.timer) clearTimeout(run.timer);
    run.timer = undefined;
    run.status = run.controller.signal.aborted ? 'stopped' : 'done';
    const winner = run.result?.consensus.winner;
    if (winner) await this.propose(run, winner.index);
    this.post(run);
    return this.view(run);
  }

  /** The card's buttons (validated by the protocol). */
  async act(runId: string, action: FixRunAction, group?: number): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    switch (action) {
      case 'stop':
        this.stop(run);
        return;
      case 'showGroup':
        if (group === undefined || !run.result?.consensus.groups[group]) return;
        if (run.shownGroup === group && run.proposal?.state === 'pending') {
          await this.deps.proposals.showDiff(run.proposal.id);
          return;
        }
        await this.propose(run, group);
        this.post(run);
        return;
      default:
        assertNever(action, 'fix run action');
    }
  }

  /** The card of a run as the panel last got it (tests). */
  runView(runId: string): FixRunView | undefined {
    const run = this.runs.get(runId);
    return run && this.view(run);
  }

  /** Keeps a run's proposal state (Accept/Reject in the diff or the card) for its later redraws. */
  onProposal(runId: string, proposal: EditProposalView): void {
    const run = this.runs.get(runId);
    if (run && run.proposal?.id === proposal.id) run.proposal = proposal;
  }

  /** Stops every running sample of every run (the Stop command). */
  stopAll(): void {
    for (const run of this.runs.values()) this.stop(run);
  }

  dispose(): void {
    this.stopAll();
    for (const run of this.runs.values()) if (run.timer) clearTimeout(run.timer);
  }

  private stop(run: Run): void {
    if (run.status === 'running') run.controller.abort();
  }

  /** Proposes a group's edit (the first sample's answer); a proposal of another group is withdrawn. */
  private async propose(run: Run, group: number): Promise<void> {
    const chosen = run.result?.consensus.groups[group];
    const sample = chosen ? run.result?.samples[chosen.samples[0]!] : undefined;
    if (!sample) return;
    if (run.proposal?.state === 'pending') await this.deps.proposals.reject(run.proposal.id);
    run.shownGroup = group;
    run.proposal = await this.deps.proposals.propose({
      turnId: run.id,
      documentUri: run.request.uri,
      target: run.target,
      selection: run.request.selection,
      selectionText: run.request.selectionText,
      answer: sample.turn.answer,
      finishReason: sample.turn.finishReason,
      purpose: 'fix',
    });
  }

  private onSampleEvent(run: Run, index: number, event: SessionEvent): void {
    const sample = run.samples[index];
    if (!sample) return;
    if (event.type === 'turnStarted') sample.turn = event.turn;
    else if (sample.turn) sample.turn = applyTurnEvent(sample.turn, event);
    // Throttled: a thought arrives token by token, and each card update carries all of them.
    run.timer ??= setTimeout(() => {
      run.timer = undefined;
      if (run.status === 'running') this.post(run);
    }, UPDATE_MS);
  }

  private post(run: Run): void {
    this.deps.post({ type: 'fixRun', run: this.view(run) });
  }

  private view(run: Run): FixRunView {
    const consensus = run.result?.consensus;
    const now = Date.now();
    const samples = run.samples.map((sample, index): FixSampleView => {
      const turn = sample.turn;
      const outcome = run.result?.samples[index]?.outcome;
      const group = consensus?.groups.find((candidate) => candidate.samples.includes(index))?.index;
      return {
        index,
        status: turn?.status ?? (run.status === 'running' ? 'streaming' : 'stopped'),
        reasoning: turn?.reasoning ?? '',
        ms: Math.max(0, (turn?.endedAt ?? now) - (turn?.startedAt ?? sample.startedAt)),
        ...(turn?.usage ? { tokens: turn.usage.completionTokens } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(outcome?.kind === 'refused' ? { refusal: outcome.reason } : {}),
      };
    });
    return {
      id: run.id,
      target: run.target,
      total: run.total,
      status: run.status,
      samples,
      groups: consensus?.groups.map((group) => ({ index: group.index, samples: group.samples })) ?? [],
      refusals: consensus?.refusals.map((refusal) => ({ reason: refusal.reason, samples: refusal.samples })) ?? [],
      tie: consensus?.tie ?? false,
      ...(consensus?.winner ? { winner: consensus.winner.index } : {}),
      ...(consensus ? { summary: describeConsensus(consensus) } : {}),
      ...(run.shownGroup !== undefined ? { shownGroup: run.shownGroup } : {}),
      ...(run.proposal ? { proposal: run.proposal } : {}),
    };
  }
}

async function askCount(): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(
    FIX_SAMPLE_CHOICES.map((count) => ({
      label: `${count} samples`,
      description: count === FIX_SAMPLE_CHOICES[0] ? 'faster' : 'more agreement',
      count,
    })),
    { title: 'R1: Fix Selection ×N', placeHolder: 'How many independent fixes to sample?' },
  );
  return picked?.count;
}
