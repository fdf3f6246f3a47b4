import { parseArgs } from 'node:util';
import { assertNever, type StreamChunk } from '../core/chunks';
import { buildMessages } from '../core/conversation';
import type { ChatProvider } from '../core/provider';
import { CLOUD_DEFAULTS, REASONING_EFFORTS, type ReasoningEffort } from '../providers/cloud/cloudServer';
import { OpenAiCompatibleProvider } from '../providers/cloud/openAiCompatibleProvider';
import { LocalProvider } from '../providers/local/localProvider';

export interface AskIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

/** Exit codes: 0 answered, 1 usage error, 2 the model/server failed, 130 interrupted. */
export async function runAsk(args: readonly string[], io: AskIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        'base-url': { type: 'string', default: CLOUD_DEFAULTS.baseUrl },
        model: { type: 'string', default: CLOUD_DEFAULTS.model },
        'reasoning-effort': { type: 'string', default: CLOUD_DEFAULTS.reasoningEffort },
        'api-key-env': { type: 'string', default: 'DEEPSEEK_API_KEY' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string', default: String(CLOUD_DEFAULTS.inactivityTimeoutSeconds) },
        local: { type: 'string' },
        threads: { type: 'string', default: '0' },
        'gpu-layers': { type: 'string', default: 'auto' },
      },
    });
  } catch (error) {
    io.stderr(`r1-coder ask: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  const question = positionals.join(' ').trim();
  if (!question) {
    io.stderr('r1-coder ask: a question is required, e.g. r1-coder ask "Why does this loop never end?"\n');
    return 1;
  }
  const effort = values['reasoning-effort'] as ReasoningEffort;
  if (!REASONING_EFFORTS.includes(effort)) {
    io.stderr(`r1-coder ask: --reasoning-effort must be one of ${REASONING_EFFORTS.join(', ')}\n`);
    return 1;
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.stderr('r1-coder ask: --timeout must be a positive number of seconds\n');
    return 1;
  }
  if (values.local !== undefined) {
    const threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 0) {
      io.stderr('r1-coder ask: --threads must be a whole number (0 = physical cores)\n');
      return 1;
    }
    const gpuLayers = values['gpu-layers'] === 'auto' ? 'auto' : Number(values['gpu-layers']);
    if (gpuLayers !== 'auto' && (!Number.isInteger(gpuLayers) || gpuLayers < 0)) {
      io.stderr('r1-coder ask: --gpu-layers must be auto or a whole number (0 = CPU only)\n');
      return 1;
    }
    // Same provider as the extension: a worker process (dist/localWorker.js beside this CLI).
    const local = new LocalProvider({
      modelPath: values.local,
      threads,
      gpuLayers,
      idleMinutes: 0,
      onLog: (line) => io.env.R1_CODER_DEBUG && io.stderr(`[local] ${line}\n`),
    });
    try {
      return await streamToConsole(local, question, values.json, io);
    } finally {
      local.dispose();
    }
  }
  const keyVariable = values['api-key-env'];
  const provider = new OpenAiCompatibleProvider({
    baseUrl: values['base-url'],
    apiKey: io.env[keyVariable],
    model: values.model,
    reasoningEffort: effort,
    inactivityTimeoutMs: timeoutSeconds * 1000,
  });
  return streamToConsole(provider, question, values.json, io);
}

/** Shared by cloud and local asks: prints one provider stream. */
export async function streamToConsole(
  provider: ChatProvider,
  question: string,
  json: boolean,
  io: AskIo,
): Promise<number> {
  let exitCode = 0;
  let answerEndsWithNewline = true;
  let reasoningOpen = false;
  // Text mode holds provisional reasoning (no think tag seen yet) until it is confirmed: a model
  // that never thinks streams its whole answer that way, and that answer belongs on stdout, not
  // stderr. Confirmed reasoning (a reasoning field, <think>, or the forced local <think>) streams live.
  let heldReasoning = '';
  const line = (value: object) => io.stdout(`${JSON.stringify(value)}\n`);
  const answer = (text: string) => {
    io.stdout(text);
    answerEndsWithNewline = text.endsWith('\n');
  };
  const releaseReasoning = () => {
    if (!heldReasoning) return;
    io.stderr(heldReasoning);
    heldReasoning = '';
    reasoningOpen = true;
  };
  const chunks: AsyncIterable<StreamChunk> = provider.stream({
    messages: buildMessages([], question),
    signal: io.signal,
  });
  for await (const chunk of chunks) {
    switch (chunk.type) {
      case 'reasoning':
        if (json) line({ type: 'reasoning', text: chunk.text });
        else if (chunk.provisional) heldReasoning += chunk.text;
        else {
          releaseReasoning();
          io.stderr(chunk.text);
          reasoningOpen = true;
        }
        break;
      case 'answer':
        if (json) line({ type: 'answer', text: chunk.text });
        else {
          releaseReasoning();
          if (reasoningOpen) {
            io.stderr('\n');
            reasoningOpen = false;
          }
          answer(chunk.text);
        }
        break;
      case 'reclassify':
        // Only a model that never thinks triggers this: what was held as reasoning is the answer.
        if (json) line({ type: 'reclassify' });
        else if (heldReasoning) {
          answer(heldReasoning);
          heldReasoning = '';
        }
        break;
      case 'usage':
        if (json) line({ type: 'usage', ...chunk.usage });
        break;
      case 'retry':
        if (json) line({ type: 'retry', attempt: chunk.attempt, delayMs: chunk.delayMs, reason: chunk.reason });
        else io.stderr(`[${chunk.reason} Retrying in ${Math.ceil(chunk.delayMs / 1000)} s]\n`);
        break;
      case 'finish':
        if (!json) releaseReasoning();
        if (chunk.reason === 'aborted') exitCode = 130;
        if (chunk.reason === 'length') {
          if (json)
            line({ type: 'error', message: 'The answer hit the token limit and is incomplete.', kind: 'length' });
          else io.stderr('\n[incomplete: the answer hit the token limit]\n');
          reasoningOpen = false;
          exitCode = 2;
        }
        break;
      case 'error':
        if (!json) releaseReasoning();
        if (json)
          line({ type: 'error', message: chunk.error.message, kind: chunk.error.kind, status: chunk.error.status });
        else io.stderr(`\nr1-coder: ${chunk.error.message}\n`);
        reasoningOpen = false;
        exitCode = 2;
        break;
      default:
        assertNever(chunk, 'chunk');
    }
  }
  if (!json) releaseReasoning(); // a stream that ended with neither finish nor error
  if (reasoningOpen) io.stderr('\n'); // a thought with no answer after it still ends its line
  if (!json && !answerEndsWithNewline) io.stdout('\n');
  await provider.dispose?.();
  return exitCode;
}
