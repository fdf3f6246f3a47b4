import type * as vscode from 'vscode';
import { walkthroughEvent } from './walkthrough';

/**
 * API keys live only in SecretStorage, one per server origin, so switching base URL between
 * DeepSeek, OpenRouter and a private vLLM never sends one server's key to another.
 */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(baseUrl: string): Thenable<string | undefined> {
    return this.secrets.get(secretKey(baseUrl));
  }

  set(baseUrl: string, key: string): Thenable<void> {
    return this.secrets.store(secretKey(baseUrl), key.trim()).then(() => walkthroughEvent('apiKeyStored'));
  }

  delete(baseUrl: string): Thenable<void> {
    return this.secrets.delete(secretKey(baseUrl));
  }
}

export function secretKey(baseUrl: string): string {
  let origin = baseUrl;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    // An unparsable URL still gets a stable slot of its own.
  }
  return `r1Coder.apiKey:${origin}`;
}
