/** Short names for the status bar; free of vscode so they are unit-tested. */

export function cloudName(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return url.hostname.endsWith('deepseek.com') ? 'DeepSeek' : url.host;
  } catch {
    return baseUrl;
  }
}

/** "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf" → "7B"; otherwise the file name without extension. */
export function shortModelName(modelPath: string): string {
  const file = modelPath.split(/[\\/]/).pop() ?? modelPath;
  const size = /(?:^|[-_.])(\d+(?:\.\d+)?[bB])(?:[-_.]|$)/.exec(file);
  return size ? size[1]!.toUpperCase() : file.replace(/\.gguf$/i, '');
}
