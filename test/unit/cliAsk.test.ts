import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runAsk } from '../../src/cli/ask';
import { startDeepSeekServer, type DeepSeekServer, type StreamScenario } from '../support/deepseekServer';

const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

async function ask(args: string[], env: Record<string, string> = { DEEPSEEK_API_KEY: 'sk-cli-test' }) {
  let stdout = '';
  let stderr = '';
  const code = await runAsk(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Runs the real CLI entry in its own process (from source, or a built bundle). */
function runCli(
  args: string[],
  env: Record<string, string>,
  entry: readonly string[] = ['--import', 'tsx', cliEntry],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entry, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('r1-coder ask', () => {
  let server: DeepSeekServer;
  before(async () => {
    server = await startDeepSeekServer();
  });
  after(() => server.close());

  it('streams reasoning to stderr and the answer to stdout, in a real process', async () => {
    server.enqueue({ reasoning: 'Check the loop bound.', answer: 'Use `i <= n`.' });
    const result = await runCli(['ask', '--base-url', server.baseUrl, '--model', 'deepseek-v4-flash', 'Why?'], {
      DEEPSEEK_API_KEY: 'sk-proc',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Use `i <= n`.\n');
    assert.equal(result.stderr, 'Check the loop bound.\n');
    const request = server.requests[server.requests.length - 1]!;
    assert.equal(request.headers.authorization, 'Bearer sk-proc');
    assert.deepEqual(request.body?.messages, [{ role: 'user', content: 'Why?' }]);
  });

  it('prints a non-thinking model’s answer (no think tags) to stdout, and nothing to stderr', async () => {
    server.enqueue({ style: 'none', answer: 'Plain answer, no thought at all.' });
    const result = await ask(['--base-url', server.baseUrl, 'q']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Plain answer, no thought at all.\n');
    assert.equal(result.stderr, '');
  });

  for (const style of ['inline', 'inlineNoOpen'] as const) {
    it(`keeps inline reasoning (${style}) on stderr and the answer on stdout`, async () => {
      server.enqueue({ style, reasoning: 'Check the bound.', answer: 'Use `i <= n`.' });
      const result = await ask(['--base-url', server.baseUrl, 'q']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'Use `i <= n`.\n');
      assert.equal(result.stderr, 'Check the bound.\n');
    });
  }

  it(
    'streams a confirmed thought to stderr while the model is still thinking (not only once it answers)',
    { timeout: 30_000 },
    async () => {
      // The server sends its role frame and the thought, then stalls: the thought must be on stderr during the stall.
      server.enqueue({ reasoning: ['Check ', 'the bound.'], answer: 'Use `i <= n`.', stallAfter: 3 });
      const controller = new AbortController();
      let stderr = '';
      let stdout = '';
      const code = await runAsk(['--base-url', server.baseUrl, 'q'], {
        stdout: (text) => (stdout += text),
        stderr: (text) => {
          stderr += text;
          // Seen mid-stream: stop here, as a user would press Ctrl+C.
          if (stderr.includes('the bound.')) controller.abort();
        },
        env: { DEEPSEEK_API_KEY: 'sk-cli-test' },
        signal: controller.signal,
      });
      assert.equal(code, 130, 'stopped by the user');
      assert.ok(stderr.startsWith('Check the bound.'), stderr);
      assert.equal(stdout, '');
    },
  );

  // The README's --json contract, for every way a server can deliver (or not deliver) a thought:
  // reasoning lines carry only the thought, answer lines only the answer, and nothing else is needed
  // to tell them apart (no provisional text, no reclassify line).
  const thought = 'Check the bound: i < n skips the last één — wait, ✓ i <= n.';
  const reply = 'Use `i <= n` — naïve loops 🐛 stop one short.';
  const contractCases: ReadonlyArray<{ name: string; scenario: StreamScenario; reasoning: string; answer: string }> = [
    { name: 'reasoning_content', scenario: { reasoning: thought, answer: reply }, reasoning: thought, answer: reply },
    {
      name: 'reasoning field',
      scenario: { style: 'reasoning', reasoning: thought, answer: reply },
      reasoning: thought,
      answer: reply,
    },
    {
      name: 'inline tags',
      scenario: { style: 'inline', reasoning: thought, answer: reply },
      reasoning: thought,
      answer: reply,
    },
    {
      name: 'missing open tag',
      scenario: { style: 'inlineNoOpen', reasoning: thought, answer: reply },
      reasoning: thought,
      answer: reply,
    },
    { name: 'no tags', scenario: { style: 'none', answer: reply }, reasoning: '', answer: reply },
    {
      name: 'empty think',
      scenario: { style: 'inline', deltas: [{ content: '<think>\n\n</think>\n\n' }, { content: reply }] },
      reasoning: '',
      answer: reply,
    },
    {
      name: 'CRLF SSE',
      scenario: { reasoning: thought, answer: reply, lineEnding: '\r\n' },
      reasoning: thought,
      answer: reply,
    },
    {
      name: 'multi-byte characters split across writes',
      scenario: { style: 'inline', reasoning: thought, answer: reply, writeBytes: 7 },
      reasoning: thought,
      answer: reply,
    },
  ];
  for (const { name, scenario, reasoning, answer } of contractCases) {
    it(`--json contract (${name}): reasoning lines hold the thought, answer lines the answer`, async () => {
      server.enqueue(scenario);
      const result = await ask(['--json', '--base-url', server.baseUrl, 'q']);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const text = (type: string) =>
        lines
          .filter((line) => line.type === type)
          .map((line) => line.text)
          .join('');
      assert.equal(text('reasoning').trim(), reasoning);
      assert.equal(text('answer').trim(), answer);
      for (const line of lines) {
        assert.ok(['reasoning', 'answer', 'usage'].includes(line.type as string), JSON.stringify(line));
        assert.equal(line.provisional, undefined);
      }
      assert.equal(result.stderr, '');
    });
  }

  it('--json prints one object per line: reasoning, answer, usage', async () => {
    server.enqueue({
      reasoning: 'Think.',
      answer: 'Done.',
      usage: { promptTokens: 7, completionTokens: 5, reasoningTokens: 2 },
    });
    const result = await ask(['--json', '--base-url', server.baseUrl, 'q']);
    assert.equal(result.code, 0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { type: string; text?: string; promptTokens?: number; reasoningTokens?: number },
      );
    assert.equal(
      lines
        .filter((line) => line.type === 'reasoning')
        .map((line) => line.text)
        .join(''),
      'Think.',
    );
    assert.equal(
      lines
        .filter((line) => line.type === 'answer')
        .map((line) => line.text)
        .join(''),
      'Done.',
    );
    const usage = lines.find((line) => line.type === 'usage');
    assert.equal(usage?.promptTokens, 7);
    assert.equal(usage?.reasoningTokens, 2);
    assert.equal(result.stderr, '');
  });

  it('reads the key from --api-key-env and exits 2 with a JSON error on 401', async () => {
    server.enqueue({ status: 401 });
    const result = await ask(['--json', '--api-key-env', 'MY_KEY', '--base-url', server.baseUrl, 'q'], {
      MY_KEY: 'sk-wrong',
    });
    assert.equal(result.code, 2);
    assert.equal(server.requests[server.requests.length - 1]!.headers.authorization, 'Bearer sk-wrong');
    const error = JSON.parse(result.stdout.trim().split('\n').pop()!) as { type: string; message: string };
    assert.equal(error.type, 'error');
    assert.match(error.message, /API key/);
    assert.doesNotMatch(result.stdout, /sk-wrong/);
  });

  it('keeps the partial answer and exits 2 when the stream drops', async () => {
    server.enqueue({ reasoning: 'a b c', answer: 'first second third fourth', dropAfter: 6 });
    const result = await ask(['--base-url', server.baseUrl, 'q']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /dropped|connection/i);
  });

  it('rejects bad usage with exit 1', async () => {
    assert.equal((await ask([])).code, 1);
    assert.equal((await ask(['--reasoning-effort', 'extreme', 'q'])).code, 1);
    assert.equal((await ask(['--bogus', 'q'])).code, 1);
    assert.equal((await ask(['--local', 'm.gguf', '--gpu-layers', 'some', 'q'])).code, 1);
  });
});
