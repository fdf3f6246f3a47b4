/**
 * llama.cpp's own server as a benchmark baseline (bench:speculative): started fresh per measured
 * turn, warmed up with a tiny request, then asked once with streaming, timed at the client exactly
 * as R1 Coder's turns are (first answer token to the end of the stream).
 *
 * scripts/build-llama-server.sh builds it offline from node-llama-cpp's bundled llama.cpp, linked
 * against node-llama-cpp's prebuilt libraries, so its kernels are the ones R1 Coder runs.
 *
 * In this llama.cpp (v0.5.0) a draft model needs `--spec-type draft-simple`: `-md` alone loads it and
 * never drafts.
 */

import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface ServerTurn {
  /** Milliseconds from the first answer (`content`) delta to the end of the stream. */
  readonly answerMs: number;
  /** Tokens the server generated (thought and answer). */
  readonly predicted: number;
  readonly drafted: number;
  readonly accepted: number;
}

export interface ServerOptions {
  readonly binary: string;
  readonly modelPath: string;
  readonly threads: number;
  readonly contextSize: number;
  /** Extra arguments: the speculative mode. */
  readonly args: readonly string[];
}

/** R1's sampling (temperature 0.6, top-p 0.95) with R1 Coder's top-k and no min-p, as the worker samples. */
const SAMPLING = { temperature: 0.6, top_p: 0.95, top_k: 40, min_p: 0, seed: 1 };

/** One fresh server: warm-up turn, then the prompt, streamed. */
export async function llamaServerTurn(options: ServerOptions, prompt: string): Promise<ServerTurn> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(
    options.binary,
    [
      '-m',
      options.modelPath,
      '-t',
      String(options.threads),
      '-c',
      String(options.contextSize),
      // One slot, as R1 Coder's one sequence (the default of 4 splits the context).
      '-np',
      '1',
      '--port',
      String(port),
      ...options.args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (data: Buffer) => {
    log = (log + data.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`llama-server exited (${code}):\n${log}`))),
  );
  exited.catch(() => undefined);
  try {
    const base = `http://127.0.0.1:${port}`;
    await Promise.race([waitHealthy(base), exited]);
    await Promise.race([chat(base, 'Hi', { max_tokens: 4 }).then((response) => response.text()), exited]);
    return await Promise.race([streamTurn(base, prompt), exited]);
  } finally {
    child.kill();
  }
}

async function waitHealthy(base: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const ok = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await delay(100);
  }
  throw new Error('llama-server did not become healthy in 120 s');
}

/** POST /v1/chat/completions with one user message and R1's sampling. */
function chat(base: string, content: string, options: { max_tokens?: number; stream?: boolean }): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content }], ...options, ...SAMPLING }),
  });
}

interface StreamEvent {
  readonly choices?: readonly { readonly delta?: { readonly content?: string | null } }[];
  readonly timings?: {
    readonly predicted_n?: number;
    readonly draft_n?: number;
    readonly draft_n_accepted?: number;
  };
}

async function streamTurn(base: string, prompt: string): Promise<ServerTurn> {
  const response = await chat(base, prompt, { stream: true });
  if (!response.ok || !response.body) throw new Error(`llama-server answered ${response.status}`);
  let first = 0;
  let timings: StreamEvent['timings'];
  let pending = '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    pending += decoder.decode(read.value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6)) as StreamEvent;
      if (!first && event.choices?.[0]?.delta?.content) first = performance.now();
      if (event.timings) timings = event.timings;
    }
  }
  const end = performance.now();
  if (!first || !timings) throw new Error('llama-server streamed no answer or no timings');
  return {
    answerMs: end - first,
    predicted: timings.predicted_n ?? NaN,
    drafted: timings.draft_n ?? 0,
    accepted: timings.draft_n_accepted ?? 0,
  };
}
