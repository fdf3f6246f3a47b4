// Records node-llama-cpp's per-platform binary packages in package-lock.json.
// Why: a registry mirror that lacks some platforms' packages (as this project's CI mirror does)
// makes npm leave them out of the lock, and `npm ci` then rejects the lock as out of sync.
// The entries are optional and platform-gated, so npm installs only the one matching the machine
// and never fetches the others. Run after `npm install` changes the lock:
//   node scripts/lock-platform-packages.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'linux-arm64': ['linux', 'arm64'],
  'linux-armv7l': ['linux', 'arm'],
  'linux-riscv64': ['linux', 'riscv64'],
  'linux-x64': ['linux', 'x64'],
  'linux-x64-cuda': ['linux', 'x64'],
  'linux-x64-cuda-ext': ['linux', 'x64'],
  'linux-x64-vulkan': ['linux', 'x64'],
  'mac-arm64-metal': ['darwin', 'arm64'],
  'mac-x64': ['darwin', 'x64'],
  'win-arm64': ['win32', 'arm64'],
  'win-x64': ['win32', 'x64'],
  'win-x64-cuda': ['win32', 'x64'],
  'win-x64-cuda-ext': ['win32', 'x64'],
  'win-x64-vulkan': ['win32', 'x64'],
};

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const llama = lock.packages['node_modules/node-llama-cpp'];
if (!llama) throw new Error('node-llama-cpp is not in package-lock.json');
let added = 0;
for (const [name, version] of Object.entries(llama.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const platform = PLATFORMS[name.replace('@node-llama-cpp/', '')];
  if (!platform) throw new Error(`unknown platform package ${name}: add it to PLATFORMS`);
  lock.packages[key] = { version, cpu: [platform[1]], license: 'MIT', optional: true, os: [platform[0]] };
  added++;
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform package entries added`);
