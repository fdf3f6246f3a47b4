/**
 * When and how long to wait before retrying. Retries happen only while nothing has been shown:
 * once output is visible, a retry would duplicate it, so the user decides instead.
 */

import type { R1Error } from './errors';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1-based), or undefined when no retry should happen. */
export function retryDelayMs(
  error: R1Error,
  attempt: number,
  outputShown: boolean,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number | undefined {
  if (outputShown || !error.transient || attempt > policy.maxAttempts) return undefined;
  if (error.retryAfterSeconds !== undefined && Number.isFinite(error.retryAfterSeconds)) {
    const asked = Math.max(0, error.retryAfterSeconds * 1000);
    // A server asking for longer than we are willing to wait gets a clear message instead.
    return asked <= policy.maxDelayMs ? asked : undefined;
  }
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  const jitter = 0.5 + random() / 2;
  return Math.min(policy.maxDelayMs, Math.round(exponential * jitter));
}

/** Parses a retry-after header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Resolves after `ms`, or rejects early with the signal's reason. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
