// Platform-specific VSIX files. node-llama-cpp's optional binaries are ~700 MB across every
// platform and GPU backend, so each VSIX gets node-llama-cpp's runtime files plus only the
// @node-llama-cpp binary packages of its target: CPU and Vulkan (x64 Linux/Windows), Metal (Apple
// silicon), CPU elsewhere. CUDA is left out (~500 MB) unless `--cuda` asks for it.
//
//   npm run package                                  → r1-coder-<version>.vsix for this machine
//   npm run package -- --target linux-x64 --target linux-arm64
//                                                    → r1-coder-<target>-<version>.vsix each
//   npm run package -- --verify                      → also load node-llama-cpp from the VSIX
//   npm run package -- --out <file.vsix>             → one target's VSIX written there (tests)
//
// Every VSIX is assembled in out/package/<target>/ (git-ignored) so the working tree's
// node_modules is never touched; binaries for other platforms come from the npm registry
// (`npm pack`, cached in out/package/.registry/).
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { patchNodeLlamaCpp } from './patch-node-llama-cpp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stagingRoot = join(root, 'out', 'package');
const registryCache = join(stagingRoot, '.registry');

/**
 * vsce target → @node-llama-cpp packages that ship in it. node-llama-cpp tries CUDA, then Vulkan,
 * then CPU (`gpu: "auto"`) and skips a backend whose package is absent, so the Vulkan package
 * alone is not enough: the CPU one is the fallback on machines without a Vulkan driver.
 */
export const targetBinaries = {
  'linux-x64': ['linux-x64', 'linux-x64-vulkan'],
  'linux-arm64': ['linux-arm64'],
  'linux-armhf': ['linux-armv7l'],
  'win32-x64': ['win-x64', 'win-x64-vulkan'],
  'win32-arm64': ['win-arm64'],
  'darwin-arm64': ['mac-arm64-metal'],
  'darwin-x64': ['mac-x64'],
};

/**
 * Added by `--cuda`: the CUDA 13 build and (-ext) a CUDA 12 fallback. Both link the NVIDIA driver
 * and the CUDA runtime (libcudart, cuBLAS), which the user must have installed; Vulkan needs only
 * the GPU driver, which is why it is the GPU backend that ships.
 */
export const cudaBinaries = {
  'linux-x64': ['linux-x64-cuda', 'linux-x64-cuda-ext'],
  'win32-x64': ['win-x64-cuda', 'win-x64-cuda-ext'],
};

/** os/cpu/libc of a target, to pick platform-specific optional dependencies. */
export function targetPlatform(target) {
  const [os, arch] = target.split('-');
  return { os, cpu: arch === 'armhf' ? 'arm' : arch, libc: os === 'linux' ? 'glibc' : undefined };
}

/** The vsce target of the machine running this script. */
export function hostTarget() {
  const arch = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[process.arch] ?? process.arch;
  const glibc = process.report?.getReport().header.glibcVersionRuntime;
  if (process.platform === 'linux' && !glibc) return `alpine-${arch}`;
  return `${process.platform}-${arch}`;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result;
}

/** npm itself, also on Windows and when run through `npm run`. */
function npm(args, options = {}) {
  const npmCli = process.env.npm_execpath;
  const [command, prefix] =
    npmCli && /\.[cm]?js$/.test(npmCli)
      ? [process.execPath, [npmCli]]
      : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  return spawnSync(command, [...prefix, ...args], {
    encoding: 'utf8',
    shell: command.endsWith('.cmd'),
    ...options,
  });
}

function matchesList(list, value) {
  if (!list || list.length === 0 || value === undefined) return true;
  const allowed = list.filter((item) => !item.startsWith('!'));
  if (list.includes(`!${value}`)) return false;
  return allowed.length === 0 || allowed.includes(value);
}

function matchesPlatform(pkg, platform) {
  return matchesList(pkg.os, platform.os) && matchesList(pkg.cpu, platform.cpu) && matchesList(pkg.libc, platform.libc);
}

/** Node's lookup: the nearest node_modules/<name> from `fromDir` upwards, inside the repo. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * node-llama-cpp and its production dependencies as installed (their layout kept, so each
 * package resolves the same copy it does in the working tree). Platform-specific optional
 * packages are kept only when they match the target; the @node-llama-cpp binaries are chosen apart.
 */
export function runtimeClosure(platform) {
  const found = new Map();
  const visit = (dir) => {
    if (found.has(dir)) return;
    const pkg = readJson(join(dir, 'package.json'));
    found.set(dir, pkg);
    const optionalPeers = pkg.peerDependenciesMeta ?? {};
    const edges = [
      ...Object.keys(pkg.dependencies ?? {}).map((name) => [name, false]),
      ...Object.keys(pkg.optionalDependencies ?? {}).map((name) => [name, true]),
      ...Object.keys(pkg.peerDependencies ?? {}).map((name) => [name, !!optionalPeers[name]?.optional]),
    ];
    for (const [name, optional] of edges) {
      if (name.startsWith('@node-llama-cpp/')) continue;
      const depDir = resolvePackageDir(name, dir);
      if (!depDir) {
        if (optional) continue;
        throw new Error(`${pkg.name} needs ${name}, which is not installed: run npm install`);
      }
      // Optional peers (node-llama-cpp's typescript) are the host's business, not ours.
      if (optional && pkg.peerDependencies?.[name] && !pkg.dependencies?.[name]) continue;
      if (optional && !matchesPlatform(readJson(join(depDir, 'package.json')), platform)) continue;
      visit(depDir);
    }
  };
  visit(join(root, 'node_modules', 'node-llama-cpp'));
  return [...found.keys()];
}

// Not needed at runtime: sourcemaps, type declarations, docs (licenses stay).
function isRuntimeFile(name) {
  if (/\.(map|tsbuildinfo)$/i.test(name) || /\.d\.[cm]?ts$/i.test(name)) return false;
  if (/\.(md|markdown)$/i.test(name)) return /^(licen[cs]e|notice|copying)/i.test(name);
  return true;
}

/** Copies a tree; `keep(relativePath, isDirectory)` decides. Nested node_modules never follow. */
function copyTree(from, to, keep = () => true, base = from) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const rel = relative(base, source).split(sep).join('/');
    const isDir = statSync(source).isDirectory();
    if (isDir && entry.name === 'node_modules') continue;
    if (!keep(rel, isDir)) continue;
    if (isDir) copyTree(source, join(to, entry.name), keep, base);
    else {
      if (!isRuntimeFile(entry.name)) continue;
      mkdirSync(to, { recursive: true });
      copyFileSync(source, join(to, entry.name));
    }
  }
}

/**
 * What node-llama-cpp reads at runtime when it loads a prebuilt binary (`build: "never"`): its
 * dist/, package.json (version check against the binary package), and from llama/ the release
 * file it reads on import and the grammars. The llama.cpp source bundle (34 MB), CMake files,
 * addon sources and project templates only serve building from source and `init`.
 */
const nodeLlamaCppKeep = (rel, isDir) => {
  if (isDir) return rel === 'dist' || rel.startsWith('dist/') || rel === 'llama' || rel === 'llama/grammars';
  if (rel.startsWith('dist/') || rel.startsWith('llama/grammars/')) return true;
  return [
    'package.json',
    'LICENSE',
    'llama/binariesGithubRelease.json',
    'llama/llama.cpp.info.json',
    'llama/package.json',
  ].includes(rel);
};

/** The directory of `@node-llama-cpp/<name>@<version>`: installed (this machine) or from the registry. */
function binaryPackageDir(name, version, { preferInstalled }) {
  const installed = join(root, 'node_modules', '@node-llama-cpp', name);
  if (
    preferInstalled &&
    existsSync(join(installed, 'package.json')) &&
    readJson(join(installed, 'package.json')).version === version
  ) {
    return installed;
  }
  const extracted = join(registryCache, `${name}-${version}`, 'package');
  if (existsSync(join(extracted, 'package.json'))) return extracted;

  const spec = `@node-llama-cpp/${name}@${version}`;
  console.log(`fetching ${spec} from the npm registry`);
  mkdirSync(registryCache, { recursive: true });
  const packed = npm(['pack', spec, '--pack-destination', registryCache, '--json', '--loglevel=error'], {
    cwd: registryCache,
  });
  if (packed.status !== 0) {
    const latest = npm(['view', `@node-llama-cpp/${name}`, 'version', '--loglevel=error']).stdout?.trim();
    throw new Error(
      `${spec} is not on the npm registry this machine uses` +
        (latest ? ` (its newest version there is ${latest})` : '') +
        `. node-llama-cpp only loads binaries of exactly its own version (${version}); ` +
        `this target needs a node-llama-cpp release whose binaries are published.\n${packed.stderr}`,
    );
  }
  const [{ filename }] = JSON.parse(packed.stdout);
  const tarball = join(registryCache, filename.replace(/^@/, '').replace(/\//, '-'));
  const into = join(registryCache, `${name}-${version}`);
  mkdirSync(into, { recursive: true });
  const untar = run('tar', ['-xzf', tarball, '-C', into]);
  if (untar.status !== 0) throw new Error(`could not extract ${tarball}`);
  rmSync(tarball);
  return extracted;
}

/** Entries of a zip's central directory (VSIXes are plain zips, well under zip64 sizes). */
export function zipEntries(buffer) {
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip file');
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = buffer.readUInt16LE(at + 28);
    entries.push({
      name: buffer.toString('utf8', at + 46, at + 46 + nameLength),
      method: buffer.readUInt16LE(at + 10),
      compressedSize: buffer.readUInt32LE(at + 20),
      size: buffer.readUInt32LE(at + 24),
      offset: buffer.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
  }
  return entries;
}

function extractZip(file, into) {
  const buffer = readFileSync(file);
  for (const entry of zipEntries(buffer)) {
    if (entry.name.endsWith('/')) continue;
    const data = entry.offset + 30 + buffer.readUInt16LE(entry.offset + 26) + buffer.readUInt16LE(entry.offset + 28);
    const raw = buffer.subarray(data, data + entry.compressedSize);
    const target = join(into, ...entry.name.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.method === 8 ? inflateRawSync(raw) : raw);
  }
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Stages one target and runs vsce there. */
function packageTarget(target, { outFile, cuda, version, llamaVersion }) {
  const platform = targetPlatform(target);
  const staging = join(stagingRoot, target);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  // The extension's own files: exactly what the repo's .vscodeignore lets through.
  for (const file of projectFiles) {
    mkdirSync(dirname(join(staging, file)), { recursive: true });
    copyFileSync(join(root, file), join(staging, file));
  }
  // The shipped manifest: no build scripts (vsce would run vscode:prepublish here), no devDependencies.
  const { scripts: _scripts, devDependencies: _devDependencies, ...manifest } = readJson(join(root, 'package.json'));
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(staging, '.vscodeignore'),
    '# Generated by scripts/package.mjs: this folder holds exactly what ships.\n',
  );

  const modules = join(root, 'node_modules');
  for (const dir of runtimeClosure(platform)) {
    const into = join(staging, 'node_modules', relative(modules, dir));
    if (relative(modules, dir) === 'node-llama-cpp') {
      copyTree(dir, into, nodeLlamaCppKeep);
      // The VSIX ships node_modules' copy: it must carry the postinstall patch (throws otherwise).
      console.log(patchNodeLlamaCpp(into, { check: true }));
    } else copyTree(dir, into);
  }
  const binaries = [...targetBinaries[target], ...(cuda ? (cudaBinaries[target] ?? []) : [])];
  for (const name of binaries) {
    const dir = binaryPackageDir(name, llamaVersion, { preferInstalled: target === hostTarget() });
    // Windows import libraries (.lib) are for linking against the addon, not for loading it.
    copyTree(
      dir,
      join(staging, 'node_modules', '@node-llama-cpp', name),
      (rel, isDir) => isDir || !/\.lib$/i.test(rel),
    );
  }

  // vsce lists node_modules with `npm list --production` and packs what it finds (no --no-dependencies:
  // that drops node_modules altogether). Relative README links stay as they are (no public repo yet).
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const packed = run(
    process.execPath,
    [vsce, 'package', '--target', target, '--out', outFile, '--no-rewrite-relative-links'],
    {
      cwd: staging,
    },
  );
  if (packed.status !== 0) throw new Error(`vsce package failed for ${target}`);

  const entries = zipEntries(readFileSync(outFile));
  return {
    target,
    file: relative(root, outFile),
    binaries,
    files: entries.length,
    size: statSync(outFile).size,
    unpacked: entries.reduce((sum, entry) => sum + entry.size, 0),
    version,
  };
}

/** Loads node-llama-cpp from an unpacked extension, the way dist/localWorker.js would. */
function probe(extensionDir, { gpu, modelPath }) {
  const script = join(extensionDir, 'dist', '_packageProbe.mjs');
  writeFileSync(
    script,
    `const resolved = import.meta.resolve('node-llama-cpp');
const { getLlama, LlamaChatSession, LlamaLogLevel } = await import('node-llama-cpp');
const llama = await getLlama({ gpu: ${JSON.stringify(gpu)}, build: 'never', logLevel: LlamaLogLevel.error });
const result = { resolved, gpu: llama.gpu, buildType: llama.buildType, llamaCppRelease: llama.llamaCppRelease.release };
const modelPath = ${JSON.stringify(modelPath ?? null)};
if (modelPath) {
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 512 });
  const session = new LlamaChatSession({ contextSequence: context.getSequence() });
  result.answer = await session.prompt('Hi', { maxTokens: 128, temperature: 0 });
  await context.dispose();
  await model.dispose();
}
await llama.dispose();
console.log(JSON.stringify(result));
`,
  );
  const result = spawnSync(process.execPath, [script], {
    cwd: extensionDir,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: '' },
  });
  rmSync(script);
  if (result.status !== 0)
    throw new Error(`node-llama-cpp did not load from ${extensionDir}:\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

function verify(outcome, { modelPath }) {
  const temp = mkdtempSync(join(tmpdir(), 'r1-coder-vsix-'));
  try {
    extractZip(join(root, outcome.file), temp);
    const extension = join(temp, 'extension');
    const llamaDir = join(extension, 'node_modules', 'node-llama-cpp');
    for (const absent of ['llama/gitRelease.bundle', 'llama/addon', 'templates']) {
      if (existsSync(join(llamaDir, absent))) throw new Error(`${outcome.file} still ships node-llama-cpp/${absent}`);
    }
    console.log(`verify: ${patchNodeLlamaCpp(llamaDir, { check: true })}`);
    const shipped = readdirSync(join(extension, 'node_modules', '@node-llama-cpp')).sort();
    if (shipped.join() !== [...outcome.binaries].sort().join())
      throw new Error(`${outcome.file} ships ${shipped.join(', ')}`);
    console.log(`verify: binaries in the VSIX: ${shipped.join(', ')}`);

    const cpu = probe(extension, { gpu: false, modelPath });
    if (!cpu.resolved.startsWith(pathToFileURL(extension).href))
      throw new Error(`node-llama-cpp resolved outside the VSIX: ${cpu.resolved}`);
    console.log(`verify: getLlama({gpu:false}) from the unpacked VSIX → ${JSON.stringify(cpu)}`);
    const auto = probe(extension, { gpu: 'auto' });
    console.log(`verify: getLlama({gpu:"auto"}) → gpu ${JSON.stringify(auto.gpu)}`);

    // Install into code-server (npm test sets it up) the way a user installs a VSIX.
    const envFile = join(root, '.vscode-test', 'env.json');
    if (existsSync(envFile)) {
      const env = readJson(envFile);
      const extensionsDir = join(temp, 'code-server-extensions');
      const dataArgs = ['--extensions-dir', extensionsDir, '--user-data-dir', join(temp, 'code-server-data')];
      const install = spawnSync(
        env.node,
        [env.codeServerEntry, ...dataArgs, '--install-extension', join(root, outcome.file)],
        {
          encoding: 'utf8',
          env: { ...process.env, HOME: temp, XDG_DATA_HOME: join(temp, 'xdg') },
        },
      );
      if (install.status !== 0)
        throw new Error(`code-server could not install ${outcome.file}:\n${install.stdout}${install.stderr}`);
      const listed = spawnSync(env.node, [env.codeServerEntry, ...dataArgs, '--list-extensions', '--show-versions'], {
        encoding: 'utf8',
        env: { ...process.env, HOME: temp, XDG_DATA_HOME: join(temp, 'xdg') },
      });
      const id = `${manifestId}@${outcome.version}`;
      if (!listed.stdout.split('\n').includes(id))
        throw new Error(`code-server does not list ${id}:\n${listed.stdout}${listed.stderr}`);
      const installedDir = readdirSync(extensionsDir).find((name) => name.startsWith(`${manifestId}-`));
      const installed = probe(join(extensionsDir, installedDir), { gpu: false });
      console.log(
        `verify: code-server ${env.codeServerVersion} lists ${id}; node-llama-cpp loads from ${installedDir} (${installed.buildType}, gpu ${installed.gpu})`,
      );
    } else {
      console.log('verify: no .vscode-test/env.json (npm test sets up code-server), install check skipped');
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

let projectFiles = [];
let manifestId = '';

async function main() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      out: { type: 'string' },
      cuda: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      'verify-model': { type: 'string' },
      'skip-build': { type: 'boolean', default: false },
      'keep-staging': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      `npm run package [-- --target <t> …] [--out <file.vsix>] [--cuda] [--verify [--verify-model <gguf>]] [--skip-build] [--keep-staging]\n` +
        `targets: ${Object.keys(targetBinaries).join(', ')} (default: this machine, ${hostTarget()})`,
    );
    return;
  }
  const host = hostTarget();
  const explicit = (values.target ?? []).flatMap((value) => value.split(',')).filter(Boolean);
  const targets = explicit.length > 0 ? [...new Set(explicit)] : [host];
  for (const target of targets) {
    if (!targetBinaries[target]) {
      throw new Error(
        `no node-llama-cpp prebuilt binaries for target "${target}" ` +
          `(supported: ${Object.keys(targetBinaries).join(', ')}; Alpine/musl has none)`,
      );
    }
  }

  // One file name for several targets would overwrite itself.
  if (values.out && targets.length > 1) throw new Error('--out names one VSIX: give at most one --target');

  const pkg = readJson(join(root, 'package.json'));
  manifestId = `${pkg.publisher}.${pkg.name}`.toLowerCase();
  const llamaVersion = readJson(join(root, 'node_modules', 'node-llama-cpp', 'package.json')).version;

  if (!values['skip-build']) {
    const built = run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root });
    if (built.status !== 0) throw new Error('production build failed');
  }
  if (!existsSync(join(root, 'dist', 'extension.js')))
    throw new Error('dist/extension.js is missing: the build did not produce it');

  const { listFiles, PackageManager } = await import(
    pathToFileURL(join(root, 'node_modules', '@vscode', 'vsce', 'out', 'api.js')).href
  );
  projectFiles = await listFiles({ cwd: root, packageManager: PackageManager.None });

  const outcomes = [];
  const failures = [];
  for (const target of targets) {
    const suffix = values.cuda && cudaBinaries[target] ? '-cuda' : '';
    const name =
      explicit.length > 0
        ? `${pkg.name}-${target}${suffix}-${pkg.version}.vsix`
        : `${pkg.name}${suffix}-${pkg.version}.vsix`;
    const outFile = values.out ? resolve(values.out) : join(root, name);
    console.log(`\n== ${target} → ${relative(root, outFile)}`);
    try {
      outcomes.push(packageTarget(target, { outFile, cuda: values.cuda, version: pkg.version, llamaVersion }));
    } catch (error) {
      console.error(`${target}: ${error.message}`);
      failures.push(target);
    }
  }

  console.log(`\nnode-llama-cpp ${llamaVersion}`);
  for (const outcome of outcomes) {
    console.log(
      `${outcome.file}: ${mib(outcome.size)} (${mib(outcome.unpacked)} unpacked, ${outcome.files} files); ` +
        `binaries: ${outcome.binaries.map((name) => `@node-llama-cpp/${name}`).join(', ')}`,
    );
  }

  if (values.verify || values['verify-model']) {
    const local = outcomes.find((outcome) => outcome.target === host);
    if (local) verify(local, { modelPath: values['verify-model'] });
    else console.log(`verify: skipped, no VSIX for this machine (${host}) was built`);
  }
  // Staging folders are ~100 MB each (650 MB with --cuda); the registry cache stays.
  if (!values['keep-staging'])
    for (const target of targets) rmSync(join(stagingRoot, target), { recursive: true, force: true });
  if (failures.length > 0) {
    console.error(`failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
