/**
 * scripts/build.mjs refuses to build when an entry point is missing. The real script runs from a
 * copy in a temporary folder (it builds the folder above its own), with node_modules linked in.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A folder holding scripts/build.mjs, node_modules (linked) and the given source files (empty). */
function workspace(t: TestContext, sources: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'r1-build-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(repo, 'scripts', 'build.mjs'), join(root, 'scripts', 'build.mjs'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  for (const source of sources) {
    mkdirSync(dirname(join(root, source)), { recursive: true });
    writeFileSync(join(root, source), 'export {};\n');
  }
  return root;
}

function build(root: string) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], {
    // Started from elsewhere: the script builds the folder above its own, not the current one.
    cwd: tmpdir(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The entries a failed build names as missing, one per indented line. */
function missingEntries(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /^ {2}\S/.test(line))
    .map((line) => line.trim());
}

describe('scripts/build.mjs', () => {
  it('fails, naming the entry, when an entry point is missing, and builds once it is there', (t) => {
    // With no sources at all the script names every entry it needs.
    const empty = build(workspace(t, []));
    assert.notEqual(empty.status, 0, 'a build with no entry points fails');
    const entries = missingEntries(empty.stderr);
    assert.ok(entries.includes('src/providers/local/worker.ts'), empty.stderr);
    assert.ok(entries.includes('src/host/extension.ts'), empty.stderr);

    // Every entry but the worker: the build fails and names only the worker, building nothing.
    const root = workspace(
      t,
      entries.filter((entry) => entry !== 'src/providers/local/worker.ts'),
    );
    const withoutWorker = build(root);
    assert.notEqual(withoutWorker.status, 0, 'a build without the worker fails');
    assert.deepEqual(missingEntries(withoutWorker.stderr), ['src/providers/local/worker.ts']);
    assert.match(withoutWorker.stderr, /missing entry point/);
    assert.equal(existsSync(join(root, 'dist', 'extension.js')), false, 'nothing was built');

    // With the worker back, the same folder builds every bundle, the worker's included.
    mkdirSync(join(root, 'src/providers/local'), { recursive: true });
    writeFileSync(join(root, 'src/providers/local/worker.ts'), 'export {};\n');
    const complete = build(root);
    assert.equal(complete.status, 0, complete.stderr);
    assert.ok(existsSync(join(root, 'dist', 'localWorker.js')));
    assert.ok(existsSync(join(root, 'dist', 'extension.js')));
  });
});
