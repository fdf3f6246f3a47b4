/**
 * How the cloud provider's failures become R1Errors: the SDK's errors (HTTP statuses, connection
 * failures, error objects inside the stream), the finish reasons of an answer the server cut short,
 * a stream that ended early, and the short retry notices. Server texts are scrubbed of the API key.
 */

import type { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { FinishReason } from '../../core/chunks';
import {
  errorFromStatus,
  malformedError,
  networkError,
  stalledError,
  streamCutError,
  unknownError,
  type R1Error,
  type ServerInfo,
} from '../../core/errors';
import { parseRetryAfter } from '../../core/retry';

/** The SDK's error classes (the module itself loads lazily). */
export interface SdkErrorClasses {
  readonly APIError: typeof APIError;
  readonly APIConnectionError: typeof APIConnectionError;
  readonly APIConnectionTimeoutError: typeof APIConnectionTimeoutError;
}

export interface ErrorContext {
  readonly server: ServerInfo;
  readonly inactivityTimeoutMs: number;
  /** Removes the API key from a server's text. */
  readonly redact: (text: string) => string;
}

/** DeepSeek's finish reasons for an answer the server itself cut short. */
export type ServerStop = 'insufficient_system_resource' | 'content_filter';

export function toFinishReason(reason: string): FinishReason {
  return reason === 'stop' || reason === 'length' ? reason : 'other';
}

/** DeepSeek adds "insufficient_system_resource" to the SDK's list of finish reasons. */
export function serverStop(reason: string): ServerStop | undefined {
  return reason === 'insufficient_system_resource' || reason === 'content_filter' ? reason : undefined;
}

/** The server went silent for the whole inactivity timeout. */
export function stalledFor(context: ErrorContext): R1Error {
  return stalledError(context.server, seconds(context.inactivityTimeoutMs));
}

/** A stream that ended cleanly but without a finish reason or `[DONE]`. */
export function endedEarlyError(server: ServerInfo, parsedChunks: number): R1Error {
  return parsedChunks === 0
    ? malformedError(server, 'the response contained no streaming events')
    : streamCutError(server, 'the server ended the response before it finished');
}

/** Server texts are scrubbed here, before messages truncate them: a key cut in half would escape redaction. */
export function mapSdkError(
  sdk: SdkErrorClasses,
  cause: unknown,
  responseStarted: boolean,
  context: ErrorContext,
): R1Error {
  const { server, redact } = context;
  const describeScrubbed = (value: unknown) => redact(describe(value));
  if (cause instanceof sdk.APIConnectionTimeoutError) return stalledFor(context);
  if (cause instanceof sdk.APIConnectionError) return networkError(server, describeScrubbed(cause.cause ?? cause));
  if (cause instanceof sdk.APIError) {
    const raw = errorDetail(cause.error);
    const detail = raw === undefined ? undefined : redact(raw);
    if (cause.status !== undefined) {
      return errorFromStatus(cause.status, detail, server, parseRetryAfter(cause.headers?.get('retry-after')));
    }
    // An error object inside the stream (OpenRouter, vLLM do this when generation fails).
    const code = (cause.error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'number' && code >= 400 && code < 600) return errorFromStatus(code, detail, server);
    return {
      kind: 'server',
      transient: true,
      message: `${server.name} reported an error during the answer${detail ? ` (${truncate(detail, 300)})` : ''}. Retry in a little while.`,
      actions: [{ kind: 'retry' }],
    };
  }
  if (cause instanceof SyntaxError) return malformedError(server, redact(cause.message));
  if (responseStarted) return streamCutError(server, describeScrubbed(cause));
  return unknownError(`${server.name}: ${describeScrubbed(cause)}`);
}

export function invalidBaseUrlError(baseUrl: string): R1Error {
  return {
    kind: 'network',
    transient: false,
    message: `r1Coder.cloud.baseUrl is not an http(s) URL ("${truncate(baseUrl, 100)}"). Set it to e.g. https://api.deepseek.com or http://localhost:11434/v1.`,
    actions: [{ kind: 'openSettings', query: 'r1Coder.cloud.baseUrl' }],
  };
}

export function sdkLoadError(cause: unknown): R1Error {
  return unknownError(`Could not load the openai package: ${describe(cause)}`);
}

/** The API key never appears in anything we emit, even if a server echoes it back. */
export function redactKey(text: string, key: string | undefined): string {
  return key && key.length >= 4 ? text.split(key).join('[API key]') : text;
}

/** A short sentence for the retry notice ("… Retrying in 2 s"). */
export function retryReason(error: R1Error, server: ServerInfo): string {
  switch (error.kind) {
    case 'rateLimit':
      return `${server.name} is rate-limiting requests.`;
    case 'overloaded':
      return `${server.name} is overloaded.`;
    case 'server':
      return error.status
        ? `${server.name} had a server error (HTTP ${error.status}).`
        : `${server.name} reported an error.`;
    case 'network':
      return `Could not reach ${server.name}.`;
    case 'streamCut':
      return `The connection to ${server.name} dropped.`;
    case 'stalled':
      return `${server.name} went silent.`;
    case 'malformed':
      return `${server.name} sent a malformed response.`;
    default:
      return error.message;
  }
}

function errorDetail(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return typeof error === 'string' ? error : undefined;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(error);
  } catch {
    return undefined;
  }
}

/** Message of an error and its causes, e.g. "fetch failed: connect ECONNREFUSED 127.0.0.1:9". */
function describe(cause: unknown): string {
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

function seconds(ms: number): number {
  return ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
