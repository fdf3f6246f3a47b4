import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApplyCommand } from '../../src/cli/apply';

const fixture = (name: string, file: string) =>
  fileURLToPath(new URL(`../fixtures/apply/${name}/${file}`, import.meta.url));
const mainEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const builtCli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

const loop = {
  file: fixture('ts-off-by-one-loop', 'before.ts'),
  answer: fixture('ts-off-by-one-loop', 'answer.md'),
  after: readFileSync(fixture('ts-off-by-one-loop', 'after.ts'), 'utf8'),
  selection: '5:0-9:3',
};

async function call(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runApplyCommand(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

function spawnCli(command: string[], args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, 'apply', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'r1-apply-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('r1-coder apply (in process)', () => {
  it('prints exactly the new file and exits 0', async () => {
    const result = await call(['--file', loop.file, '--selection', loop.selection, '--answer', loop.answer]);
    assert.deepEqual(result, { code: 0, stdout: loop.after, stderr: '' });
  });

  it('exits 2 with the reason on stderr when the planner refuses', async () => {
    const result = await call([
      '--file',
      loop.file,
      '--selection',
      loop.selection,
      '--answer',
      loop.answer,
      '--finish-reason',
      'length',
    ]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^r1-coder apply: refused: .*truncated/);
  });

  it('refuses an answer with no code block', async () => {
    const dir = 'ts-answer-without-code';
    const result = await call([
      '--file',
      fixture(dir, 'before.ts'),
      '--selection',
      '1:0-4:3',
      '--answer',
      fixture(dir, 'answer.md'),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no code block/);
  });

  it('keeps CRLF line endings and a byte-order mark', async () => {
    const file = join(scratch, 'bom.js');
    writeFileSync(file, '\uFEFFfunction f() {\r\n  return 1;\r\n}\r\n');
    const answer = join(scratch, 'bom.md');
    writeFileSync(answer, '<think>\nReturn 2.\n</think>\n\n```js\n  return 2;\n```\n');
    const result = await call(['--file', file, '--selection', '1:0-1:11', '--answer', answer]);
    assert.deepEqual(result, { code: 0, stdout: '\uFEFFfunction f() {\r\n  return 2;\r\n}\r\n', stderr: '' });
  });

  it('exits 1 on usage errors', async () => {
    const missing = await call(['--file', loop.file, '--selection', loop.selection]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--answer are required/);
    const badRange = await call(['--file', loop.file, '--selection', '5-9', '--answer', loop.answer]);
    assert.equal(badRange.code, 1);
    assert.match(badRange.stderr, /--selection must look like/);
    const unknown = await call([
      '--file',
      loop.file,
      '--selection',
      loop.selection,
      '--answer',
      loop.answer,
      '--force',
    ]);
    assert.equal(unknown.code, 1);
    const noFile = await call([
      '--file',
      join(scratch, 'missing.ts'),
      '--selection',
      loop.selection,
      '--answer',
      loop.answer,
    ]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /ENOENT/);
  });

  it('prints usage for --help', async () => {
    const result = await call(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: r1-coder apply --file F --selection L:C-L:C --answer A\.md/);
  });
});

describe('r1-coder apply (a real process)', () => {
  const entries: [string, string[]][] = [['src/cli/main.ts via tsx', ['--import', 'tsx', mainEntry]]];
  if (existsSync(builtCli)) entries.push(['dist/cli.js', [builtCli]]);
  for (const [label, command] of entries) {
    it(`${label}: prints the new file, or exits 2 with the reason`, async () => {
      const ok = await spawnCli(command, ['--file', loop.file, '--selection', loop.selection, '--answer', loop.answer]);
      assert.deepEqual(ok, { code: 0, stdout: loop.after, stderr: '' });
      const refused = await spawnCli(command, [
        '--file',
        loop.file,
        '--selection',
        loop.selection,
        '--answer',
        loop.answer,
        '--finish-reason',
        'length',
      ]);
      assert.equal(refused.code, 2);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /truncated/);
    });
  }
});
