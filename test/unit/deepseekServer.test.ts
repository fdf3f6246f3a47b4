/**
 * The loopback server's wire format, read with plain fetch (no SDK), so provider tests can trust
 * that it speaks DeepSeek's protocol (r1-protocol.md) and injects the faults it claims to.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { splitIntoDeltas, startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';

async function serve(t: TestContext): Promise<DeepSeekServer> {
  const server = await startDeepSeekServer();
  t.after(() => server.close());
  return server;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
}

const REQUEST = { model: 'deepseek-v4-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] };

interface Sse {
  /** Raw event blocks, comments included. */
  readonly blocks: string[];
  readonly comments: string[];
  /** `data:` payloads in order. */
  readonly data: string[];
}

function parseSse(text: string): Sse {
  const blocks = text.split('\n\n').filter((block) => block.length > 0);
  const comments = blocks.filter((block) => block.startsWith(':'));
  const data = blocks.filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));
  return { blocks, comments, data };
}

interface WireChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; logprobs: null; finish_reason: string | null }>;
  usage?: Record<string, unknown>;
}

describe('deepseekServer wire format', () => {
  it("speaks DeepSeek's exact stream: role chunk, reasoning_content, content, usage, [DONE]", async (t) => {
    const server = await serve(t);
    server.enqueue({
      reasoning: 'First think. Then answer.',
      answer: 'The answer.',
      usage: { promptTokens: 10, completionTokens: 7, reasoningTokens: 4, cacheHitTokens: 8 },
    });
    const response = await post(`${server.baseUrl}/chat/completions`, REQUEST);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { data } = parseSse(await response.text());
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload) as WireChunk);
    const [first, ...rest] = chunks;
    assert.deepEqual(first?.choices[0]?.delta, { role: 'assistant', content: null, reasoning_content: '' });
    for (const chunk of chunks) {
      assert.equal(chunk.id, first?.id);
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(typeof chunk.created, 'number');
      assert.equal(chunk.model, 'deepseek-v4-flash');
      assert.match(chunk.system_fingerprint, /^fp_/);
    }
    const final = rest.at(-1);
    const middle = rest.slice(0, -1);
    const reasoning = middle.filter((chunk) => chunk.choices[0]?.delta.reasoning_content !== null);
    const content = middle.filter((chunk) => chunk.choices[0]?.delta.content !== null);
    assert.equal(reasoning.length + content.length, middle.length, 'each delta is reasoning or content, never both');
    for (const chunk of reasoning) assert.equal(chunk.choices[0]?.delta.content, null);
    for (const chunk of content) assert.equal(chunk.choices[0]?.delta.reasoning_content, null);
    assert.equal(
      reasoning.map((chunk) => chunk.choices[0]?.delta.reasoning_content).join(''),
      'First think. Then answer.',
    );
    assert.equal(content.map((chunk) => chunk.choices[0]?.delta.content).join(''), 'The answer.');
    assert.ok(reasoning.length > 1, 'split into several deltas');
    assert.equal(final?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(final?.usage, {
      prompt_tokens: 10,
      completion_tokens: 7,
      total_tokens: 17,
      prompt_tokens_details: { cached_tokens: 8 },
      completion_tokens_details: { reasoning_tokens: 4 },
      prompt_cache_hit_tokens: 8,
      prompt_cache_miss_tokens: 2,
    });
    assert.ok(middle.every((chunk) => chunk.choices[0]?.finish_reason === null && chunk.usage === undefined));
  });

  it('sends the reasoning field variant and inline think tags', async (t) => {
    const server = await serve(t);
    server.enqueue(
      { style: 'reasoning', reasoning: 'Hmm.', answer: 'Yes.' },
      { style: 'inlineNoOpen', reasoning: 'Hmm.', answer: 'Yes.' },
    );
    const deltas = async () => {
      const { data } = parseSse(await (await post(`${server.baseUrl}/chat/completions`, REQUEST)).text());
      return data.slice(0, -1).map((payload) => (JSON.parse(payload) as WireChunk).choices[0]?.delta ?? {});
    };
    const field = await deltas();
    assert.deepEqual(field[0], { role: 'assistant', content: '' });
    assert.equal(field.map((delta) => delta.reasoning ?? '').join(''), 'Hmm.');
    assert.ok(field.every((delta) => !('reasoning_content' in delta)));
    const inline = await deltas();
    assert.equal(inline.map((delta) => delta.content ?? '').join(''), 'Hmm.\n</think>\n\nYes.');
  });

  it('sends CRLF line endings, and frames in small writes that split multi-byte characters', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'é✓', answer: '🐛', lineEnding: '\r\n', writeBytes: 5 });
    const response = await post(`${server.baseUrl}/chat/completions`, REQUEST);
    const reads: Uint8Array[] = [];
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) reads.push(read.value);
    const text = Buffer.concat(reads).toString('utf8');
    assert.ok(text.includes('\r\n\r\n') && !/[^\r]\n/.test(text), 'every line ends with CRLF');
    assert.equal(parseSse(text.replaceAll('\r\n', '\n')).data.at(-1), '[DONE]');
    // Many more reads than frames, and at least one read ends inside a UTF-8 sequence.
    assert.ok(reads.length > 20, `${reads.length} reads`);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const splitInside = reads.some((read) => {
      try {
        decoder.decode(read);
        return false;
      } catch {
        return true;
      }
    });
    assert.ok(splitInside, 'a multi-byte character was split across reads');
  });

  it('sends keep-alive comments before the first event when queued', async (t) => {
    const server = await serve(t);
    server.enqueue({ keepAlives: { count: 3, intervalMs: 5 } });
    const { blocks, comments } = parseSse(await (await post(`${server.baseUrl}/chat/completions`, REQUEST)).text());
    assert.deepEqual(comments, [': keep-alive', ': keep-alive', ': keep-alive']);
    assert.deepEqual(blocks.slice(0, 3), comments);
  });

  it("answers faults with DeepSeek's error body and retry-after", async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 429, retryAfter: 3 }, { status: 402, message: 'Insufficient Balance' });
    const limited = await post(`${server.baseUrl}/chat/completions`, REQUEST);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    const body = (await limited.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    const balance = await post(`${server.baseUrl}/v1/chat/completions`, REQUEST);
    assert.equal(balance.status, 402);
    assert.equal(((await balance.json()) as { error: { message: string } }).error.message, 'Insufficient Balance');
  });

  it('drops the connection after N events', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'a b c d', answer: 'e f', dropAfter: 3 });
    const response = await post(`${server.baseUrl}/chat/completions`, REQUEST);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
    }, /terminated/);
    assert.equal(parseSse(received).data.length, 3);
  });

  it('sends a malformed data line after N events', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'a', answer: 'b', malformedAfter: 2 });
    const { data } = parseSse(await (await post(`${server.baseUrl}/chat/completions`, REQUEST)).text());
    assert.doesNotThrow(() => JSON.parse(data[1] ?? ''));
    assert.throws(() => JSON.parse(data[2] ?? ''), SyntaxError);
  });

  it('records requests, takes queued scenarios in order, then the default', async (t) => {
    const server = await serve(t);
    server.setDefault((request) => ({ style: 'none', answer: `echo ${String(request.body?.messages?.[0]?.content)}` }));
    server.enqueue({ status: 503 });
    assert.equal(server.pending, 1);
    assert.equal(
      (await post(`${server.baseUrl}/chat/completions`, REQUEST, { authorization: 'Bearer sk-x' })).status,
      503,
    );
    const echoed = parseSse(await (await post(`${server.baseUrl}/chat/completions`, REQUEST)).text()).data;
    const text = echoed
      .slice(0, -1)
      .map((payload) => (JSON.parse(payload) as WireChunk).choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(text, 'echo hi');
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0]?.headers.authorization, 'Bearer sk-x');
    assert.deepEqual(server.requests[0]?.body, REQUEST);
    assert.equal((await post(`${server.baseUrl}/elsewhere`, REQUEST)).status, 404);
  });

  it('close() ends even a stalled stream', async (t) => {
    const server = await startDeepSeekServer();
    t.after(() => server.close());
    server.enqueue({ reasoning: 'a', stallAfter: 1 });
    const response = await post(`${server.baseUrl}/chat/completions`, REQUEST);
    const reader = response.body!.getReader();
    await reader.read();
    assert.equal(server.activeStreams, 1);
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 1000);
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) break;
    });
  });

  it('splits text into word-ish deltas that concatenate back exactly', () => {
    const text = '  Hello world,\n\n  indented\tcode();  ';
    const pieces = splitIntoDeltas(text);
    assert.equal(pieces.join(''), text);
    assert.deepEqual(splitIntoDeltas('a b'), ['a ', 'b']);
    assert.deepEqual(splitIntoDeltas(''), []);
  });

  it('runs from the command line until stopped', async (t) => {
    const script = join(__dirname, '..', 'support', 'deepseekServer.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill());
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${output}`)), 10_000);
      child.stdout.on('data', (text: string) => {
        output += text;
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const { data } = parseSse(
      await (
        await post(`${url}/v1/chat/completions`, {
          ...REQUEST,
          messages: [{ role: 'user', content: 'ping from the CLI test' }],
        })
      ).text(),
    );
    const reasoning = data
      .slice(0, -1)
      .map((payload) => (JSON.parse(payload) as WireChunk).choices[0]?.delta.reasoning_content ?? '')
      .join('');
    assert.match(reasoning, /ping from the CLI test/);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
