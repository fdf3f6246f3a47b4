// `npm run bench:soak`: the extension-host soak benchmark (test/host/soak.test.ts): 200 sequential
// turns against the loopback server, heap growth reported as BENCH_JSON and a PASS/FAIL line.
// It runs the host suite with R1_SOAK=1: code-server passes its environment to the extension host.
// The harness takes no mocha grep, so the rest of the host suite (~1 min) runs first.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  R1_SOAK: '1',
  // 200 turns plus the regular suite outlast the harness's default 5 minutes on a busy machine.
  R1_HOST_TEST_TIMEOUT_MS: process.env.R1_HOST_TEST_TIMEOUT_MS ?? String(20 * 60_000),
};
const child = spawn('node', ['scripts/test.mjs', 'host'], { cwd: root, env, stdio: 'inherit' });
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
