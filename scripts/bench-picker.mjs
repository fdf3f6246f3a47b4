// `npm run bench:picker`: the `#` picker benchmark (test/host/pickerBench.test.ts) in a real
// extension host (code-server): a generated 10,000-file workspace; the time from opening the
// picker until its files are listed (cold index and cached), and the host's assembly of 10
// attachments. BENCH_JSON rows and PASS/FAIL lines for `npm run bench`. Runs the host stage with
// R1_BENCH_PICKER=1 and only that suite.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  R1_BENCH_PICKER: '1',
  R1_HOST_GREP: process.env.R1_HOST_GREP ?? '^Bench: # picker',
  R1_HOST_TEST_TIMEOUT_MS: process.env.R1_HOST_TEST_TIMEOUT_MS ?? String(20 * 60_000),
};
const child = spawn('node', ['scripts/test.mjs', 'host'], { cwd: root, env, stdio: 'inherit' });
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
