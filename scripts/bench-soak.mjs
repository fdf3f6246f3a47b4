// `npm run bench:soak`: the extension-host soak benchmark (test/host/soak.test.ts): 200 sequential
// turns of realistic size (20–50 KB each) against the loopback server; heap growth, a census of
// retained turns and the saved history's size reported as BENCH_JSON, with PASS/FAIL lines.
// It runs the host stage with R1_SOAK=1 (code-server passes its environment to the extension host)
// and, unless R1_HOST_GREP says otherwise, only the soak suite.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  R1_SOAK: '1',
  R1_HOST_GREP: process.env.R1_HOST_GREP ?? '^Soak: ',
  // 260 turns of 20–50 KB outlast the harness's default 5 minutes, more so on a busy machine.
  R1_HOST_TEST_TIMEOUT_MS: process.env.R1_HOST_TEST_TIMEOUT_MS ?? String(60 * 60_000),
};
const child = spawn('node', ['scripts/test.mjs', 'host'], { cwd: root, env, stdio: 'inherit' });
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
