/**
 * The host side of one inference worker process (dist/localWorker.js): starting it, its messages
 * as events, what it printed recently (for crash messages), and stopping it. Plus the small async
 * queue a request's stream reads those events from.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { isWorkerMessage, type HostToWorker, type WorkerToHost } from './workerProtocol';

export type WorkerExit = {
  readonly type: 'exit';
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
};
export type WorkerEvent = WorkerToHost | WorkerExit;

/** How many of the worker's last output lines are kept for crash messages. */
const KEPT_LINES = 60;

/** Starts the worker script as a Node child process with an IPC channel (throws if it cannot). */
export function forkWorker(workerPath: string, execArgv: readonly string[]): ChildProcess {
  return fork(workerPath, [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [...execArgv],
    env: {
      ...process.env,
      // Inside VS Code, process.execPath is Electron: run it as plain Node.
      ELECTRON_RUN_AS_NODE: '1',
      // node-llama-cpp runs each decode and each sampling step as a libuv work item; with the
      // default pool of 4 threads consecutive steps hop between threads, which cost ~14% of
      // generation speed on 2 cores. One pool thread keeps llama.cpp on the same thread.
      UV_THREADPOOL_SIZE: '1',
    },
    serialization: 'json',
  });
}

/** One worker process and what it printed recently (for crash messages). */
export class WorkerHandle {
  readonly output: string[] = [];
  exited = false;
  stopping = false;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor(
    readonly child: ChildProcess,
    readonly cpuOnly: boolean,
    private readonly onLog: ((line: string) => void) | undefined,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (data: string) => {
        pending += data;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.record(line);
      });
      stream?.on('end', () => {
        if (pending) this.record(pending);
        pending = '';
      });
    }
    child.on('message', (message) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'log') this.record(message.message);
      this.emit(message);
    });
    child.on('error', (error) => this.record(`worker process error: ${error.message}`));
    child.on('exit', (code, signal) => {
      this.exited = true;
      // Let the pipes drain so the crash message can quote llama.cpp's last words.
      setTimeout(() => this.emit({ type: 'exit', code, signal }), 50);
    });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  send(message: HostToWorker): boolean {
    if (this.exited || !this.child.connected) return false;
    try {
      this.child.send(message);
      return true;
    } catch {
      return false;
    }
  }

  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the worker to exit, and kills it if it does not. */
  stop(): void {
    if (this.exited || this.stopping) return;
    this.stopping = true;
    if (!this.send({ type: 'exit' })) this.child.kill('SIGKILL');
    setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, 3000).unref();
  }

  private record(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed) return;
    this.output.push(trimmed);
    if (this.output.length > KEPT_LINES) this.output.shift();
    this.onLog?.(trimmed);
  }

  private emit(event: WorkerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** A tiny async queue: the IPC listener pushes, the stream generator awaits. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T) => void) | undefined;

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
