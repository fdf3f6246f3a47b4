/**
 * r1-coder apply --file F --selection L:C-L:C --answer A.md [--finish-reason R] [--language ID]
 * Plans the model's fix for a file with the same planner as the extension. Prints the whole new
 * file to stdout (exit 0), or the refusal reason to stderr (exit 2); usage and I/O errors exit 1.
 * Positions are 0-based line:character, as in the apply fixtures' selection.json.
 */

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { languageIdForPath } from '../core/apply/extractCode';
import { planEdit } from '../core/apply/planEdit';
import { BOM, parseSelectionArg, SELECTION_ARG_ERROR } from './selectionArg';

export interface ApplyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `Usage: r1-coder apply --file F --selection L:C-L:C --answer A.md [--finish-reason R] [--language ID]
  --file F             the file to fix (it is not modified; the new text goes to stdout)
  --selection L:C-L:C  the selected range, 0-based line:character, end exclusive
  --answer A.md        the model's full output (reasoning included; it is never applied)
  --finish-reason R    the stream's finish reason; "length" means truncated and is refused
  --language ID        the VS Code language id (default: from the file extension)
Exit status: 0 printed the new file, 2 refused (reason on stderr), 1 usage or I/O error.
`;

export async function runApplyCommand(args: readonly string[], io: ApplyIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        file: { type: 'string' },
        selection: { type: 'string' },
        answer: { type: 'string' },
        'finish-reason': { type: 'string' },
        language: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`r1-coder apply: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const { file, answer } = values;
  if (!file || !answer || !values.selection) {
    io.stderr(`r1-coder apply: --file, --selection and --answer are required\n\n${USAGE}`);
    return 1;
  }
  const selection = parseSelectionArg(values.selection);
  if (!selection) {
    io.stderr(`r1-coder apply: ${SELECTION_ARG_ERROR}, got "${values.selection}"\n`);
    return 1;
  }
  let documentText: string;
  let answerText: string;
  try {
    [documentText, answerText] = await Promise.all([readFile(file, 'utf8'), readFile(answer, 'utf8')]);
  } catch (error) {
    io.stderr(`r1-coder apply: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const bom = documentText.startsWith(BOM) ? BOM : '';
  const plan = planEdit({
    documentText: documentText.slice(bom.length),
    selection,
    answer: answerText,
    finishReason: values['finish-reason'],
    languageId: values.language ?? languageIdForPath(file),
  });
  if (plan.kind === 'refused') {
    io.stderr(`r1-coder apply: refused: ${plan.reason}\n`);
    return 2;
  }
  io.stdout(bom + plan.newDocumentText);
  return 0;
}
