import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runAsk } from '../../src/cli/ask';
import { estimateTokens } from '../../src/core/context/tokens';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';

const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx by location: the child runs in a folder with no node_modules. */
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SECRET = 'sk-live-do-not-send-1234';

/** The real CLI in its own process, from `cwd` (the stand-in for the workspace root). */
function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, cliEntry, ...args], {
      cwd,
      env: { ...process.env, DEEPSEEK_API_KEY: 'sk-files' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('r1-coder ask --file', () => {
  let server: DeepSeekServer;
  let dir: string;
  before(async () => {
    server = await startDeepSeekServer();
    dir = mkdtempSync(join(tmpdir(), 'r1-ask-files-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'sum.js'), 'function sum(values) {\n  return values.reduce((a, b) => a + b);\n}\n');
    writeFileSync(join(dir, '.env'), `API_KEY=${SECRET}\n`);
    writeFileSync(
      join(dir, 'big.log'),
      `${Array.from({ length: 2000 }, (_, i) => `entry ${i + 1}: request served in ${i % 97} ms`).join('\n')}\n`,
    );
    writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    // Sparse: 11 MB on paper, nothing on disk.
    writeFileSync(join(dir, 'dump.sql'), '');
    truncateSync(join(dir, 'dump.sql'), 11 * 1024 * 1024);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runAsk(['--base-url', server.baseUrl, ...args], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { DEEPSEEK_API_KEY: 'sk-files' },
      signal: new AbortController().signal,
      cwd: dir,
    });
    return { code, stdout, stderr };
  }

  const lastUserMessage = () => {
    const messages = server.requests[server.requests.length - 1]?.body?.messages ?? [];
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.role, 'user');
    return String(messages[0]?.content);
  };

  it('sends the file as a marked section and the question last; a .env is refused on stderr and not sent', async () => {
    server.enqueue({ reasoning: 'Empty arrays.', answer: 'Give reduce an initial value.' });
    const result = await runCli(
      ['ask', '--base-url', server.baseUrl, '--file', 'src/sum.js', '--file', '.env', 'Why?'],
      dir,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Give reduce an initial value.\n');
    assert.equal(
      result.stderr,
      'r1-coder ask: not sent: .env matches "**/.env*" in r1Coder.context.exclude (files that may hold secrets are never sent)\n' +
        'Empty arrays.\n',
    );
    assert.equal(
      lastUserMessage(),
      [
        'I attached context for my question below, each part in its own section; my question comes last. Line numbers at the left of file contents are for reference only; they are not part of the files.',
        '### File: src/sum.js (JavaScript, 3 lines)\n```javascript\n1| function sum(values) {\n2|   return values.reduce((a, b) => a + b);\n3| }\n```',
        '### Question\nWhy?',
      ].join('\n\n'),
    );
    assert.doesNotMatch(server.requests[server.requests.length - 1]!.rawBody, new RegExp(SECRET));
  });

  it('--json: a first context line lists the files sent (tokens as sent) and the refusals', async () => {
    server.enqueue({ reasoning: 'Think.', answer: 'Done.' });
    const result = await ask(['--json', '--file', 'src/sum.js', '--file', '.env', '--file', 'logo.png', 'Why?']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const message = lastUserMessage();
    const section = message.split('\n\n').find((part) => part.startsWith('### File: src/sum.js'))!;
    assert.deepEqual(lines[0], {
      type: 'context',
      files: [{ path: 'src/sum.js', tokens: estimateTokens(section), trimmed: false }],
      refused: [
        {
          path: '.env',
          reason: 'matches "**/.env*" in r1Coder.context.exclude (files that may hold secrets are never sent)',
        },
        { path: 'logo.png', reason: 'looks binary (a NUL byte in its first 8 KB); only text is sent' },
      ],
    });
    const types = lines.slice(1).map((line) => line.type);
    assert.deepEqual(
      types.filter((type, index) => type !== types[index - 1]),
      ['reasoning', 'answer', 'usage'],
    );
    assert.match(result.stderr, /not sent: logo\.png looks binary/);
  });

  it('trims a file over --context-tokens from the middle and says so on stderr and in the context line', async () => {
    server.enqueue({ answer: 'Ok.' });
    const result = await ask(['--json', '--context-tokens', '600', '--file', 'big.log', 'Any slow requests?']);
    assert.equal(result.code, 0, result.stderr);
    const message = lastUserMessage();
    assert.ok(estimateTokens(message) <= 600, `${estimateTokens(message)} tokens`);
    assert.ok(message.endsWith('### Question\nAny slow requests?'));
    const [, first, last] = /… lines (\d+)–(\d+) left out …/.exec(message)!;
    assert.match(message, /\n {3}1\| entry 1: /);
    assert.match(message, /\n2000\| entry 2000: /);
    const leftOut = `lines ${first}–${last} left out`;
    assert.equal(result.stderr, `r1-coder ask: trimmed big.log to fit 600 tokens (--context-tokens): ${leftOut}\n`);
    const context = JSON.parse(result.stdout.split('\n')[0]!) as { files: unknown[] };
    const section = message.split('\n\n').find((part) => part.startsWith('### File: big.log'))!;
    assert.deepEqual(context.files, [{ path: 'big.log', tokens: estimateTokens(section), trimmed: true, leftOut }]);
  });

  it('refuses a file over the size limit without reading it; the question still goes', async () => {
    server.enqueue({ answer: 'Ok.' });
    const result = await ask(['--file', 'dump.sql', 'Is the schema normalized?']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^r1-coder ask: not sent: dump\.sql is 11 MB, over the 10 MB limit for attachments\n/);
    assert.equal(lastUserMessage(), 'Is the schema normalized?');
  });

  it('resolves paths from the working directory and refuses secrets outside it too', async () => {
    const inner = join(dir, 'src');
    server.enqueue({ answer: 'Ok.' });
    let stderr = '';
    const code = await runAsk(['--base-url', server.baseUrl, '--file', 'sum.js', '--file', '../.env', 'q'], {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      env: { DEEPSEEK_API_KEY: 'sk-files' },
      signal: new AbortController().signal,
      cwd: inner,
    });
    assert.equal(code, 0, stderr);
    assert.match(lastUserMessage(), /### File: sum\.js \(JavaScript, 3 lines\)/);
    assert.match(stderr, /not sent: .*\/\.env matches "\*\*\/\.env\*"/);
    assert.doesNotMatch(server.requests[server.requests.length - 1]!.rawBody, new RegExp(SECRET));
  });

  it('a missing file, a folder or a bad --context-tokens is a usage error: exit 1, nothing sent', async () => {
    const before = server.requests.length;
    const missing = await ask(['--file', 'nope.ts', 'q']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `r1-coder ask: --file nope.ts: no such file (paths are relative to ${dir})\n`);
    const folder = await ask(['--file', 'src', 'q']);
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /--file src is a folder/);
    for (const bad of ['0', '-5', '1.5', 'lots']) {
      const result = await ask([`--context-tokens=${bad}`, '--file', 'src/sum.js', 'q']);
      assert.equal(result.code, 1, bad);
      assert.match(result.stderr, /--context-tokens must be a whole number/);
    }
    assert.equal(server.requests.length, before);
  });
});
