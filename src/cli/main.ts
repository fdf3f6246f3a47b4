/**
 * r1-coder: the headless CLI on the same core as the extension.
 *   r1-coder ask [--base-url URL] [--model M] [--json] [--api-key-env NAME] "question"
 * streams reasoning to stderr and the answer to stdout; with --json it prints one JSON object per
 * line ({"type":"reasoning"|"answer"|"usage"|"error",…}). Exits non-zero on error.
 */

import { CLOUD_DEFAULTS, REASONING_EFFORTS } from '../providers/cloud/cloudServer';
import { runAsk } from './ask';

const HELP = `Usage:
  r1-coder ask [options] "question"     stream reasoning (stderr) and answer (stdout)
  r1-coder apply --file F --selection L:C-L:C --answer A.md
                                        apply a model's fix to a file (prints the new file)

ask options:
  --base-url URL          OpenAI-compatible server (default ${CLOUD_DEFAULTS.baseUrl})
  --model NAME            model name (default ${CLOUD_DEFAULTS.model})
  --reasoning-effort E    ${REASONING_EFFORTS.join(' | ')} (default ${CLOUD_DEFAULTS.reasoningEffort})
  --api-key-env NAME      environment variable holding the API key (default DEEPSEEK_API_KEY)
  --json                  one JSON object per line on stdout
  --timeout SECONDS       inactivity timeout (default ${CLOUD_DEFAULTS.inactivityTimeoutSeconds})
  --local PATH.gguf       answer with a local GGUF model instead (node-llama-cpp, no server)
  --threads N             CPU threads for --local (default 0 = physical cores)
  --gpu-layers N|auto     layers --local offloads to the GPU (default auto; 0 = CPU only)
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  switch (command) {
    case 'ask': {
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        return await runAsk(rest, { ...io, env: process.env, signal: controller.signal });
      } finally {
        process.off('SIGINT', onSigint);
      }
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
