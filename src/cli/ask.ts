import { parseArgs } from 'node:util';
import { assertNever, type StreamChunk, type Usage } from '../core/chunks';
import { DEFAULT_CLOUD_CONTEXT_TOKENS, localContextBudget } from '../core/context/defaults';
import { buildMessages } from '../core/conversation';
import type { ChatProvider } from '../core/provider';
import { LOCAL_DEFAULTS } from '../providers/local/localDefaults';
import { prepareFileContext } from './contextFiles';
import { MODEL_OPTIONS, providerFromOptions } from './modelOptions';

export interface AskIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** Where --file paths resolve from (the stand-in for the workspace root); default process.cwd(). */
  readonly cwd?: string;
}

/** Exit codes: 0 answered, 1 usage error, 2 the model/server failed, 130 interrupted. */
export async function runAsk(args: readonly string[], io: AskIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        ...MODEL_OPTIONS,
        json: { type: 'boolean', default: false },
        file: { type: 'string', multiple: true },
        'context-tokens': { type: 'string' },
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
  const contextTokens =
    values['context-tokens'] === undefined
      ? values.local !== undefined
        ? localContextBudget(LOCAL_DEFAULTS.contextSizeCap)
        : DEFAULT_CLOUD_CONTEXT_TOKENS
      : Number(values['context-tokens']);
  if (!Number.isInteger(contextTokens) || contextTokens <= 0) {
    io.stderr('r1-coder ask: --context-tokens must be a whole number of tokens above 0\n');
    return 1;
  }
  let message = question;
  if (values.file?.length) {
    const context = prepareFileContext({
      paths: values.file,
      question,
      cwd: io.cwd ?? process.cwd(),
      budgetTokens: contextTokens,
    });
    if (!context.ok) {
      io.stderr(`r1-coder ask: ${context.error}\n`);
      return 1;
    }
    for (const notice of context.notices) io.stderr(`r1-coder ask: ${notice}\n`);
    if (values.json) io.stdout(`${JSON.stringify(context.jsonLine)}\n`);
    message = context.message;
  }
  const chosen = providerFromOptions(values, io.env, io.stderr);
  if ('usageError' in chosen) {
    io.stderr(`r1-coder ask: ${chosen.usageError}\n`);
    return 1;
  }
  try {
    return await streamToConsole(chosen.provider, message, values.json, io);
  } finally {
    await chosen.provider.dispose?.();
  }
}

/** Where one stream's pieces go: stdout/stderr text, or JSON lines (the README's contract). */
interface ConsoleOutput {
  reasoning(text: string): void;
  answer(text: string): void;
  usage(usage: Usage): void;
  retry(chunk: Extract<StreamChunk, { type: 'retry' }>): void;
  error(message: string, kind: string, status?: number): void;
  end(): void;
}

/** Text mode: the thought on stderr as it arrives, the answer on stdout, each ending its line. */
function textOutput(io: AskIo): ConsoleOutput {
  let reasoningOpen = false;
  let answerEndsWithNewline = true;
  const closeReasoning = () => {
    if (reasoningOpen) io.stderr('\n');
    reasoningOpen = false;
  };
  return {
    reasoning(text) {
      io.stderr(text);
      reasoningOpen = true;
    },
    answer(text) {
      closeReasoning();
      io.stdout(text);
      answerEndsWithNewline = text.endsWith('\n');
    },
    usage: () => undefined,
    retry: (chunk) => io.stderr(`[${chunk.reason} Retrying in ${Math.ceil(chunk.delayMs / 1000)} s]\n`),
    error(message, kind) {
      io.stderr(kind === 'length' ? '\n[incomplete: the answer hit the token limit]\n' : `\nr1-coder: ${message}\n`);
      reasoningOpen = false;
    },
    end() {
      closeReasoning(); // a thought with no answer after it still ends its line
      if (!answerEndsWithNewline) io.stdout('\n');
    },
  };
}

/** JSON mode: one object per line on stdout (every type is documented in the README). */
function jsonOutput(io: AskIo): ConsoleOutput {
  const line = (value: object) => io.stdout(`${JSON.stringify(value)}\n`);
  return {
    reasoning: (text) => line({ type: 'reasoning', text }),
    answer: (text) => line({ type: 'answer', text }),
    usage: (usage) => line({ type: 'usage', ...usage }),
    retry: (chunk) => line({ type: 'retry', attempt: chunk.attempt, delayMs: chunk.delayMs, reason: chunk.reason }),
    error: (message, kind, status) => line({ type: 'error', message, kind, status }),
    end: () => undefined,
  };
}

/**
 * Shared by cloud and local asks: prints one provider stream. Both modes hold provisional reasoning
 * (text before any think tag) until it is known to be a thought: a model that never thinks streams
 * its whole answer that way, and it must reach the consumer as the answer, never as reasoning.
 * Confirmed reasoning (a reasoning field, <think>, the forced local <think>) streams live.
 */
export async function streamToConsole(
  provider: ChatProvider,
  question: string,
  json: boolean,
  io: AskIo,
): Promise<number> {
  const out = json ? jsonOutput(io) : textOutput(io);
  let exitCode = 0;
  let held = '';
  const confirmHeld = () => {
    if (held) out.reasoning(held);
    held = '';
  };
  const chunks: AsyncIterable<StreamChunk> = provider.stream({
    messages: buildMessages([], question),
    signal: io.signal,
  });
  for await (const chunk of chunks) {
    switch (chunk.type) {
      case 'reasoning':
        if (chunk.provisional) held += chunk.text;
        else {
          confirmHeld();
          out.reasoning(chunk.text);
        }
        break;
      case 'answer':
        confirmHeld();
        out.answer(chunk.text);
        break;
      case 'reclassify':
        // Only a model that never thinks triggers this: what was held as reasoning is the answer.
        if (held) out.answer(held);
        held = '';
        break;
      case 'usage':
        out.usage(chunk.usage);
        break;
      case 'retry':
        out.retry(chunk);
        break;
      case 'finish':
        confirmHeld();
        if (chunk.reason === 'aborted') exitCode = 130;
        if (chunk.reason === 'length') {
          out.error('The answer hit the token limit and is incomplete.', 'length');
          exitCode = 2;
        }
        break;
      case 'error':
        confirmHeld();
        out.error(chunk.error.message, chunk.error.kind, chunk.error.status);
        exitCode = 2;
        break;
      default:
        assertNever(chunk, 'chunk');
    }
  }
  confirmHeld(); // a stream that ended with neither finish nor error
  out.end();
  return exitCode;
}
