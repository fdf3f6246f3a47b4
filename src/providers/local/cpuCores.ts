/**
 * How many threads llama.cpp should use: the physical core count. node-llama-cpp's CPU default is
 * max(4, cores); on a 2-core machine 4 threads made generation ~100× slower, because ggml's threads
 * spin-wait for each other and an oversubscribed core stalls every step.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform } from 'node:os';

export function physicalCoreCount(): number {
  const logical = Math.max(1, availableParallelism());
  const physical = detectPhysicalCores() ?? guessPhysicalCores(logical);
  return Math.max(1, Math.min(physical, logical, cgroupCpuLimit() ?? Infinity));
}

function detectPhysicalCores(): number | undefined {
  try {
    switch (platform()) {
      case 'linux':
        return linuxPhysicalCores(readFileSync('/proc/cpuinfo', 'utf8'));
      case 'darwin': {
        // Performance cores on Apple silicon: efficiency cores slow a synchronized ggml step down.
        for (const key of ['hw.perflevel0.physicalcpu', 'hw.physicalcpu']) {
          const value = Number(execFileSync('sysctl', ['-n', key], { encoding: 'utf8', timeout: 2000 }).trim());
          if (Number.isInteger(value) && value > 0) return value;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Distinct (physical id, core id) pairs; undefined when the kernel does not report them. */
export function linuxPhysicalCores(cpuinfo: string): number | undefined {
  const cores = new Set<string>();
  let physicalId = '0';
  for (const line of cpuinfo.split('\n')) {
    const [key, value] = line.split(':').map((part) => part.trim());
    if (key === 'physical id') physicalId = value ?? '0';
    else if (key === 'core id') cores.add(`${physicalId}:${value ?? ''}`);
    else if (key === 'processor') physicalId = '0';
  }
  return cores.size > 0 ? cores.size : undefined;
}

/** Without a topology source, assume two hardware threads per core on machines with 4+ threads. */
function guessPhysicalCores(logical: number): number {
  const model = cpus()[0]?.model ?? '';
  if (/apple/i.test(model)) return logical;
  return logical >= 4 ? Math.floor(logical / 2) : logical;
}

/** CPU quota of a cgroup v2 container (cpu.max "quota period"), rounded up. */
function cgroupCpuLimit(): number | undefined {
  if (platform() !== 'linux') return undefined;
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (!quota || quota === 'max' || !period) return undefined;
    const limit = Math.ceil(Number(quota) / Number(period));
    return Number.isFinite(limit) && limit > 0 ? limit : undefined;
  } catch {
    return undefined;
  }
}
