/**
 * Measures the GPU memory node-llama-cpp can use, without a model file and without loading
 * llama.cpp into the caller's process: a short-lived child process runs getLlama() and
 * getVramState() and prints one line. A broken GPU driver can take that child down, never the
 * extension host; a slow one is cut off after `timeoutMs`.
 *
 * The script goes to the child on stdin, not with `-e`: node-llama-cpp tests its binaries by
 * forking itself, and a fork inherits `-e`. It never builds llama.cpp (`build: 'never'`): without a
 * usable prebuilt binary the answer is "unknown", not minutes of compiling.
 */

import { spawn } from 'node:child_process';

export type GpuProbeResult =
  | {
      readonly ok: true;
      /** The backend node-llama-cpp chose ("cuda", "vulkan", "metal"), or false: no usable GPU. */
      readonly gpu: string | false;
      /** Total GPU memory; 0 without a GPU. */
      readonly vramBytes: number;
    }
  | { readonly ok: false; readonly reason: string };

export interface GpuProbeOptions {
  /** A folder node-llama-cpp resolves from (the extension's root; the repository in tests). */
  readonly cwd: string;
  /** Default 30 s: the first getLlama() on a machine tries each GPU backend in turn. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The Node to run; default process.execPath (Electron is told to act as Node). */
  readonly execPath?: string;
}

const MARKER = 'R1_GPU_PROBE ';

/** CommonJS, so that `import()` resolves node-llama-cpp from the child's working folder. */
const SCRIPT = `
(async () => {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: 'auto', build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.disabled });
  const vram = await llama.getVramState();
  process.stdout.write('\\n${MARKER}' + JSON.stringify({ gpu: llama.gpu, vramBytes: vram.total }) + '\\n');
  await llama.dispose();
})().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(String(error && error.message ? error.message : error) + '\\n');
    process.exit(1);
  },
);
`;

export async function probeGpuMemory(options: GpuProbeOptions): Promise<GpuProbeResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };
  return new Promise<GpuProbeResult>((resolve) => {
    const child = spawn(options.execPath ?? process.execPath, [], {
      cwd: options.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout also ends the binary tests node-llama-cpp forks.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: GpuProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      kill();
      finish({ ok: false, reason: 'cancelled' });
    };
    const timer = setTimeout(() => {
      kill();
      finish({ ok: false, reason: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (data: Buffer) => {
      stdout = (stdout + data.toString()).slice(-8192);
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-8192);
    });
    child.on('error', (error) => finish({ ok: false, reason: error.message }));
    child.on('close', (code, signal) => {
      const parsed = parseProbeOutput(stdout);
      if (parsed) finish(parsed);
      else {
        const last = stderr.trim().split('\n').at(-1)?.trim();
        finish({ ok: false, reason: last || `the probe exited with ${signal ?? `code ${code}`}` });
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(SCRIPT);
  });
}

/** The probe's answer line, or undefined when it printed none (or nonsense). */
export function parseProbeOutput(stdout: string): GpuProbeResult | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((each) => each.startsWith(MARKER));
  if (!line) return undefined;
  try {
    const value = JSON.parse(line.slice(MARKER.length)) as { gpu?: unknown; vramBytes?: unknown };
    const gpu = typeof value.gpu === 'string' && value.gpu ? value.gpu : value.gpu === false ? false : undefined;
    const vramBytes = value.vramBytes;
    if (gpu === undefined || typeof vramBytes !== 'number' || !Number.isFinite(vramBytes) || vramBytes < 0)
      return undefined;
    return { ok: true, gpu, vramBytes: gpu === false ? 0 : vramBytes };
  } catch {
    return undefined;
  }
}
