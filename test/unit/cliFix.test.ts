import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFixCommand } from '../../src/cli/fix';
import { startDeepSeekServer, type DeepSeekServer, type Scenario } from '../support/deepseekServer';

const SOURCE = [
  'function sum(arr) {',
  '  let total = 0;',
  '  for (let i = 0; i < arr.length - 1; i++) {',
  '    total += arr[i];',
  '  }',
  '  return total;',
  '}',
  '',
].join('\n');
const SELECTION = '2:0-3:0';
const fixed = (loop: string) => SOURCE.replace('  for (let i = 0; i < arr.length - 1; i++) {', `  ${loop}`);
const answer = (loop: string): Scenario => ({
  reasoning: 'The bound stops one short.',
  answer: `The loop skips the last element.\n\n\`\`\`javascript\n  ${loop}\n\`\`\`\n`,
});
const A = 'for (let i = 0; i < arr.length; i++) {';
const B = 'for (let i = 0; i <= arr.length - 1; i++) {';

describe('r1-coder fix (Fix ×N against the loopback server)', () => {
  let server: DeepSeekServer;
  let dir: string;
  let file: string;
  before(async () => {
    server = await startDeepSeekServer();
    dir = mkdtempSync(join(tmpdir(), 'r1-cli-fix-'));
    file = join(dir, 'sum.js');
    writeFileSync(file, SOURCE);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fix(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runFixCommand(
      ['--base-url', server.baseUrl, '--file', file, '--selection', SELECTION, ...args],
      {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        env: { DEEPSEEK_API_KEY: 'sk-fix' },
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    return { code, stdout, stderr };
  }

  it('prints the edit most samples agree on, and says how many agree', async () => {
    const before = server.requests.length;
    server.enqueue(answer(A), answer(B), answer(A));
    const result = await fix(['--samples', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, fixed(A));
    assert.equal(result.stderr, '2 of 3 samples agree.\ngroups: #1 2, #2 1\n');
    const requests = server.requests.slice(before);
    assert.equal(requests.length, 3);
    const prompts = requests.map((request) => request.body?.messages);
    assert.ok(prompts.every((messages) => JSON.stringify(messages) === JSON.stringify(prompts[0])));
    assert.equal(prompts[0]?.length, 1, 'one user message, no system prompt');
    assert.match(String(prompts[0]?.[0]?.content), /^Task: fix the bug in the selected code\.\nFile: sum\.js\n/);
  });

  it('exits 2 on a tie for the top and preselects nothing', async () => {
    server.enqueue(answer(A), answer(B));
    const result = await fix(['--samples', '2']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /2 edits tie with 1 of 2 samples each: nothing is preselected\./);
  });

  it('exits 2 when no sample planned, counting the reasons', async () => {
    const noCode: Scenario = { reasoning: 'Fine.', answer: 'Nothing needs fixing.' };
    server.enqueue(noCode, noCode);
    const result = await fix(['--samples', '2']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^No samples of 2 produced an edit\.\nrefused ×2: The answer has no code block/);
  });

  it('retries only the sample that got a 429, and still agrees', async () => {
    const before = server.requests.length;
    server.enqueue({ status: 429, retryAfter: 0 }, answer(A), answer(A), answer(B));
    const result = await fix(['--samples', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, fixed(A));
    assert.equal(server.requests.length - before, 4, 'three samples and one retry');
  });

  it('--json: one line per sample with its group, then the consensus with the new text', async () => {
    server.enqueue(answer(B), answer(A), answer(A), { reasoning: 'Hmm.', answer: 'No code.' });
    const result = await fix(['--samples', '4', '--concurrency', '1', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.slice(0, 4), [
      { type: 'sample', index: 0, status: 'edit', group: 1 },
      { type: 'sample', index: 1, status: 'edit', group: 0 },
      { type: 'sample', index: 2, status: 'edit', group: 0 },
      {
        type: 'sample',
        index: 3,
        status: 'refused',
        reason: 'The answer has no code block to apply.',
      },
    ]);
    assert.deepEqual(lines[4], { type: 'consensus', group: 0, agree: 2, of: 4, groups: [2, 1], text: fixed(A) });
    assert.equal(lines.length, 5);
  });

  it('rejects bad usage with exit 1', async () => {
    assert.equal((await fix(['--samples', '0'])).code, 1);
    assert.equal((await fix(['--samples', 'x'])).code, 1);
    assert.equal((await fix(['--concurrency', '0'])).code, 1);
    assert.equal((await fix(['--selection', '2-3'])).code, 1);
    assert.equal((await fix(['--reasoning-effort', 'extreme'])).code, 1);
  });
});
