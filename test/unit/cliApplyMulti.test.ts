import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApplyCommand } from '../../src/cli/apply';
import { main } from '../../src/cli/main';

const fixture = (name: string, path = '') =>
  fileURLToPath(new URL(`../fixtures/apply-multi/${name}/${path}`, import.meta.url));

async function call(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runApplyCommand(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'r1-apply-multi-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('r1-coder apply --root (multi-file)', () => {
  it('writes the changed files to --out byte for byte and exits 0', async () => {
    const out = join(scratch, 'two-files');
    const result = await call([
      '--root',
      fixture('mixed-crlf-lf', 'before'),
      '--answer',
      fixture('mixed-crlf-lf', 'answer.md'),
      '--out',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    for (const path of ['src/cart.ts', 'src/format.ts'])
      assert.equal(
        readFileSync(join(out, path), 'utf8'),
        readFileSync(fixture('mixed-crlf-lf', `after/${path}`), 'utf8'),
      );
    assert.match(result.stdout, /^modified src\/cart\.ts \(\+1 -1\)$/m);
    // The tree at --root is never modified.
    assert.notEqual(
      readFileSync(fixture('mixed-crlf-lf', 'before/src/cart.ts'), 'utf8'),
      readFileSync(join(out, 'src/cart.ts'), 'utf8'),
    );
  });

  it('prints a unified diff that git applies to give the after tree', async () => {
    const work = join(scratch, 'git-apply');
    cpSync(fixture('new-file-and-change', 'before'), work, { recursive: true });
    const result = await call(['--root', work, '--answer', fixture('new-file-and-change', 'answer.md')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^--- \/dev\/null\n\+\+\+ b\/src\/discount\.ts$/m);
    writeFileSync(join(scratch, 'change.diff'), result.stdout);
    execFileSync('git', ['apply', join(scratch, 'change.diff')], { cwd: work });
    for (const path of ['src/cart.ts', 'src/discount.ts', 'src/format.ts'])
      assert.equal(
        readFileSync(join(work, path), 'utf8'),
        readFileSync(fixture('new-file-and-change', `after/${path}`), 'utf8'),
        path,
      );
  });

  it('exits 2 with each refusal as "path: reason" on stderr, still writing the files that planned', async () => {
    const out = join(scratch, 'rename');
    const result = await call([
      '--root',
      fixture('rename-refused', 'before'),
      '--answer',
      fixture('rename-refused', 'answer.md'),
      '--out',
      out,
    ]);
    assert.equal(result.code, 2);
    const lines = result.stderr.trim().split('\n').sort();
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^src\/format\.ts: .*rename/);
    assert.match(lines[1] ?? '', /^src\/money\.ts: .*rename/);
    assert.equal(
      readFileSync(join(out, 'src/cart.ts'), 'utf8'),
      readFileSync(fixture('rename-refused', 'after/src/cart.ts'), 'utf8'),
    );
    assert.ok(!existsSync(join(out, 'src/money.ts')), 'a refused file is not written');
  });

  it('applies deletions only with --allow-delete, and lists them instead of deleting', async () => {
    const args = ['--root', fixture('delete-asked', 'before'), '--answer', fixture('delete-asked', 'answer.md')];
    const refused = await call([...args, '--out', join(scratch, 'no-delete')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^src\/legacy\.ts: .*not asked/m);
    const allowed = await call([...args, '--out', join(scratch, 'delete'), '--allow-delete']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^deleted src\/legacy\.ts \(-3\)/m);
    assert.ok(existsSync(fixture('delete-asked', 'before/src/legacy.ts')), 'nothing is deleted at --root');
    const diff = await call([...args, '--allow-delete']);
    assert.match(diff.stdout, /^--- a\/src\/legacy\.ts\n\+\+\+ \/dev\/null$/m);
  });

  it('refuses every file of a truncated answer (--finish-reason length)', async () => {
    const result = await call([
      '--root',
      fixture('two-files-whole', 'before'),
      '--answer',
      fixture('two-files-whole', 'answer.md'),
      '--finish-reason',
      'length',
    ]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 2);
    assert.match(result.stderr, /^src\/cart\.ts: .*truncated/m);
  });

  it('skips .git and node_modules when listing the workspace', async () => {
    const root = join(scratch, 'with-modules');
    mkdirSync(join(root, 'node_modules/lib'), { recursive: true });
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'node_modules/lib/index.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src/index.ts'), 'export const a = 1;\n');
    const answer = join(scratch, 'with-modules.md');
    writeFileSync(answer, 'File: index.ts\n```ts\nexport const a = 2;\n```\n');
    const result = await call(['--root', root, '--answer', answer]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\+\+\+ b\/src\/index\.ts$/m, 'the bare name is not ambiguous with node_modules');
  });

  it('answers usage and I/O errors with exit 1', async () => {
    const answer = fixture('two-files-whole', 'answer.md');
    assert.equal((await call(['--root', fixture('two-files-whole', 'before')])).code, 1);
    assert.equal((await call(['--root', join(scratch, 'missing'), '--answer', answer])).code, 1);
    assert.equal((await call(['--root', '.', '--answer', join(scratch, 'missing.md')])).code, 1);
    assert.equal((await call(['--root', '.', '--answer', answer, '--file', answer])).code, 1);
    assert.equal(
      (await call(['--file', answer, '--selection', '0:0-0:0', '--answer', answer, '--out', scratch])).code,
      1,
    );
  });

  it('an answer with no file block exits 2 with the reason', async () => {
    const answer = join(scratch, 'no-files.md');
    writeFileSync(answer, '<think>\nnothing\n</think>\nNo change is needed.\n');
    const result = await call(['--root', fixture('two-files-whole', 'before'), '--answer', answer]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no code block/);
  });

  it('is listed in the command line help', async () => {
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((text: string) => ((stdout += text), true)) as typeof process.stdout.write;
    try {
      await main(['--help']);
    } finally {
      process.stdout.write = write;
    }
    assert.match(stdout, /r1-coder apply --root DIR --answer A\.md \[--out DIR\] \[--allow-delete\]/);
  });
});
