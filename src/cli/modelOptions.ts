/**
 * The options that choose the model, shared by every r1-coder command that asks one (ask, fix):
 * a cloud server (--base-url, --model, --api-key-env, --reasoning-effort, --timeout) or a local
 * GGUF (--local, --threads, --gpu-layers). One parser, so the commands cannot drift apart.
 */

import type { ChatProvider } from '../core/provider';
import { CLOUD_DEFAULTS, REASONING_EFFORTS, type ReasoningEffort } from '../providers/cloud/cloudServer';
import { OpenAiCompatibleProvider } from '../providers/cloud/openAiCompatibleProvider';
import { LocalProvider } from '../providers/local/localProvider';

export const MODEL_OPTIONS = {
  'base-url': { type: 'string', default: CLOUD_DEFAULTS.baseUrl },
  model: { type: 'string', default: CLOUD_DEFAULTS.model },
  'reasoning-effort': { type: 'string', default: CLOUD_DEFAULTS.reasoningEffort },
  'api-key-env': { type: 'string', default: 'DEEPSEEK_API_KEY' },
  timeout: { type: 'string', default: String(CLOUD_DEFAULTS.inactivityTimeoutSeconds) },
  local: { type: 'string' },
  threads: { type: 'string', default: '0' },
  'gpu-layers': { type: 'string', default: 'auto' },
} as const;

export const MODEL_OPTIONS_HELP = `  --base-url URL          OpenAI-compatible server (default ${CLOUD_DEFAULTS.baseUrl})
  --model NAME            model name (default ${CLOUD_DEFAULTS.model})
  --reasoning-effort E    ${REASONING_EFFORTS.join(' | ')} (default ${CLOUD_DEFAULTS.reasoningEffort})
  --api-key-env NAME      environment variable holding the API key (default DEEPSEEK_API_KEY)
  --timeout SECONDS       inactivity timeout (default ${CLOUD_DEFAULTS.inactivityTimeoutSeconds})
  --local PATH.gguf       use a local GGUF model instead (node-llama-cpp, no server)
  --threads N             CPU threads for --local (default 0 = physical cores)
  --gpu-layers N|auto     layers --local offloads to the GPU (default auto; 0 = CPU only)`;

export interface ModelOptionValues {
  readonly 'base-url': string;
  readonly model: string;
  readonly 'reasoning-effort': string;
  readonly 'api-key-env': string;
  readonly timeout: string;
  readonly local?: string;
  readonly threads: string;
  readonly 'gpu-layers': string;
}

/** The provider the options ask for, or a usage error (without the command's name). */
export function providerFromOptions(
  values: ModelOptionValues,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): { readonly provider: ChatProvider } | { readonly usageError: string } {
  const effort = values['reasoning-effort'] as ReasoningEffort;
  if (!REASONING_EFFORTS.includes(effort))
    return { usageError: `--reasoning-effort must be one of ${REASONING_EFFORTS.join(', ')}` };
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    return { usageError: '--timeout must be a positive number of seconds' };
  if (values.local !== undefined) {
    const threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 0)
      return { usageError: '--threads must be a whole number (0 = physical cores)' };
    const gpuLayers = values['gpu-layers'] === 'auto' ? 'auto' : Number(values['gpu-layers']);
    if (gpuLayers !== 'auto' && (!Number.isInteger(gpuLayers) || gpuLayers < 0))
      return { usageError: '--gpu-layers must be auto or a whole number (0 = CPU only)' };
    // Same provider as the extension: a worker process (dist/localWorker.js beside this CLI).
    return {
      provider: new LocalProvider({
        modelPath: values.local,
        threads,
        gpuLayers,
        idleMinutes: 0,
        onLog: (line) => env.R1_CODER_DEBUG && log(`[local] ${line}\n`),
      }),
    };
  }
  return {
    provider: new OpenAiCompatibleProvider({
      baseUrl: values['base-url'],
      apiKey: env[values['api-key-env']],
      model: values.model,
      reasoningEffort: effort,
      inactivityTimeoutMs: timeoutSeconds * 1000,
    }),
  };
}
