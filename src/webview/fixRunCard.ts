/**
 * The agreement card of one Fix ×N run (host: src/host/fixSampleRuns.ts): the samples while they
 * stream, then "3 of 5 samples agree", the largest group's edit proposed (Accept/Reject as on a
 * Fix turn), the other groups one click away with their counts, refusals counted with reasons, a
 * tie shown as a tie with nothing preselected, and each sample's thought on demand with its tokens
 * and time. The host sends the whole card state each time (`fixRun`); proposal changes arrive as
 * `editProposal` for the run's id.
 */

import type { EditProposalView, FixRunView, FixSampleView, WebviewMessage } from '../shared/protocol';
import { element, icon, textElement } from './dom';
import { fillProposalBar } from './proposalBar';

export class FixRunCard {
  readonly root: HTMLElement;
  private view: FixRunView;
  /** Samples whose thought the user opened: kept open across redraws. */
  private readonly openSamples = new Set<number>();
  private samplesOpen = false;

  constructor(
    view: FixRunView,
    private readonly post: (message: WebviewMessage) => void,
  ) {
    this.root = element('section', 'fix-run');
    this.root.dataset.testid = 'fix-run';
    this.view = view;
    this.render();
  }

  update(view: FixRunView): void {
    this.view = view;
    this.render();
  }

  showProposal(proposal: EditProposalView): void {
    this.view = { ...this.view, proposal };
    this.render();
  }

  private render(): void {
    const view = this.view;
    this.root.dataset.status = view.status;
    this.root.dataset.runId = view.id;
    const header = element('div', 'fix-run-header');
    header.append(icon('layers'), textElement('span', 'fix-run-title', `Fix ×${view.total} · ${view.target}`));
    if (view.status === 'running') {
      const stop = textElement('button', 'secondary', 'Stop');
      stop.dataset.testid = 'fix-run-stop';
      stop.title = 'Stop every sample';
      stop.addEventListener('click', () => this.post({ type: 'fixRunAction', runId: view.id, action: 'stop' }));
      header.append(stop);
    }
    const summary = textElement('p', 'fix-run-summary', summaryText(view));
    summary.dataset.testid = 'fix-run-summary';
    summary.setAttribute('role', 'status');
    this.root.replaceChildren(header, summary);
    if (view.groups.length > 0) this.root.append(this.groupList());
    if (view.proposal) this.root.append(this.proposalBar(view.proposal));
    if (view.refusals.length > 0) this.root.append(refusalList(view));
    this.root.append(this.sampleList());
  }

  /** One button per group: the shown one pressed; choosing another proposes its edit. */
  private groupList(): HTMLElement {
    const view = this.view;
    const list = element('div', 'fix-run-groups');
    list.setAttribute('role', 'group');
    list.setAttribute('aria-label', 'Edits the samples made');
    for (const group of view.groups) {
      const size = group.samples.length;
      const tied = view.tie && size === view.groups[0]!.samples.length;
      const label = `Edit ${group.index + 1} · ${size} of ${view.total}${tied ? ' · tie' : group.index === view.winner ? ' · agreed' : ''}`;
      const button = textElement('button', group.index === view.shownGroup ? '' : 'secondary', label);
      button.dataset.testid = 'fix-group';
      button.dataset.group = String(group.index);
      button.setAttribute('aria-pressed', String(group.index === view.shownGroup));
      button.title = `Samples ${group.samples.map((sample) => `#${sample + 1}`).join(', ')}: show this edit's diff`;
      button.addEventListener('click', () =>
        this.post({ type: 'fixRunAction', runId: view.id, action: 'showGroup', group: group.index }),
      );
      list.append(button);
    }
    return list;
  }

  private proposalBar(proposal: EditProposalView): HTMLElement {
    const bar = element('div', 'proposal');
    bar.dataset.testid = 'edit-proposal';
    const shown = this.view.shownGroup === undefined ? '' : `Edit ${this.view.shownGroup + 1}: `;
    fillProposalBar(bar, proposal, `${shown}proposed edit to ${proposal.target}`, this.post);
    return bar;
  }

  /** Every sample, folded: its status, group, tokens and time; its thought when opened. */
  private sampleList(): HTMLElement {
    const view = this.view;
    const details = document.createElement('details');
    details.className = 'fix-run-samples';
    details.dataset.testid = 'fix-run-samples';
    details.open = this.samplesOpen;
    details.addEventListener('toggle', () => (this.samplesOpen = details.open));
    const tokens = view.samples.reduce((sum, sample) => sum + (sample.tokens ?? 0), 0);
    const wall = Math.max(0, ...view.samples.map((sample) => sample.ms));
    const summary = textElement('summary', '', `Samples · ${formatTokens(tokens)} in total · ${formatSeconds(wall)}`);
    details.append(summary);
    for (const sample of view.samples) details.append(this.sampleItem(sample));
    return details;
  }

  private sampleItem(sample: FixSampleView): HTMLElement {
    const item = document.createElement('details');
    item.className = 'fix-sample';
    item.dataset.testid = 'fix-sample';
    item.dataset.status = sample.status;
    item.open = this.openSamples.has(sample.index);
    item.addEventListener('toggle', () => {
      if (item.open) this.openSamples.add(sample.index);
      else this.openSamples.delete(sample.index);
    });
    const outcome =
      sample.group !== undefined
        ? `edit ${sample.group + 1}`
        : sample.refusal !== undefined
          ? 'no edit'
          : sample.status === 'streaming'
            ? 'thinking…'
            : sample.status;
    item.append(
      textElement(
        'summary',
        '',
        `#${sample.index + 1} · ${outcome} · ${formatTokens(sample.tokens)} · ${formatSeconds(sample.ms)}`,
      ),
    );
    if (sample.refusal) item.append(textElement('p', 'fix-sample-refusal', sample.refusal));
    item.append(textElement('pre', 'fix-sample-thought', sample.reasoning || '(no thought)'));
    return item;
  }
}

/** "3 of 5 samples agree." once done; progress while the samples stream. */
function summaryText(view: FixRunView): string {
  if (view.summary) return view.status === 'stopped' ? `Stopped. ${view.summary}` : view.summary;
  const finished = view.samples.filter((sample) => sample.status !== 'streaming').length;
  if (view.status === 'stopped') return 'Stopped.';
  return `Sampling ${view.total} fixes… ${finished} of ${view.total} done.`;
}

function refusalList(view: FixRunView): HTMLElement {
  const list = element('ul', 'fix-run-refusals');
  list.dataset.testid = 'fix-run-refusals';
  for (const refusal of view.refusals) {
    const count = refusal.samples.length;
    list.append(textElement('li', '', `${count} of ${view.total} produced no edit: ${refusal.reason}`));
  }
  return list;
}

function formatTokens(tokens: number | undefined): string {
  return tokens === undefined ? '– tokens' : `${tokens.toLocaleString('en-US')} tokens`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? '< 1 s' : `${(ms / 1000).toFixed(1)} s`;
}
