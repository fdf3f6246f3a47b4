/**
 * `npm start` in code-server mode (scripts/start.mjs --browser): it prints the workbench URL, the
 * URL answers over loopback with the extension loaded from this folder as a development extension,
 * and Ctrl+C (SIGINT) stops code-server and the script cleanly. Needs code-server, as the host
 * tests do (`node scripts/setup-test-env.mjs`; `npm test` runs it first).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..', '..');
const URL_LINE = /Open: (http:\/\/127\.0\.0\.1:(\d+)\/\?\S+)/;
const setUp = existsSync(join(root, '.vscode-test', 'env.json'));

/** One GET without keep-alive: status and body. */
function fetchOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const request = get(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', fail);
    request.setTimeout(30_000, () => request.destroy(new Error(`no answer from ${url}`)));
  });
}

describe('npm start (scripts/start.mjs) in code-server mode', () => {
  it(
    'prints the URL, which answers 200 with this folder as development extension; Ctrl+C stops it cleanly',
    { skip: !setUp && 'code-server is not set up: run node scripts/setup-test-env.mjs', timeout: 240_000 },
    async () => {
      const child = spawn(process.execPath, ['scripts/start.mjs', '--browser', '--no-open', '--no-build'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (data: Buffer) => (output += data.toString()));
      child.stderr.on('data', (data: Buffer) => (output += data.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      try {
        const match = await new Promise<RegExpExecArray>((done, fail) => {
          const timer = setTimeout(() => fail(new Error(`no URL printed within 180 s:\n${output}`)), 180_000);
          const check = () => {
            const found = URL_LINE.exec(output);
            if (found) {
              clearTimeout(timer);
              done(found);
            }
          };
          child.stdout.on('data', check);
          void exited.then((code) => fail(new Error(`start.mjs exited (${code}) before printing a URL:\n${output}`)));
        });
        const [, url = '', port = ''] = match;
        const payload = JSON.parse(new URL(url).searchParams.get('payload') ?? '[]') as [string, string][];
        assert.deepEqual(
          payload.find(([name]) => name === 'extensionDevelopmentPath'),
          ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`],
        );
        const folder = new URL(url).searchParams.get('folder') ?? '';
        assert.ok(existsSync(join(folder, 'average.js')), `the sample workspace (${folder}) has the sample bug`);
        const page = await fetchOnce(url);
        assert.equal(page.status, 200);
        assert.match(page.body, /<html/i);
        assert.match(page.body, /workbench/i, 'the page is the VS Code workbench');

        child.kill('SIGINT');
        assert.equal(await exited, 0, `start.mjs exits 0 on Ctrl+C:\n${output}`);
        assert.match(output, /\[start\] stopped/);
        await assert.rejects(fetchOnce(url), 'code-server no longer answers');
        assert.ok(!existsSync(folder), 'its run folder is removed');
      } finally {
        // After a failure: SIGINT first, so start.mjs still stops code-server (its own process group).
        if (child.exitCode === null) {
          child.kill('SIGINT');
          await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      }
    },
  );
});
