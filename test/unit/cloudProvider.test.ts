/**
 * The cloud provider end to end: the real `openai` SDK against the loopback DeepSeek server.
 * Nothing is mocked; faults are real HTTP statuses, dropped sockets, bad bytes and silence.
 */

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { StreamChunk, Usage } from '../../src/core/chunks';
import { buildMessages } from '../../src/core/conversation';
import type { ChatMessage } from '../../src/core/provider';
import {
  OpenAiCompatibleProvider,
  type OpenAiCompatibleProviderOptions,
} from '../../src/providers/cloud/openAiCompatibleProvider';
import { providerLabel, serverInfoFor } from '../../src/providers/cloud/cloudServer';
import { startDeepSeekServer, type DeepSeekServer } from '../support/deepseekServer';

const API_KEY = 'sk-test-0123456789abcdef';
const QUESTION: ChatMessage[] = [{ role: 'user', content: 'Why does my loop never end?' }];

async function serve(t: TestContext): Promise<DeepSeekServer> {
  const server = await startDeepSeekServer();
  t.after(() => server.close());
  return server;
}

interface Harness {
  readonly provider: OpenAiCompatibleProvider;
  /** Delays the provider asked to wait between retries (the wait itself is skipped). */
  readonly waits: number[];
}

function provider(server: DeepSeekServer, overrides: Partial<OpenAiCompatibleProviderOptions> = {}): Harness {
  const waits: number[] = [];
  return {
    waits,
    provider: new OpenAiCompatibleProvider({
      baseUrl: server.baseUrl,
      apiKey: API_KEY,
      model: 'deepseek-v4-flash',
      inactivityTimeoutMs: 2000,
      retryPolicy: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 30_000 },
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      ...overrides,
    }),
  };
}

interface Collected {
  readonly chunks: StreamChunk[];
  readonly reasoning: string;
  readonly answer: string;
  readonly last: StreamChunk | undefined;
  readonly ms: number;
}

async function collect(
  target: OpenAiCompatibleProvider,
  options: {
    messages?: readonly ChatMessage[];
    signal?: AbortSignal;
    maxTokens?: number;
    onChunk?: (chunk: StreamChunk) => void;
  } = {},
): Promise<Collected> {
  const started = Date.now();
  const chunks: StreamChunk[] = [];
  let reasoning = '';
  let answer = '';
  for await (const chunk of target.stream({
    messages: options.messages ?? QUESTION,
    signal: options.signal ?? AbortSignal.timeout(10_000),
    maxTokens: options.maxTokens,
  })) {
    chunks.push(chunk);
    if (chunk.type === 'reasoning') reasoning += chunk.text;
    else if (chunk.type === 'answer') answer += chunk.text;
    else if (chunk.type === 'reclassify') {
      answer = reasoning + answer;
      reasoning = '';
    }
    options.onChunk?.(chunk);
  }
  return { chunks, reasoning, answer, last: chunks.at(-1), ms: Date.now() - started };
}

function errorOf(result: Collected) {
  const last = result.last;
  assert.equal(last?.type, 'error', `expected an error, got ${JSON.stringify(last)}`);
  assert.equal(result.chunks.filter((chunk) => chunk.type === 'error').length, 1, 'exactly one error, at the end');
  return last.error;
}

function usageOf(result: Collected): Usage | undefined {
  const chunk = result.chunks.find((candidate) => candidate.type === 'usage');
  return chunk?.type === 'usage' ? chunk.usage : undefined;
}

function retries(result: Collected) {
  return result.chunks.flatMap((chunk) => (chunk.type === 'retry' ? [chunk] : []));
}

const REASONING = 'The loop compares i < n but never increments i.\nSo it spins forever.';
const ANSWER = 'Add `i++` to the loop body:\n\n```js\nfor (let i = 0; i < n; i++) {}\n```';

describe('OpenAiCompatibleProvider: reasoning variants', () => {
  it('streams DeepSeek reasoning_content and content, then usage and finish', async (t) => {
    const server = await serve(t);
    server.enqueue({
      reasoning: REASONING,
      answer: ANSWER,
      usage: { promptTokens: 120, completionTokens: 80, reasoningTokens: 50, cacheHitTokens: 64 },
    });
    const result = await collect(provider(server, { dialect: 'deepseek' }).provider);
    assert.equal(result.reasoning, REASONING);
    assert.equal(result.answer, ANSWER);
    assert.ok(result.chunks.filter((chunk) => chunk.type === 'reasoning').length > 5, 'reasoning streams in pieces');
    assert.deepEqual(usageOf(result), {
      promptTokens: 120,
      completionTokens: 80,
      reasoningTokens: 50,
      cachedPromptTokens: 64,
    });
    assert.deepEqual(
      result.chunks.slice(-2).map((chunk) => chunk.type),
      ['usage', 'finish'],
    );
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    // Reasoning comes first, the answer after: never interleaved.
    const kinds = result.chunks.map((chunk) => chunk.type).filter((type) => type === 'reasoning' || type === 'answer');
    assert.equal(kinds.lastIndexOf('reasoning'), kinds.indexOf('answer') - 1);
  });

  it('sends DeepSeek the thinking switch and no sampling parameters or system prompt', async (t) => {
    const server = await serve(t);
    await collect(provider(server, { dialect: 'deepseek', reasoningEffort: 'high' }).provider, { maxTokens: 4096 });
    const [request] = server.requests;
    assert.equal(request?.path, '/chat/completions');
    assert.equal(request?.headers.authorization, `Bearer ${API_KEY}`);
    const body = request?.body ?? {};
    assert.equal(body.model, 'deepseek-v4-flash');
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(body.thinking, { type: 'enabled' });
    assert.equal(body.reasoning_effort, 'high');
    assert.equal(body.max_tokens, 4096);
    assert.equal('temperature' in body, false);
    assert.equal('top_p' in body, false);
    assert.deepEqual(body.messages, QUESTION);
  });

  it('treats api.deepseek.com as DeepSeek by its host', () => {
    assert.deepEqual(serverInfoFor('https://api.deepseek.com'), {
      name: 'DeepSeek',
      topUpUrl: 'https://platform.deepseek.com/top_up',
    });
    assert.deepEqual(serverInfoFor('https://api.deepseek.com/v1'), {
      name: 'DeepSeek',
      topUpUrl: 'https://platform.deepseek.com/top_up',
    });
    assert.deepEqual(serverInfoFor('http://127.0.0.1:8080/v1'), { name: '127.0.0.1:8080' });
    assert.deepEqual(serverInfoFor('https://openrouter.ai/api/v1'), { name: 'openrouter.ai' });
    assert.equal(providerLabel('https://api.deepseek.com', 'deepseek-v4-flash'), 'DeepSeek · deepseek-v4-flash');
    assert.equal(providerLabel('http://127.0.0.1:8080', 'deepseek-r1:7b'), '127.0.0.1:8080 · deepseek-r1:7b');
    const cloud = new OpenAiCompatibleProvider({
      baseUrl: 'https://api.deepseek.com',
      apiKey: undefined,
      model: 'deepseek-v4-flash',
    });
    assert.equal(cloud.label, 'DeepSeek · deepseek-v4-flash');
  });

  it('reads the `reasoning` field (vLLM, Ollama, OpenRouter) and sends R1 sampling to other servers', async (t) => {
    const server = await serve(t);
    server.enqueue({ style: 'reasoning', reasoning: REASONING, answer: ANSWER, usagePlacement: 'separate' });
    const harness = provider(server);
    const result = await collect(harness.provider);
    assert.equal(result.reasoning, REASONING);
    assert.equal(result.answer, ANSWER);
    assert.ok(usageOf(result), 'usage from the separate usage chunk');
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    const body = server.requests[0]?.body ?? {};
    assert.equal(body.temperature, 0.6);
    assert.equal(body.top_p, 0.95);
    assert.equal('thinking' in body, false);
    assert.equal('reasoning_effort' in body, false, "'auto' sends no reasoning_effort");
    assert.equal(harness.provider.label, `${new URL(server.baseUrl).host} · deepseek-v4-flash`);
  });

  for (const [style, title] of [
    ['inline', 'splits inline <think>…</think> content'],
    ['inlineNoOpen', 'splits inline content whose opening <think> is missing'],
  ] as const) {
    it(title, async (t) => {
      const server = await serve(t);
      server.enqueue({ style, reasoning: REASONING, answer: ANSWER });
      const result = await collect(provider(server).provider);
      assert.equal(result.reasoning, REASONING);
      assert.equal(result.answer, ANSWER);
      assert.ok(!result.chunks.some((chunk) => chunk.type === 'reclassify'));
    });
  }

  it('handles think tags split across events', async (t) => {
    const server = await serve(t);
    const pieces = ['<th', 'ink>\nCheck the ', 'bounds.\n</th', 'in', 'k>\n', '\nUse `<=`', ' here.'];
    server.enqueue({ style: 'inline', deltas: pieces.map((content) => ({ content })) });
    const result = await collect(provider(server).provider);
    assert.equal(result.reasoning, 'Check the bounds.');
    assert.equal(result.answer, 'Use `<=` here.');
  });

  it('reclassifies plain content from a non-reasoning model as the answer', async (t) => {
    const server = await serve(t);
    server.enqueue({ style: 'none', answer: ANSWER });
    const result = await collect(provider(server).provider);
    assert.equal(result.reasoning, '');
    assert.equal(result.answer, ANSWER);
    assert.ok(result.chunks.some((chunk) => chunk.type === 'reclassify'));
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
  });

  it('reports finish_reason length', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'Long thought', answer: 'Cut sh', finishReason: 'length' });
    const result = await collect(provider(server).provider);
    assert.equal(result.answer, 'Cut sh');
    assert.deepEqual(result.last, { type: 'finish', reason: 'length' });
  });

  it('carries one huge event (1 MB of content) intact', async (t) => {
    const server = await serve(t);
    const huge = `${'abcdefghij'.repeat(100_000)}END`;
    server.enqueue({ reasoning: 'Big.', answer: [huge] });
    const result = await collect(provider(server).provider);
    assert.equal(result.answer.length, huge.length);
    assert.equal(result.answer, huge);
  });

  it('also accepts a /v1 base URL', async (t) => {
    const server = await serve(t);
    const result = await collect(provider(server, { baseUrl: `${server.baseUrl}/v1/` }).provider);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    assert.equal(server.requests[0]?.path, '/v1/chat/completions');
  });
});

describe('OpenAiCompatibleProvider: request contents', () => {
  it('sends earlier answers back without reasoning_content, alternating roles', async (t) => {
    const server = await serve(t);
    const target = provider(server).provider;
    const first = await collect(target);
    const messages = buildMessages([{ question: QUESTION[0]?.content ?? '', answer: first.answer }], 'And in Python?');
    await collect(target, { messages });
    const body = server.requests[1]?.body;
    assert.deepEqual(body?.messages, [
      { role: 'user', content: 'Why does my loop never end?' },
      { role: 'assistant', content: first.answer },
      { role: 'user', content: 'And in Python?' },
    ]);
    assert.ok(!server.requests[1]?.rawBody.includes('reasoning_content'));
    assert.ok(!server.requests[1]?.rawBody.includes(first.reasoning), 'earlier reasoning text is not sent');
  });

  it('sends no Authorization header without a key', async (t) => {
    const server = await serve(t);
    const result = await collect(provider(server, { apiKey: undefined }).provider);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });
});

describe('OpenAiCompatibleProvider: end of stream', () => {
  it('ends at data: [DONE] even when the server keeps the connection open', async (t) => {
    const server = await serve(t);
    // role chunk, 1 reasoning, 1 answer, final, [DONE] = 5 events; then silence.
    server.enqueue({ reasoning: ['Think.'], answer: ['Done.'], stallAfter: 5 });
    const result = await collect(provider(server, { inactivityTimeoutMs: 1500 }).provider);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    assert.equal(result.answer, 'Done.');
    assert.ok(result.ms < 1400, `finished at [DONE], not by the watchdog (${result.ms} ms)`);
  });

  it('finishes on finish_reason even without [DONE]', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'r', answer: 'All good.', omitDone: true });
    const result = await collect(provider(server).provider);
    assert.equal(result.answer, 'All good.');
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
  });

  it('treats a response that ends with neither finish_reason nor [DONE] as cut', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'r', answer: 'Half an ans', finishReason: null, usage: null, omitDone: true });
    const result = await collect(provider(server).provider);
    assert.equal(result.answer, 'Half an ans');
    assert.equal(errorOf(result).kind, 'streamCut');
  });

  it("maps an unknown finish_reason to 'other'", async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: 'r', answer: 'Whole answer', finishReason: 'tool_calls' });
    const result = await collect(provider(server).provider);
    assert.deepEqual(result.last, { type: 'finish', reason: 'other' });
  });

  for (const [reason, kind, says] of [
    ['insufficient_system_resource', 'overloaded', /ran out of resources/],
    ['content_filter', 'streamCut', /content filter/],
  ] as const) {
    it(`finish_reason "${reason}" is an early stop by the server: an error that keeps the partial answer, never "finished"`, async (t) => {
      const server = await serve(t);
      server.enqueue({ reasoning: 'r', answer: 'Partial ```ts\nx\n```', finishReason: reason });
      const result = await collect(provider(server).provider);
      assert.equal(result.answer, 'Partial ```ts\nx\n```');
      const error = errorOf(result);
      assert.equal(error.kind, kind);
      assert.match(error.message, says);
      assert.ok(!result.chunks.some((chunk) => chunk.type === 'finish'), 'no finish chunk: the answer is not complete');
      assert.equal(server.requests.length, 1, 'output was shown, so it is not retried behind the user’s back');
    });
  }
});

describe('OpenAiCompatibleProvider: HTTP errors', () => {
  it('401: auth error with the Set API Key action, not retried', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 401, message: 'Authentication Fails (no such user)' });
    const result = await collect(provider(server, { dialect: 'deepseek' }).provider);
    const error = errorOf(result);
    assert.equal(error.kind, 'auth');
    assert.equal(error.status, 401);
    assert.deepEqual(error.actions, [{ kind: 'setApiKey' }]);
    assert.match(error.message, /DeepSeek rejected the API key.*Authentication Fails/);
    assert.equal(server.requests.length, 1);
    assert.equal(result.chunks.length, 1);
  });

  it('401 without a key (a server that needs one): says a key is needed, not that it was rejected', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 401, message: 'Unauthorized' });
    const error = errorOf(await collect(provider(server, { apiKey: undefined }).provider));
    assert.equal(error.kind, 'auth');
    assert.deepEqual(error.actions, [{ kind: 'setApiKey' }]);
    assert.match(error.message, /needs an API key/);
    assert.doesNotMatch(error.message, /rejected/);
    assert.equal(server.requests.at(-1)?.headers.authorization, undefined, 'no Authorization header was sent');
  });

  it('never puts the API key in an error, even when the server echoes it', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 401, message: `Authentication Fails, Your api key: ${API_KEY} is invalid` });
    const result = await collect(provider(server).provider);
    assert.equal(errorOf(result).kind, 'auth');
    assert.ok(!JSON.stringify(result.chunks).includes(API_KEY));
    assert.match(errorOf(result).message, /\[API key\]/);
  });

  it('402: balance error with the top-up link', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 402 });
    const error = errorOf(await collect(provider(server, { dialect: 'deepseek' }).provider));
    assert.equal(error.kind, 'balance');
    assert.match(error.message, /Insufficient Balance/);
    assert.ok(
      error.actions.some(
        (action) => action.kind === 'openUrl' && action.url === 'https://platform.deepseek.com/top_up',
      ),
    );
    assert.equal(server.requests.length, 1);
  });

  it('400 and 422: request errors, not retried', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 422, message: 'Invalid reasoning_effort' }, { status: 400 });
    const target = provider(server).provider;
    const invalid = errorOf(await collect(target));
    assert.equal(invalid.kind, 'invalidParams');
    assert.match(invalid.message, /Invalid reasoning_effort/);
    assert.equal(errorOf(await collect(target)).kind, 'badRequest');
    assert.equal(server.requests.length, 2);
  });

  it('429 with retry-after: waits as asked, says so, then succeeds', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 429, retryAfter: 7 }, { reasoning: REASONING, answer: ANSWER });
    const harness = provider(server);
    const result = await collect(harness.provider);
    assert.equal(result.answer, ANSWER);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    const [retry] = retries(result);
    assert.equal(retry?.attempt, 1);
    assert.equal(retry?.delayMs, 7000);
    assert.match(retry?.reason ?? '', /rate-limiting/);
    assert.deepEqual(harness.waits, [7000]);
    assert.equal(result.chunks[0]?.type, 'retry', 'the notice comes before any text');
    assert.equal(server.requests.length, 2);
  });

  it('429 asking for a longer wait than allowed: a clear error at once', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 429, retryAfter: 120 });
    const harness = provider(server);
    const result = await collect(harness.provider);
    const error = errorOf(result);
    assert.equal(error.kind, 'rateLimit');
    assert.equal(error.retryAfterSeconds, 120);
    assert.deepEqual(retries(result), []);
    assert.deepEqual(harness.waits, []);
    assert.equal(server.requests.length, 1);
  });

  it('500 then 503 are retried with backoff, then the answer streams', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 500 }, { status: 503 }, { reasoning: REASONING, answer: ANSWER });
    const harness = provider(server, { random: () => 1 });
    const result = await collect(harness.provider);
    assert.equal(result.reasoning, REASONING);
    assert.equal(result.answer, ANSWER);
    assert.deepEqual(
      retries(result).map(({ attempt, delayMs }) => ({ attempt, delayMs })),
      [
        { attempt: 1, delayMs: 5 },
        { attempt: 2, delayMs: 10 },
      ],
    );
    assert.deepEqual(harness.waits, [5, 10]);
    assert.equal(server.requests.length, 3);
  });

  it('503 that persists: gives up after the policy’s retries', async (t) => {
    const server = await serve(t);
    server.setDefault({ status: 503 });
    const result = await collect(provider(server).provider);
    assert.equal(errorOf(result).kind, 'overloaded');
    assert.equal(retries(result).length, 2);
    assert.equal(server.requests.length, 3);
  });

  it('an error object inside the stream ends it, keeping what arrived', async (t) => {
    const server = await serve(t);
    // role, 2 reasoning, 1 answer; then {"error":…}
    server.enqueue({
      reasoning: ['Thinking ', 'hard.'],
      answer: ['Partial'],
      errorAfter: { after: 4, message: 'Upstream failed', code: 502 },
    });
    const result = await collect(provider(server).provider);
    assert.equal(result.reasoning, 'Thinking hard.');
    assert.equal(result.answer, 'Partial');
    const error = errorOf(result);
    assert.equal(error.kind, 'server');
    assert.match(error.message, /Upstream failed/);
  });
});

describe('OpenAiCompatibleProvider: broken connections', () => {
  it('a drop mid-answer keeps the partial answer and reports streamCut, without retrying', async (t) => {
    const server = await serve(t);
    // role, 2 reasoning, 2 answer events, then the socket is destroyed.
    server.enqueue({
      reasoning: ['Step one. ', 'Step two.'],
      answer: ['Half ', 'an answer', ' never sent'],
      dropAfter: 5,
    });
    const result = await collect(provider(server).provider);
    assert.equal(result.reasoning, 'Step one. Step two.');
    assert.equal(result.answer, 'Half an answer');
    const error = errorOf(result);
    assert.equal(error.kind, 'streamCut');
    assert.deepEqual(retries(result), []);
    assert.equal(server.requests.length, 1);
  });

  it('a drop before any text is retried', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: REASONING, answer: ANSWER, dropAfter: 1 }, { reasoning: REASONING, answer: ANSWER });
    const result = await collect(provider(server).provider);
    assert.equal(retries(result).length, 1);
    assert.match(retries(result)[0]?.reason ?? '', /dropped/);
    assert.equal(result.reasoning, REASONING);
    assert.equal(result.answer, ANSWER);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
  });

  it('malformed JSON: malformed error, partial kept', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: ['Looking.'], answer: ['Fine so far'], malformedAfter: 3 });
    const result = await collect(provider(server).provider);
    assert.equal(result.reasoning, 'Looking.');
    assert.equal(result.answer, 'Fine so far');
    assert.equal(errorOf(result).kind, 'malformed');
  });

  it('a 200 response that is not a stream (a proxy page) is reported as malformed', async (t) => {
    const server = await serve(t);
    server.setDefault({ status: 200, rawBody: '<html><body>Welcome to nginx!</body></html>' });
    const result = await collect(provider(server).provider);
    const error = errorOf(result);
    assert.equal(error.kind, 'malformed');
    assert.match(error.message, /no streaming events/);
  });

  it('a stall beyond the inactivity timeout stops with stalled, keeping the partial answer', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: ['Working.'], answer: ['So far '], stallAfter: 3 });
    const result = await collect(provider(server, { inactivityTimeoutMs: 250 }).provider);
    assert.equal(result.reasoning, 'Working.');
    assert.equal(result.answer, 'So far ');
    const error = errorOf(result);
    assert.equal(error.kind, 'stalled');
    assert.match(error.message, /0\.3 s|0\.2 s/);
    assert.ok(result.ms >= 200 && result.ms < 3000, `stopped by the watchdog (${result.ms} ms)`);
  });

  it('silence before any text is retried', async (t) => {
    const server = await serve(t);
    server.enqueue({ reasoning: REASONING, answer: ANSWER, stallAfter: 0 }, { reasoning: REASONING, answer: ANSWER });
    const result = await collect(provider(server, { inactivityTimeoutMs: 200 }).provider);
    assert.match(retries(result)[0]?.reason ?? '', /went silent/);
    assert.equal(result.answer, ANSWER);
  });

  it('keep-alive comments for longer than the timeout do not time out', async (t) => {
    const server = await serve(t);
    // 10 × 60 ms = 600 ms of queueing, with a 250 ms inactivity timeout.
    server.enqueue({ reasoning: REASONING, answer: ANSWER, keepAlives: { count: 10, intervalMs: 60 } });
    const result = await collect(provider(server, { inactivityTimeoutMs: 250 }).provider);
    assert.deepEqual(retries(result), []);
    assert.equal(result.reasoning, REASONING);
    assert.equal(result.answer, ANSWER);
    assert.deepEqual(result.last, { type: 'finish', reason: 'stop' });
    assert.ok(result.ms >= 500, `waited through the queue (${result.ms} ms)`);
  });

  it('connection refused: network error after retries', async (t) => {
    const server = await serve(t);
    const baseUrl = server.baseUrl;
    await server.close();
    const result = await collect(provider(server, { baseUrl }).provider);
    const error = errorOf(result);
    assert.equal(error.kind, 'network');
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(retries(result).length, 2);
  });

  it('an invalid base URL is a settings error', async () => {
    const target = new OpenAiCompatibleProvider({ baseUrl: 'api.deepseek.com', apiKey: API_KEY, model: 'm' });
    const result = await collect(target);
    const error = errorOf(result);
    assert.ok(error.actions.some((action) => action.kind === 'openSettings'));
    assert.ok(!error.message.includes(API_KEY));
  });
});

describe('OpenAiCompatibleProvider: cancellation', () => {
  const slow = {
    reasoning: 'one two three four five six seven eight nine ten eleven twelve',
    answer: 'alpha beta gamma delta epsilon zeta eta theta iota kappa',
    delayMs: 40,
  };

  it('abort mid-reasoning: finish aborted at once, nothing after', async (t) => {
    const server = await serve(t);
    server.enqueue(slow);
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await collect(provider(server).provider, {
      signal: controller.signal,
      onChunk: (chunk) => {
        if (chunk.type === 'reasoning' && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    assert.deepEqual(result.last, { type: 'finish', reason: 'aborted' });
    assert.equal(result.reasoning, 'one ');
    assert.equal(result.answer, '');
    assert.deepEqual(
      result.chunks.map((chunk) => chunk.type),
      ['reasoning', 'finish'],
    );
    assert.ok(Date.now() - abortedAt < 500, 'stopped promptly');
  });

  it('abort mid-answer: keeps what arrived, finish aborted', async (t) => {
    const server = await serve(t);
    server.enqueue(slow);
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await collect(provider(server).provider, {
      signal: controller.signal,
      onChunk: (chunk) => {
        if (chunk.type === 'answer' && chunk.text.includes('beta') && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    assert.equal(result.reasoning, slow.reasoning);
    assert.equal(result.answer, 'alpha beta ');
    assert.deepEqual(result.last, { type: 'finish', reason: 'aborted' });
    assert.ok(!result.chunks.some((chunk) => chunk.type === 'error' || chunk.type === 'usage'));
    assert.ok(Date.now() - abortedAt < 500, 'stopped promptly');
  });

  it('abort while waiting to retry ends the wait', async (t) => {
    const server = await serve(t);
    server.enqueue({ status: 429, retryAfter: 20 });
    const controller = new AbortController();
    const target = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: API_KEY, model: 'm' });
    const result = await collect(target, {
      signal: controller.signal,
      onChunk: (chunk) => {
        if (chunk.type === 'retry') setTimeout(() => controller.abort(), 20);
      },
    });
    assert.deepEqual(
      result.chunks.map((chunk) => chunk.type),
      ['retry', 'finish'],
    );
    assert.deepEqual(result.last, { type: 'finish', reason: 'aborted' });
    assert.ok(result.ms < 2000, `did not wait the 20 s (${result.ms} ms)`);
    assert.equal(server.requests.length, 1);
  });

  it('an already aborted signal sends nothing', async (t) => {
    const server = await serve(t);
    const result = await collect(provider(server).provider, { signal: AbortSignal.abort() });
    assert.deepEqual(result.chunks, [{ type: 'finish', reason: 'aborted' }]);
    assert.equal(server.requests.length, 0);
  });

  it('a consumer that stops reading closes the connection', async (t) => {
    const server = await serve(t);
    server.enqueue({ ...slow, delayMs: 0, stallAfter: 3 });
    const target = provider(server).provider;
    for await (const chunk of target.stream({ messages: QUESTION, signal: AbortSignal.timeout(5000) })) {
      if (chunk.type === 'reasoning') break;
    }
    // The stalled stream would stay open for ever; after the break the server sees the client leave.
    const deadline = Date.now() + 2000;
    while (server.activeStreams > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(server.activeStreams, 0);
  });
});
