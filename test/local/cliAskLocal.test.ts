import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SCRIPT, expectedSplit, writeScriptModel } from '../gguf/scriptModel';
import { buildLocalWorker, buildNodeBundle } from '../support/localWorkerBundle';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the built CLI in its own process. */
function runCli(args: string[], entry: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('r1-coder ask --local (the built CLI and worker, the script model)', () => {
  let dir: string;
  let cli: string;
  let model: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'r1-cli-local-'));
    model = join(dir, 'script.gguf');
    writeScriptModel(model);
    // As scripts/build.mjs lays out dist/: cli.js finds localWorker.js beside it.
    const out = join(root, 'out', 'test', 'cli');
    cli = join(out, 'cli.js');
    await buildLocalWorker(join(out, 'localWorker.js'));
    await buildNodeBundle(join('src', 'cli', 'main.ts'), cli);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the script model’s exact reasoning to stderr and answer to stdout', async () => {
    const expected = expectedSplit(DEFAULT_SCRIPT);
    // CPU only and one thread, as in the LocalProvider tests (shared 2-core machines).
    const result = await runCli(
      ['ask', '--local', model, '--threads', '1', '--gpu-layers', '0', 'Why is the sum wrong?'],
      cli,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${expected.answer}\n`);
    assert.equal(result.stderr, `${expected.reasoning}\n`);
  });

  it('fix --local --samples 3: the samples run as one batch and agree on the script model’s fix', async () => {
    const file = join(dir, 'sum.ts');
    const source = 'let total = 0;\nfor (let i = 0; i < n; i++) total += values[i];\n';
    writeFileSync(file, source);
    const result = await runCli(
      [
        'fix',
        '--file',
        file,
        '--selection',
        '1:0-1:47',
        '--samples',
        '3',
        '--local',
        model,
        '--threads',
        '1',
        '--gpu-layers',
        '0',
      ],
      cli,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, source.replace('i < n', 'i <= n'));
    assert.match(result.stderr, /^3 of 3 samples agree\./m);
  });
});
