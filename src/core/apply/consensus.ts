/**
 * Fix ×N by agreement: several independently sampled fixes of the same selection, each planned on
 * its own, grouped by the edit they would make. R1's paper reports large accuracy gains from
 * majority voting over samples (self-consistency); here the vote is over planned edits, so two
 * answers that word their reasoning differently but produce the same code agree. Pure: no I/O.
 */

/** One sample's outcome: the document it would produce, or why it produced none. */
export type SampleOutcome =
  { readonly kind: 'edit'; readonly newDocumentText: string } | { readonly kind: 'refused'; readonly reason: string };

export interface EditGroup {
  /** 0-based, in the order groups are shown: largest first, then the one whose first sample came first. */
  readonly index: number;
  /** Sample indexes (0-based) that produced this edit, ascending. */
  readonly samples: readonly number[];
  /** The resulting document text, as the first sample of the group produced it. */
  readonly newDocumentText: string;
}

export interface RefusalCount {
  readonly reason: string;
  readonly samples: readonly number[];
}

export interface Consensus {
  readonly total: number;
  readonly groups: readonly EditGroup[];
  readonly refusals: readonly RefusalCount[];
  /** The strictly largest group; undefined when no sample planned or the top is tied. */
  readonly winner: EditGroup | undefined;
  /** True when two or more groups share the largest size (nothing is preselected then). */
  readonly tie: boolean;
}

/**
 * Two edits agree when their resulting documents are equal after trailing whitespace is removed
 * from every line and line endings are unified (models differ in both, to no effect on the code).
 */
export function agreementKey(documentText: string): string {
  return documentText
    .split(/\r?\n/)
    .map((line) => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

export function groupSamples(outcomes: readonly SampleOutcome[]): Consensus {
  const byKey = new Map<string, { samples: number[]; newDocumentText: string }>();
  const byReason = new Map<string, number[]>();
  outcomes.forEach((outcome, sample) => {
    if (outcome.kind === 'refused') {
      const samples = byReason.get(outcome.reason) ?? [];
      samples.push(sample);
      byReason.set(outcome.reason, samples);
      return;
    }
    const key = agreementKey(outcome.newDocumentText);
    const group = byKey.get(key);
    if (group) group.samples.push(sample);
    else byKey.set(key, { samples: [sample], newDocumentText: outcome.newDocumentText });
  });
  const groups = [...byKey.values()]
    .sort((a, b) => b.samples.length - a.samples.length || (a.samples[0] ?? 0) - (b.samples[0] ?? 0))
    .map((group, index): EditGroup => ({ index, samples: group.samples, newDocumentText: group.newDocumentText }));
  const top = groups[0];
  const tie = top !== undefined && groups[1]?.samples.length === top.samples.length;
  const refusals = [...byReason.entries()]
    .map(([reason, samples]) => ({ reason, samples }))
    .sort((a, b) => b.samples.length - a.samples.length || (a.samples[0] ?? 0) - (b.samples[0] ?? 0));
  return { total: outcomes.length, groups, refusals, winner: tie ? undefined : top, tie };
}

/** "3 of 5 samples agree", "2 and 2 of 5 samples tie", "no sample of 3 produced an edit". */
export function describeConsensus(consensus: Consensus): string {
  const { total, groups, winner, tie } = consensus;
  const noun = total === 1 ? 'sample' : 'samples';
  if (groups.length === 0) return `No ${noun} of ${total} produced an edit.`;
  if (tie) {
    const size = groups[0]?.samples.length ?? 0;
    const tied = groups.filter((group) => group.samples.length === size).length;
    return `${tied} edits tie with ${size} of ${total} ${noun} each: nothing is preselected.`;
  }
  return `${winner?.samples.length ?? 0} of ${total} ${noun} agree.`;
}
