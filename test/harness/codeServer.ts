/**
 * Starts code-server (a real VS Code server with a Node extension host) for one test run, with
 * everything it writes (HOME, TMPDIR, XDG dirs, user data, extensions) under
 * `.vscode-test/run-<pid>-<label>`, and stops it with all of its child processes.
 * The recipe is in ../shared/docs/testing.md; scripts/setup-test-env.mjs installs the parts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

// tsx runs these files as CommonJS (package.json has no "type"), so __dirname is defined.
export const repoRoot = resolve(__dirname, '..', '..');
const testDir = join(repoRoot, '.vscode-test');

export interface TestEnv {
  /** Node 24, which code-server requires. */
  readonly node: string;
  readonly codeServerEntry: string;
  readonly chromium: string;
}

/** Paths found by scripts/setup-test-env.mjs; fails with the command to run when set-up has not run. */
export function readTestEnv(): TestEnv {
  const path = join(testDir, 'env.json');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/setup-test-env.mjs\` first.`);
  const env = JSON.parse(readFileSync(path, 'utf8')) as TestEnv;
  for (const file of [env.node, env.codeServerEntry, env.chromium]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`node scripts/setup-test-env.mjs\` again.`);
  }
  return env;
}

export interface CodeServerOptions {
  /** Names the run folder, e.g. "host" or "e2e". */
  readonly label: string;
  /** Seeded into the user's settings.json, over quiet defaults. */
  readonly settings?: Record<string, unknown>;
  /**
   * Seeded into the remote machine's settings.json (user-data/Machine, "Open Remote Settings").
   * The workbench is a remote window here, so `"scope": "machine"` settings such as
   * r1Coder.local.modelPath are read only from this file, never from the user's.
   */
  readonly machineSettings?: Record<string, unknown>;
  /** VSIX files installed into the run's extensions folder before start. */
  readonly vsixFiles?: readonly string[];
  /** Extra environment for code-server; it reaches the extension host. */
  readonly env?: Record<string, string>;
  /** Files to create in the workspace folder (relative path → content). */
  readonly workspaceFiles?: Record<string, string>;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  readonly port: number;
  readonly runDir: string;
  readonly workspaceDir: string;
  readonly userSettingsPath: string;
  /** The page URL that opens the workspace; `payload` entries become workbench options (extension tests). */
  workbenchUrl(payload?: ReadonlyArray<readonly [string, string]>): string;
  /** A `vscode-remote://` URI for a path on this server, as the payload expects. */
  remoteUri(path: string): string;
  /** Everything code-server printed so far. */
  output(): string;
  /** Stops code-server and its children; removes the run folder unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

/** Settings that keep a fresh profile from opening walkthroughs, chat panels or update checks. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'github.gitAuthentication': false,
};

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const env = readTestEnv();
  pruneStaleRunDirs();
  const runDir = join(testDir, `run-${process.pid}-${options.label}`);
  rmSync(runDir, { recursive: true, force: true });
  const dirs = {
    home: join(runDir, 'home'),
    tmp: join(runDir, 'tmp'),
    config: join(runDir, 'xdg-config'),
    data: join(runDir, 'xdg-data'),
    cache: join(runDir, 'xdg-cache'),
    state: join(runDir, 'xdg-state'),
    userData: join(runDir, 'user-data'),
    extensions: join(runDir, 'extensions'),
    workspace: join(runDir, 'workspace'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const userSettingsPath = join(dirs.userData, 'User', 'settings.json');
  mkdirSync(dirname(userSettingsPath), { recursive: true });
  writeFileSync(userSettingsPath, JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2) + '\n');
  if (options.machineSettings) {
    const machineSettingsPath = join(dirs.userData, 'Machine', 'settings.json');
    mkdirSync(dirname(machineSettingsPath), { recursive: true });
    writeFileSync(machineSettingsPath, JSON.stringify(options.machineSettings, null, 2) + '\n');
  }
  for (const [relative, content] of Object.entries(options.workspaceFiles ?? {})) {
    const file = join(dirs.workspace, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  // Tests in the extension host read the settings file to check what was (not) written there.
  const childEnv = isolatedEnv(dirs, env.node, { R1_TEST_USER_SETTINGS: userSettingsPath, ...options.env });
  const dataArgs = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  for (const vsix of options.vsixFiles ?? []) {
    const result = spawnSync(env.node, [env.codeServerEntry, ...dataArgs, '--install-extension', vsix], {
      env: childEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0) throw new Error(`installing ${vsix} failed:\n${result.stdout}${result.stderr}`);
  }

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(
    env.node,
    [
      env.codeServerEntry,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      // The built workbench reads extension-test options from the URL payload only with this.
      '--vscode-option',
      'enable-smoke-test-driver',
      ...dataArgs,
    ],
    // Its own process group, so stop() reaches the extension host and every other child.
    { env: childEnv, cwd: dirs.workspace, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.on('exit', killOnExit);

  const stop = async ({ keep = false }: { keep?: boolean } = {}) => {
    process.off('exit', killOnExit);
    await stopGroup(child);
    if (!keep) rmSync(runDir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(child, origin, () => output);
  } catch (error) {
    await stop({ keep: true });
    throw error;
  }

  const remoteUri = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
  return {
    origin,
    port,
    runDir,
    workspaceDir: dirs.workspace,
    userSettingsPath,
    remoteUri,
    workbenchUrl: (payload = []) => {
      const params = new URLSearchParams({ folder: dirs.workspace });
      const entries = [...payload, ['skipWelcome', 'true']];
      params.set('payload', JSON.stringify(entries));
      return `${origin}/?${params.toString()}`;
    },
    output: () => output,
    stop,
  };
}

/** The caller's environment minus anything that would point code-server at the user's own setup. */
function isolatedEnv(
  dirs: { home: string; tmp: string; config: string; data: string; cache: string; state: string },
  node: string,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // npm_* from `npm test`, VSCODE_* / ELECTRON_* when run from a VS Code terminal.
    if (/^(npm_|VSCODE_|ELECTRON_)/i.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    ...extra,
  };
}

async function waitUntilReady(child: ChildProcess, origin: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited early (code ${code}, signal ${signal})`));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server ${exited}:\n${output()}`);
    if (await answers(`${origin}/healthz`)) return;
    await sleep(200);
  }
  throw new Error(`code-server did not answer ${origin}/healthz within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}

/** One GET without keep-alive (fetch's pooled socket would hold this process open for seconds). */
function answers(url: string): Promise<boolean> {
  return new Promise((done) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume();
      done(response.statusCode === 200);
    });
    request.on('error', () => done(false));
    request.setTimeout(2_000, () => request.destroy());
  });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // stragglers whose parent already left
    return;
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  killGroup(child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceful = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((done) => (timer = setTimeout(() => done(false), STOP_GRACE_MS))),
  ]);
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
  if (!graceful) await exited;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Removes run folders left by runs that crashed (their process no longer exists); concurrent runs keep theirs. */
function pruneStaleRunDirs(): void {
  if (!existsSync(testDir)) return;
  for (const name of readdirSync(testDir)) {
    const match = /^run-(\d+)-/.exec(name);
    if (!match || Number(match[1]) === process.pid || isAlive(Number(match[1]))) continue;
    rmSync(join(testDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
