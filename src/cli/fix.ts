/**
 * r1-coder fix --file F --selection L:C-L:C [--samples N] [model options] [--json]
 * Fix ×N from the command line: the extension's Fix prompt sampled N times, every answer planned,
 * the edit most samples agree on printed as the whole new file. Exit 0 when one group is strictly
 * largest, 2 when no sample planned or the top is tied (reason on stderr), 1 on usage or I/O errors,
 * 130 when interrupted.
 */

import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { describeConsensus } from '../core/apply/consensus';
import { languageIdForPath } from '../core/languageIds';
import { MAX_FIX_SAMPLES, runFixSamples } from '../core/fixSamples';
import { buildFixPrompt } from '../core/prompts';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, providerFromOptions } from './modelOptions';
import { BOM, parseSelectionArg, SELECTION_ARG_ERROR } from './selectionArg';

export interface FixIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** Paths in the prompt are relative to this folder (it stands in for the workspace root). */
  readonly cwd: string;
}

export const FIX_USAGE = `Usage: r1-coder fix --file F --selection L:C-L:C [--samples N] [options]
  --file F             the file to fix (it is not modified; the new text goes to stdout)
  --selection L:C-L:C  the selected range, 0-based line:character, end exclusive
  --samples N          independent samples (default 1); the edit most of them agree on wins
  --concurrency C      samples requested at once (default: all of them)
  --language ID        the VS Code language id (default: from the file extension)
  --json               one JSON line per sample, then the consensus (with the new text)
${MODEL_OPTIONS_HELP}
Exit status: 0 one edit has the most samples, 2 none planned or a tie, 1 usage or I/O error.
`;

export async function runFixCommand(args: readonly string[], io: FixIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        ...MODEL_OPTIONS,
        file: { type: 'string' },
        selection: { type: 'string' },
        samples: { type: 'string', default: '1' },
        concurrency: { type: 'string' },
        language: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`r1-coder fix: ${error instanceof Error ? error.message : String(error)}\n\n${FIX_USAGE}`);
    return 1;
  }
  const usage = (message: string) => {
    io.stderr(`r1-coder fix: ${message}\n`);
    return 1;
  };
  if (!values.file || !values.selection) return usage(`--file and --selection are required\n\n${FIX_USAGE}`);
  const selection = parseSelectionArg(values.selection);
  if (!selection) return usage(`${SELECTION_ARG_ERROR}, got "${values.selection}"`);
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_FIX_SAMPLES)
    return usage(`--samples must be a whole number from 1 to ${MAX_FIX_SAMPLES}`);
  const concurrency = values.concurrency === undefined ? samples : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return usage('--concurrency must be a whole number ≥ 1');
  let fileText: string;
  try {
    fileText = await readFile(values.file, 'utf8');
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const bom = fileText.startsWith(BOM) ? BOM : '';
  const documentText = fileText.slice(bom.length);
  const languageId = values.language ?? languageIdForPath(values.file) ?? 'plaintext';
  const chosen = providerFromOptions(values, io.env, io.stderr);
  if ('usageError' in chosen) return usage(chosen.usageError);

  const prompt = buildFixPrompt({
    filePath: relative(io.cwd, values.file).split('\\').join('/'),
    languageId,
    documentText,
    selection,
    diagnostics: [],
  });
  let result;
  try {
    result = await runFixSamples({
      provider: chosen.provider,
      prompt,
      count: samples,
      concurrency,
      signal: io.signal,
      documentText,
      selection,
      languageId,
    });
  } finally {
    await chosen.provider.dispose?.();
  }
  const { consensus } = result;
  const groupOf = (sample: number) => consensus.groups.find((group) => group.samples.includes(sample))?.index;
  const line = (value: object) => io.stdout(`${JSON.stringify(value)}\n`);
  if (values.json) {
    for (const { index, outcome } of result.samples) {
      line({
        type: 'sample',
        index,
        status: outcome.kind,
        ...(outcome.kind === 'edit' ? { group: groupOf(index) } : { reason: outcome.reason }),
      });
    }
    line({
      type: 'consensus',
      group: consensus.winner?.index ?? null,
      agree: consensus.winner?.samples.length ?? 0,
      of: consensus.total,
      groups: consensus.groups.map((group) => group.samples.length),
      ...(consensus.winner ? { text: bom + consensus.winner.newDocumentText } : {}),
    });
  }
  io.stderr(`${describeConsensus(consensus)}\n`);
  if (consensus.groups.length > 1) {
    io.stderr(`groups: ${consensus.groups.map((group) => `#${group.index + 1} ${group.samples.length}`).join(', ')}\n`);
  }
  for (const refusal of consensus.refusals) io.stderr(`refused ×${refusal.samples.length}: ${refusal.reason}\n`);
  if (io.signal.aborted) return 130;
  if (!consensus.winner) return 2;
  if (!values.json) io.stdout(bom + consensus.winner.newDocumentText);
  return 0;
}
