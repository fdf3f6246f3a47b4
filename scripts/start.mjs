// `npm start`: builds the extension and opens it, from source, on a copy of samples/workspace/.
//   - Desktop VS Code when `code` is on the PATH: `code --extensionDevelopmentPath=<repo> <workspace>`.
//   - Otherwise code-server in the browser (the one the tests use, set up by scripts/setup-test-env.mjs),
//     with the extension loaded as a development extension; prints the URL and runs until Ctrl+C.
//
//   node scripts/start.mjs [--browser] [--no-open] [--no-build]
//     --browser    code-server even when `code` is on the PATH
//     --no-open    print the URL only (do not start a browser)
//     --no-build   skip `node scripts/build.mjs` (the tests use it; dist/ must exist)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setInterval } from 'node:timers';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sampleWorkspace = join(root, 'samples', 'workspace');

const { values: flags } = parseArgs({
  options: {
    browser: { type: 'boolean', default: false },
    'no-open': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});

function say(line) {
  console.log(`[start] ${line}`);
}

function runOrExit(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

/** The `code` command on the PATH, if any (the desktop CLI; a code-server terminal's `code` lacks --extensionDevelopmentPath). */
function desktopCode() {
  if (process.env.VSCODE_IPC_HOOK_CLI && process.env.VSCODE_IPC_HOOK_CLI.includes('code-server')) return undefined;
  const names = process.platform === 'win32' ? ['code.cmd', 'code.exe'] : ['code'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return undefined;
}

/** samples/workspace/ as relative path → text, for code-server's workspace folder. */
function sampleFiles(dir = sampleWorkspace) {
  const files = {};
  for (const name of readdirSync(dir, { recursive: true }).map(String)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files[relative(dir, path)] = readFileSync(path, 'utf8');
  }
  return files;
}

/** Opens a URL in the default browser; nothing happens (the URL is printed anyway) where none is set up. */
function openInBrowser(url) {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

function startDesktop(code) {
  // A copy, so trying Fix Selection never edits the committed sample.
  const workspace = join(tmpdir(), 'r1-coder-sample-workspace');
  cpSync(sampleWorkspace, workspace, { recursive: true, force: true });
  say(`opening VS Code (${code}) with R1 Coder from ${root} on ${workspace}`);
  const result = spawnSync(code, [`--extensionDevelopmentPath=${root}`, '--new-window', workspace], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    console.error(`[start] ${code} failed (${result.error?.message ?? `exit ${result.status}`}); try --browser`);
    process.exit(1);
  }
}

async function startBrowser() {
  runOrExit(process.execPath, [join(root, 'scripts', 'setup-test-env.mjs')]);
  // The tests' own way to start code-server (test/harness/codeServer.ts): TypeScript, loaded through tsx.
  const { require: tsxRequire } = await import('tsx/cjs/api');
  const { startCodeServer } = tsxRequire('../test/harness/codeServer.ts', import.meta.url);
  say('starting code-server…');
  const server = await startCodeServer({ label: 'start', workspaceFiles: sampleFiles() });
  const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(root)]]);
  let stopping;
  const stop = (signal) => {
    stopping ??= (async () => {
      say(`${signal}: stopping code-server…`);
      await server.stop();
      say('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  say('R1 Coder is running in code-server, loaded from source, on a copy of samples/workspace/.');
  say('A fresh profile each start: settings, keys and downloaded models are not kept after Ctrl+C.');
  console.log(`\n  Open: ${url}\n`);
  say('Press Ctrl+C to stop.');
  if (!flags['no-open']) openInBrowser(url);
  // code-server runs in its own process group; this process stays until a signal stops both.
  setInterval(() => undefined, 1 << 30);
}

if (!flags['no-build']) runOrExit(process.execPath, [join(root, 'scripts', 'build.mjs')]);
const code = flags.browser ? undefined : desktopCode();
if (code) startDesktop(code);
else await startBrowser();
