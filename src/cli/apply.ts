/**
 * r1-coder apply --file F --selection L:C-L:C --answer A.md [--finish-reason R] [--language ID]
 * Plans the model's fix for a file with the same planner as the extension. Prints the whole new
 * file to stdout (exit 0), or the refusal reason to stderr (exit 2); usage and I/O errors exit 1.
 * Positions are 0-based line:character, as in the apply fixtures' selection.json.
 *
 * r1-coder apply --root DIR --answer A.md [--out DIR] [--allow-delete] [--finish-reason R]
 * Plans a multi-file Edit answer against the tree at DIR (never modified): with --out, writes the
 * changed and new files there and lists deletions on stdout; without it, prints a unified diff.
 * Exit 0 when every file planned, 2 when any was refused (`path: reason` on stderr; the files that
 * planned are still written or printed), 1 usage or I/O error.
 */

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { languageIdForPath } from '../core/languageIds';
import { unifiedDiff } from '../core/apply/lineDiff';
import { planEdit } from '../core/apply/planEdit';
import { planFiles, type FilePlan } from '../core/apply/planFiles';
import { BOM, parseSelectionArg, SELECTION_ARG_ERROR } from './selectionArg';

export interface ApplyIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `Usage: r1-coder apply --file F --selection L:C-L:C --answer A.md [--finish-reason R] [--language ID]
       r1-coder apply --root DIR --answer A.md [--out DIR] [--allow-delete] [--finish-reason R]
One file:
  --file F             the file to fix (it is not modified; the new text goes to stdout)
  --selection L:C-L:C  the selected range, 0-based line:character, end exclusive
  --language ID        the VS Code language id (default: from the file extension)
Exit status: 0 printed the new file, 2 refused (reason on stderr), 1 usage or I/O error.
Many files (an Edit answer: \`File: path\` then one fenced block per file):
  --root DIR           the workspace the answer's paths are relative to (it is not modified)
  --out DIR            write the changed and new files there (deletions are listed, not done);
                       without it, print a unified diff
  --allow-delete       apply the deletions the answer asks for (\`Delete: path\`); refused otherwise
Exit status: 0 every file planned, 2 a file was refused (\`path: reason\` on stderr; the others are
still written or printed), 1 usage or I/O error.
Both:
  --answer A.md        the model's full output (reasoning included; it is never applied)
  --finish-reason R    the stream's finish reason; "length" means truncated and is refused
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
        root: { type: 'string' },
        out: { type: 'string' },
        'allow-delete': { type: 'boolean', default: false },
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
  if (values.root !== undefined) {
    if (!answer || file !== undefined || values.selection !== undefined) {
      io.stderr(`r1-coder apply: --root takes --answer (and not --file or --selection)\n\n${USAGE}`);
      return 1;
    }
    return applyFiles(
      {
        root: values.root,
        answer,
        out: values.out,
        allowDelete: values['allow-delete'],
        finishReason: values['finish-reason'],
      },
      io,
    );
  }
  if (values.out !== undefined || values['allow-delete']) {
    io.stderr(`r1-coder apply: --out and --allow-delete go with --root\n\n${USAGE}`);
    return 1;
  }
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

interface ApplyFilesOptions {
  readonly root: string;
  readonly answer: string;
  readonly out: string | undefined;
  readonly allowDelete: boolean;
  readonly finishReason: string | undefined;
}

/** Folders never read as part of the workspace. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

function applyFiles(options: ApplyFilesOptions, io: ApplyIo): number {
  const root = resolve(options.root);
  let output: string;
  let workspaceFiles: string[];
  try {
    if (!statSync(root).isDirectory()) throw new Error(`${options.root} is not a folder`);
    output = readFileSync(options.answer, 'utf8');
    workspaceFiles = listFiles(root);
  } catch (error) {
    io.stderr(`r1-coder apply: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const result = planFiles({
    output,
    // A saved answer is taken as finished unless told otherwise; its text is still checked for a cut.
    ending: { status: 'done', finishReason: options.finishReason ?? 'stop' },
    workspaceFiles,
    readFile: (path) => readInside(root, path),
    allowDeletes: options.allowDelete,
  });
  if (result.problem !== undefined) {
    io.stderr(`r1-coder apply: refused: ${result.problem}\n`);
    return 2;
  }
  try {
    if (options.out !== undefined) writeTree(resolve(options.out), result.files, io);
    else for (const file of result.files) io.stdout(diffOf(file));
  } catch (error) {
    io.stderr(`r1-coder apply: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const refused = result.files.filter((file) => file.kind === 'refused');
  for (const file of refused) io.stderr(`${file.path}: ${file.reason ?? 'refused'}\n`);
  return refused.length > 0 ? 2 : 0;
}

/** Workspace-relative paths (forward slashes) of the files under `root`, without .git and node_modules. */
function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      } else if (entry.isFile()) {
        files.push(`${prefix}${entry.name}`);
      }
    }
  };
  walk(root, '');
  return files.sort();
}

/** A file's text when it lies inside `root` and is readable text; undefined otherwise. */
function readInside(root: string, path: string): string | undefined {
  const absolute = resolve(root, path);
  if (!absolute.startsWith(root + sep)) return undefined;
  try {
    const bytes = readFileSync(absolute);
    return bytes.includes(0) ? undefined : bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

function diffOf(file: FilePlan): string {
  switch (file.kind) {
    case 'modify':
      return unifiedDiff(file.path, file.oldText, file.newText);
    case 'create':
      return unifiedDiff(file.path, undefined, file.newText);
    case 'delete':
      return unifiedDiff(file.path, file.oldText, undefined);
    case 'unchanged':
    case 'refused':
      return '';
  }
}

/** Writes the changed and new files under `out`; lists what was written and the deletions on stdout. */
function writeTree(out: string, files: readonly FilePlan[], io: ApplyIo): void {
  for (const file of files) {
    if (file.kind === 'delete') {
      io.stdout(`deleted ${file.path} (-${file.removed}): not written\n`);
      continue;
    }
    if ((file.kind !== 'modify' && file.kind !== 'create') || file.newText === undefined) continue;
    const target = resolve(out, file.path);
    if (!target.startsWith(out + sep)) throw new Error(`${file.path} lies outside ${out}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.newText);
    io.stdout(`${file.kind === 'create' ? 'created' : 'modified'} ${file.path} (+${file.added} -${file.removed})\n`);
  }
}
