/** Short names for the status bar; free of vscode so they are unit-tested. */

import { serverInfoFor } from '../providers/cloud/cloudServer';

/** "DeepSeek" for deepseek.com and its subdomains, else the server's host: the name errors use too. */
export function cloudName(baseUrl: string): string {
  return serverInfoFor(baseUrl).name;
}

/** "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf" → "7B"; otherwise the file name without extension. */
export function shortModelName(modelPath: string): string {
  const file = modelPath.split(/[\\/]/).pop() ?? modelPath;
  const size = /(?:^|[-_.])(\d+(?:\.\d+)?[bB])(?:[-_.]|$)/.exec(file);
  return size ? size[1]!.toUpperCase() : file.replace(/\.gguf$/i, '');
}
