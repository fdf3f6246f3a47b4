/**
 * A loopback server that speaks DeepSeek's streaming chat-completions protocol byte for byte
 * (see ../shared/docs/r1-protocol.md), plus the variants other OpenAI-compatible servers use
 * and the faults real networks produce. Tests drive the real `openai` SDK against it.
 *
 *   node --import tsx test/support/deepseekServer.ts [--port 8787] [--host 127.0.0.1]
 *
 * serves the default scenario until Ctrl-C (manual runs, the extension's F5 with
 * r1Coder.cloud.baseUrl = http://127.0.0.1:8787).
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

/** Where the model's thought travels. */
export type ReasoningStyle =
  /** DeepSeek, llama-server, LM Studio: `delta.reasoning_content`. */
  | 'reasoning_content'
  /** vLLM, Ollama, OpenRouter: `delta.reasoning`. */
  | 'reasoning'
  /** Together, Fireworks, raw llama.cpp: `<think>…</think>` inline in `content`. */
  | 'inline'
  /** Distill templates that put `<think>\n` in the prompt: content starts mid-thought, only `</think>` arrives. */
  | 'inlineNoOpen'
  /** A non-reasoning model: only `content` (any `reasoning` text is ignored). */
  | 'none';

/** One delta exactly as it goes on the wire (fields absent are not sent). */
export interface WireDelta {
  readonly role?: 'assistant';
  readonly content?: string | null;
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
}

export interface UsageNumbers {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly cacheHitTokens: number;
}

export interface StreamScenario {
  /** Thought text; split into word-ish deltas, or given as the exact deltas. */
  readonly reasoning?: string | readonly string[];
  /** Answer text; split into word-ish deltas, or given as the exact deltas. */
  readonly answer?: string | readonly string[];
  /** Default 'reasoning_content' (DeepSeek). */
  readonly style?: ReasoningStyle;
  /**
   * Exact deltas after the role chunk, replacing reasoning/answer. `style` still picks the role
   * chunk: DeepSeek's carries `reasoning_content: ""`, so set style 'inline' for inline-tag deltas.
   */
  readonly deltas?: readonly WireDelta[];
  /** Default 'stop'; null sends no finish_reason at all (a broken server). */
  readonly finishReason?: string | null;
  /** Override parts of the computed usage; null sends none. */
  readonly usage?: Partial<UsageNumbers> | null;
  /** 'final' (DeepSeek: usage on the finish chunk) or 'separate' (OpenAI: an extra chunk with no choices). */
  readonly usagePlacement?: 'final' | 'separate';
  /** Model name in the chunks; default: the one requested. */
  readonly model?: string;
  /** Wait before each event (ms). */
  readonly delayMs?: number;
  /** `: keep-alive` comments sent before the first event, as DeepSeek does while a request is queued. */
  readonly keepAlives?: { readonly count: number; readonly intervalMs: number };
  /** Send the first N events, then destroy the socket. */
  readonly dropAfter?: number;
  /** Send the first N events, then go silent with the socket open (until the client leaves or close()). */
  readonly stallAfter?: number;
  /** Send a data line that is not JSON after the first N events (then carry on). */
  readonly malformedAfter?: number;
  /** Send an error object as a data event after the first N events, then end (OpenRouter/vLLM do this). */
  readonly errorAfter?: { readonly after: number; readonly message: string; readonly code?: number | string };
  /** Leave out `data: [DONE]`. */
  readonly omitDone?: boolean;
  /** SSE line ending: '\n' (default) or '\r\n' (some proxies and servers); the SSE spec allows both. */
  readonly lineEnding?: '\n' | '\r\n';
  /**
   * Send each frame in writes of this many bytes (a pause between them), so multi-byte UTF-8
   * characters and SSE lines arrive split across network reads.
   */
  readonly writeBytes?: number;
}

export interface ErrorScenario {
  readonly status: number;
  /** DeepSeek's error.message; a default per status when omitted. */
  readonly message?: string;
  readonly type?: string;
  readonly code?: string | null;
  readonly param?: string | null;
  /** Sent as the `retry-after` header (seconds or an HTTP date). */
  readonly retryAfter?: number | string;
  /** Raw body replacing the JSON error (e.g. an HTML page from a proxy). */
  readonly rawBody?: string;
}

export type Scenario = StreamScenario | ErrorScenario;

/** A scenario, or a function that picks one from the request it answers. */
export type ScenarioSource = Scenario | ((request: RecordedRequest) => Scenario);

export interface RecordedBody {
  readonly model?: string;
  readonly messages?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly stream?: boolean;
  readonly [key: string]: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the body was empty or not JSON. */
  readonly body: RecordedBody | undefined;
  readonly rawBody: string;
}

export interface DeepSeekServerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly defaultScenario?: ScenarioSource;
  /** What `GET /models` answers: the model ids listed (default: deepseek-v4-flash), or an error. */
  readonly models?: ModelListAnswer;
}

/** The answer of `GET /models` (and `/v1/models`). */
export type ModelListAnswer = readonly string[] | ErrorScenario;

export interface DeepSeekServer {
  /** e.g. http://127.0.0.1:PORT (the SDK appends /chat/completions; /v1/chat/completions works too). */
  readonly baseUrl: string;
  readonly port: number;
  /** Chat requests and anything unknown; `GET /models` goes to `modelListRequests` instead. */
  readonly requests: readonly RecordedRequest[];
  /** Each `GET /models` (kept apart, so that listing models never shifts the chat requests tests read). */
  readonly modelListRequests: readonly RecordedRequest[];
  setModels(answer: ModelListAnswer): void;
  /** Each chat request takes the next queued scenario; the default answers when the queue is empty. */
  enqueue(...scenarios: ScenarioSource[]): void;
  setDefault(scenario: ScenarioSource): void;
  /** Scenarios still queued. */
  readonly pending: number;
  /** Streams still being sent (a stalled one counts until the client hangs up). */
  readonly activeStreams: number;
  /** Stops listening and destroys open sockets (stalled streams included). */
  close(): Promise<void>;
}

export const DEFAULT_SCENARIO: StreamScenario = {
  reasoning: 'The user wants a short answer. I will greet them and offer help with their code, keeping it brief.',
  answer: 'Hello! I am the loopback DeepSeek test server. Ask me anything about your code.',
};

const DEFAULT_ERROR_MESSAGES: Readonly<Record<number, { message: string; type: string }>> = {
  400: {
    message: 'Invalid request: messages must alternate between user and assistant',
    type: 'invalid_request_error',
  },
  401: { message: 'Authentication Fails, Your api key is invalid', type: 'authentication_error' },
  402: { message: 'Insufficient Balance', type: 'unknown_error' },
  404: { message: 'Not Found', type: 'invalid_request_error' },
  422: { message: 'Invalid parameter: reasoning_effort', type: 'invalid_request_error' },
  429: { message: 'Rate Limit Reached', type: 'rate_limit_error' },
  500: { message: 'Server Error', type: 'server_error' },
  503: { message: 'Server Overloaded', type: 'server_error' },
};

/** Splits text into word-ish deltas (each word with the whitespace after it); they concatenate back exactly. */
export function splitIntoDeltas(text: string): string[] {
  return text.match(/\s+|\S+\s*/g) ?? [];
}

/** Rough token count for the computed usage: one per word-ish piece. */
function countTokens(text: string): number {
  return splitIntoDeltas(text).length;
}

function joinText(value: string | readonly string[] | undefined): string {
  return typeof value === 'string' ? value : (value ?? []).join('');
}

function pieces(value: string | readonly string[] | undefined): readonly string[] {
  return typeof value === 'string' ? splitIntoDeltas(value) : (value ?? []);
}

function isModelIds(answer: ModelListAnswer): answer is readonly string[] {
  return Array.isArray(answer);
}

function isErrorScenario(scenario: Scenario): scenario is ErrorScenario {
  return 'status' in scenario && typeof scenario.status === 'number';
}

/** The deltas a scenario streams after the role chunk. */
export function scenarioDeltas(scenario: StreamScenario): WireDelta[] {
  if (scenario.deltas) return [...scenario.deltas];
  const style = scenario.style ?? 'reasoning_content';
  const reasoning = pieces(scenario.reasoning);
  const answer = pieces(scenario.answer);
  switch (style) {
    case 'reasoning_content':
      return [
        ...reasoning.map((text) => ({ content: null, reasoning_content: text })),
        ...answer.map((text) => ({ content: text, reasoning_content: null })),
      ];
    case 'reasoning':
      // Ollama and vLLM send an empty content alongside each reasoning delta.
      return [
        ...reasoning.map((text) => ({ content: '', reasoning: text })),
        ...answer.map((text) => ({ content: text })),
      ];
    case 'inline':
    case 'inlineNoOpen': {
      const thought = joinText(scenario.reasoning);
      const open = style === 'inline' ? '<think>\n' : '';
      const text = `${open}${thought}\n</think>\n\n${joinText(scenario.answer)}`;
      return splitIntoDeltas(text).map((piece) => ({ content: piece }));
    }
    case 'none':
      return answer.map((text) => ({ content: text }));
  }
}

function computeUsage(scenario: StreamScenario, request: RecordedRequest, deltas: readonly WireDelta[]): UsageNumbers {
  const promptText = (request.body?.messages ?? []).map((message) => String(message.content ?? '')).join(' ');
  const reasoningText = deltas.map((delta) => (delta.reasoning_content ?? '') + (delta.reasoning ?? '')).join('');
  const contentText = deltas.map((delta) => delta.content ?? '').join('');
  const reasoningTokens =
    countTokens(reasoningText) +
    (scenario.style === 'inline' || scenario.style === 'inlineNoOpen' ? countTokens(joinText(scenario.reasoning)) : 0);
  const promptTokens = countTokens(promptText) + 4;
  return {
    promptTokens,
    completionTokens: countTokens(reasoningText) + countTokens(contentText),
    reasoningTokens,
    cacheHitTokens: 0,
    ...scenario.usage,
  };
}

/** DeepSeek's usage object. */
function wireUsage(usage: UsageNumbers): Record<string, unknown> {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheHitTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    prompt_cache_hit_tokens: usage.cacheHitTokens,
    prompt_cache_miss_tokens: Math.max(0, usage.promptTokens - usage.cacheHitTokens),
  };
}

/** The SSE frames of a stream scenario, in order ("events" that faults count). */
function streamFrames(scenario: StreamScenario, request: RecordedRequest): string[] {
  const id = randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const model = scenario.model ?? request.body?.model ?? 'deepseek-v4-flash';
  const style = scenario.style ?? 'reasoning_content';
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_5417b77867_prod0820_fp8_kvcache',
      choices,
      ...extra,
    })}\n\n`;
  const choice = (delta: WireDelta, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const deltas = scenarioDeltas(scenario);
  const first: WireDelta =
    style === 'reasoning_content' && !scenario.deltas
      ? { role: 'assistant', content: null, reasoning_content: '' }
      : { role: 'assistant', content: '' };
  const frames = [chunk([choice(first)]), ...deltas.map((delta) => chunk([choice(delta)]))];
  const usage = scenario.usage === null ? undefined : wireUsage(computeUsage(scenario, request, deltas));
  const finishReason = scenario.finishReason === undefined ? 'stop' : scenario.finishReason;
  const lastDelta: WireDelta =
    style === 'reasoning_content' ? { content: '', reasoning_content: null } : { content: '' };
  if (scenario.usagePlacement === 'separate') {
    if (finishReason !== null) frames.push(chunk([choice(lastDelta, finishReason)]));
    if (usage) frames.push(chunk([], { usage }));
  } else if (finishReason !== null || usage) {
    frames.push(chunk([choice(lastDelta, finishReason)], usage ? { usage } : {}));
  }
  if (!scenario.omitDone) frames.push('data: [DONE]\n\n');
  if (scenario.malformedAfter !== undefined) {
    frames.splice(
      scenario.malformedAfter,
      0,
      `data: {"id":"${id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"oops\n\n`,
    );
  }
  if (scenario.errorAfter) {
    const { after, message, code } = scenario.errorAfter;
    frames.splice(
      after,
      frames.length - after,
      `data: ${JSON.stringify({ error: { message, code: code ?? null } })}\n\n`,
    );
  }
  return frames;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes and waits until the bytes are handed to the OS (so a later socket.destroy() cannot
 * discard them); false when the client has gone.
 */
function write(response: ServerResponse, text: string | Buffer): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      response.off('close', onClose);
      resolve(ok);
    };
    const onClose = () => done(false);
    response.once('close', onClose);
    response.write(text, (error) => done(!error));
  });
}

/** One SSE frame with the scenario's line ending, whole or in `writeBytes`-sized writes. */
async function writeFrame(response: ServerResponse, frame: string, scenario: StreamScenario): Promise<boolean> {
  // JSON.stringify escapes newlines inside strings, so every raw \n here is an SSE line break.
  const bytes = Buffer.from(scenario.lineEnding === '\r\n' ? frame.replaceAll('\n', '\r\n') : frame, 'utf8');
  const size = scenario.writeBytes ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    if (offset > 0) await delay(2);
    if (!(await write(response, bytes.subarray(offset, offset + size)))) return false;
  }
  return true;
}

function closed(response: ServerResponse): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => response.once('close', () => resolve()));
}

async function serveStream(
  scenario: StreamScenario,
  request: RecordedRequest,
  response: ServerResponse,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-ds-trace-id': randomUUID().replaceAll('-', ''),
  });
  response.flushHeaders();
  if (scenario.keepAlives) {
    for (let i = 0; i < scenario.keepAlives.count; i++) {
      if (i > 0 || scenario.keepAlives.intervalMs > 0) await delay(scenario.keepAlives.intervalMs);
      if (!(await write(response, ': keep-alive\n\n'))) return;
    }
  }
  const frames = streamFrames(scenario, request);
  // index === frames.length: everything was sent; a fault set there still applies (e.g. silence after [DONE]).
  for (let index = 0; index <= frames.length; index++) {
    if (scenario.dropAfter !== undefined && index >= scenario.dropAfter) {
      response.socket?.destroy();
      return;
    }
    if (scenario.stallAfter !== undefined && index >= scenario.stallAfter) {
      await closed(response);
      return;
    }
    if (index === frames.length) break;
    if (scenario.delayMs) await delay(scenario.delayMs);
    if (!(await writeFrame(response, frames[index] ?? '', scenario))) return;
  }
  response.end();
}

function serveError(scenario: ErrorScenario, response: ServerResponse): void {
  const defaults = DEFAULT_ERROR_MESSAGES[scenario.status] ?? {
    message: `HTTP ${scenario.status}`,
    type: 'unknown_error',
  };
  const body =
    scenario.rawBody ??
    JSON.stringify({
      error: {
        message: scenario.message ?? defaults.message,
        type: scenario.type ?? defaults.type,
        param: scenario.param ?? null,
        code: scenario.code ?? 'invalid_request_error',
      },
    });
  const headers: Record<string, string> = {
    'content-type': scenario.rawBody === undefined ? 'application/json' : 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (scenario.retryAfter !== undefined) headers['retry-after'] = String(scenario.retryAfter);
  response.writeHead(scenario.status, headers);
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseJson(text: string): RecordedBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as RecordedBody) : undefined;
  } catch {
    return undefined;
  }
}

export async function startDeepSeekServer(options: DeepSeekServerOptions = {}): Promise<DeepSeekServer> {
  const requests: RecordedRequest[] = [];
  const modelListRequests: RecordedRequest[] = [];
  let models: ModelListAnswer = options.models ?? ['deepseek-v4-flash'];
  const queue: ScenarioSource[] = [];
  let fallback: ScenarioSource = options.defaultScenario ?? DEFAULT_SCENARIO;
  const sockets = new Set<Socket>();
  let activeStreams = 0;

  const server = createServer((incoming, response) => {
    void handle(incoming, response).catch(() => response.destroy());
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(incoming);
    const path = (incoming.url ?? '/').split('?')[0] ?? '/';
    const recorded: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path,
      headers: incoming.headers,
      body: parseJson(rawBody),
      rawBody,
    };
    if (incoming.method === 'GET' && (path === '/models' || path === '/v1/models')) {
      modelListRequests.push(recorded);
      const answer = models;
      if (!isModelIds(answer)) {
        serveError(answer, response);
        return;
      }
      const body = JSON.stringify({
        object: 'list',
        data: answer.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })),
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
      return;
    }
    requests.push(recorded);
    if (incoming.method !== 'POST' || (path !== '/chat/completions' && path !== '/v1/chat/completions')) {
      serveError({ status: 404 }, response);
      return;
    }
    if (!recorded.body) {
      serveError({ status: 400, message: 'Failed to deserialize the JSON body into the target type' }, response);
      return;
    }
    const source = queue.shift() ?? fallback;
    const scenario = typeof source === 'function' ? source(recorded) : source;
    if (isErrorScenario(scenario)) {
      serveError(scenario, response);
      return;
    }
    if (recorded.body.stream !== true) {
      // Tests only stream; say so clearly rather than inventing a non-streaming format.
      serveError({ status: 400, message: 'This test server only answers stream: true' }, response);
      return;
    }
    activeStreams++;
    try {
      await serveStream(scenario, recorded, response);
    } finally {
      activeStreams--;
    }
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    baseUrl: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    modelListRequests,
    setModels(answer) {
      models = answer;
    },
    enqueue(...scenarios) {
      queue.push(...scenarios);
    },
    setDefault(scenario) {
      fallback = scenario;
    },
    get pending() {
      return queue.length;
    },
    get activeStreams() {
      return activeStreams;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
    },
  };
}

/** Serves until Ctrl-C; the default scenario echoes the question so manual runs show it went through. */
async function runCli(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const port = Number(values.port);
  const server = await startDeepSeekServer({
    port: Number.isInteger(port) ? port : 8787,
    host: values.host,
    defaultScenario: (request) => {
      const last = [...(request.body?.messages ?? [])].reverse().find((message) => message.role === 'user');
      const question = String(last?.content ?? '').slice(0, 200);
      return {
        ...DEFAULT_SCENARIO,
        reasoning: `The user asked: "${question}". This is the loopback test server, so I will answer with a fixed text.`,
        delayMs: 30,
      };
    },
  });
  process.stdout.write(
    `DeepSeek-compatible test server on ${server.baseUrl} (set r1Coder.cloud.baseUrl to it). Ctrl-C stops.\n`,
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run as a script (tsx, CJS or ESM alike): the entry file is this one.
if (/^deepseekServer\.[cm]?[jt]s$/.test(basename(process.argv[1] ?? ''))) {
  runCli(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
