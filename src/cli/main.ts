/**
 * r1-coder: the headless CLI on the same core as the extension.
 *   r1-coder ask [--base-url URL] [--model M] [--json] [--api-key-env NAME] [--file PATH …] "question"
 * streams reasoning to stderr and the answer to stdout; with --json it prints one JSON object per
 * line ({"type":"reasoning"|"answer"|"usage"|"retry"|"error",…}). Exits non-zero on error.
 */

import { DEFAULT_CLOUD_CONTEXT_TOKENS, MAX_ATTACHMENT_BYTES } from '../core/context/defaults';
import { formatBytes } from '../core/context/screen';
import { runAsk } from './ask';
import { MODEL_OPTIONS_HELP } from './modelOptions';

const HELP = `Usage:
  r1-coder ask [options] "question"     stream reasoning (stderr) and answer (stdout)
  r1-coder fix --file F --selection L:C-L:C [--samples N] [options]
                                        Fix ×N: the fix most samples agree on (prints the new file)
  r1-coder apply --file F --selection L:C-L:C --answer A.md
                                        apply a model's fix to a file (prints the new file)
  r1-coder apply --root DIR --answer A.md [--out DIR] [--allow-delete]
                                        plan a multi-file Edit answer against the tree at DIR:
                                        a unified diff, or the changed files written to --out
                                        (r1-coder apply --help for details)

ask options:
  --json                  one JSON object per line on stdout
  --file PATH             attach a file (repeatable; relative to the current directory). Files that
                          may hold secrets (.env, keys, credentials…), binary files and files over
                          ${formatBytes(MAX_ATTACHMENT_BYTES)} are refused on stderr and not sent; the question still goes
  --context-tokens N      token budget of the question with its files (default ${DEFAULT_CLOUD_CONTEXT_TOKENS}; with --local
                          half the model's context); larger files are trimmed from the middle,
                          reported on stderr (with --json, first a {"type":"context",…} line)
model options (ask, fix):
${MODEL_OPTIONS_HELP}
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  switch (command) {
    case 'ask':
      return interruptible((signal) => runAsk(rest, { ...io, env: process.env, signal }));
    case 'fix': {
      const { runFixCommand } = await import('./fix');
      return interruptible((signal) => runFixCommand(rest, { ...io, env: process.env, signal, cwd: process.cwd() }));
    }
    case 'apply': {
      const { runApplyCommand } = await import('./apply');
      return runApplyCommand(rest, io);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout(HELP);
      return command === undefined ? 1 : 0;
    default:
      io.stderr(`r1-coder: unknown command "${command}"\n\n${HELP}`);
      return 1;
  }
}

/** Ctrl+C stops the request (what arrived is kept); the command decides its exit code (130). */
async function interruptible(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  // `r1-coder ask … | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`r1-coder: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
