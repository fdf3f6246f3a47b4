/**
 * Downloads a GGUF with node-llama-cpp's downloader (ipull underneath), then checks what arrived.
 *
 * What the downloader does, verified against a loopback server (test/unit/modelDownload.test.ts):
 * - It first GETs the URL without a Range header to learn the size and whether ranges are accepted,
 *   then fetches 5 MiB chunks with `Range: bytes=…` over up to 3 parallel streams, into
 *   `<fileName>.ipull`, renamed to `<fileName>` when complete.
 * - With deleteTempFileOnCancel: false it keeps the .ipull file on cancel, with its progress (the
 *   finished chunks) saved as JSON after the data; the next download of the same file resumes at the
 *   first missing chunk. Bytes of a chunk still in flight are lost and fetched again.
 * - Cancelling makes download() resolve, not reject, so abort is checked here afterwards.
 * - It retries network errors and 5xx up to 150 times, minutes in all, and cannot be cancelled while
 *   it probes the size; hence the quick probe below, which fails fast and clearly when offline.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelDownloader } from 'node-llama-cpp';
import { describeModelFile, loadNodeLlamaCpp } from './modelDiscovery';
import { formatSize } from './sizeText';

export interface DownloadRequest {
  readonly url: string;
  /** Name of the file in `dirPath`; its partial download is `<fileName>.ipull`. */
  readonly fileName: string;
  readonly dirPath: string;
  /** Expected size in bytes; a different size fails the download (see `sizeTolerance`). */
  readonly expectedSizeBytes?: number;
  /** Allowed relative difference from `expectedSizeBytes`, for approximate catalog sizes; default 0 (exact). */
  readonly sizeTolerance?: number;
  /** Lower-case hex SHA-256 the file must have. */
  readonly sha256?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborting keeps the partial file, so the same request later resumes. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** How long the size probe may take before the server counts as unreachable; default 30 s. */
  readonly probeTimeoutMs?: number;
}

export interface DownloadProgress {
  /** connecting: probing the server; downloading: bytes arrive; verifying: size, checksum, GGUF header. */
  readonly phase: 'connecting' | 'downloading' | 'verifying';
  /** Bytes on disk (in the verifying phase: bytes checked); never goes backwards. */
  readonly downloadedBytes: number;
  /** 0 when the server did not say. */
  readonly totalBytes: number;
  /** Average over the last few seconds; 0 until there is a measurement. */
  readonly bytesPerSecond: number;
  /** undefined until the speed is known. */
  readonly secondsLeft: number | undefined;
  /** Bytes kept from an earlier, cancelled download of the same file. */
  readonly resumedFromBytes: number;
}

export interface DownloadResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly resumedFromBytes: number;
  /** The complete file was already there; nothing was downloaded. */
  readonly alreadyComplete: boolean;
}

export type DownloadErrorKind = 'network' | 'http' | 'size' | 'checksum' | 'notGguf' | 'busy' | 'disk';

export class ModelDownloadError extends Error {
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelDownloadError';
  }
}

/** Destinations being downloaded right now, so two commands never write one file. */
const active = new Set<string>();

export async function downloadModel(request: DownloadRequest): Promise<DownloadResult> {
  const { signal } = request;
  signal?.throwIfAborted();
  const path = join(request.dirPath, request.fileName);
  if (active.has(path)) throw new ModelDownloadError('busy', `${request.fileName} is already being downloaded.`);
  active.add(path);
  try {
    return await download(request, path);
  } finally {
    active.delete(path);
  }
}

async function download(request: DownloadRequest, path: string): Promise<DownloadResult> {
  const { signal } = request;
  const progress = new ProgressReporter(request.onProgress);
  progress.report('connecting', 0, 0);
  try {
    await mkdir(request.dirPath, { recursive: true });
  } catch (error) {
    throw new ModelDownloadError('disk', `Cannot create ${request.dirPath} (${errorText(error)}).`);
  }

  const probed = await probe(request);
  if (probed.totalBytes > 0) await checkExpectedSize(request, probed.totalBytes, path, 'offers');

  const lib = await loadNodeLlamaCpp();
  signal?.throwIfAborted();
  const existingBytes = await fileSize(path);
  let downloader: ModelDownloader;
  try {
    downloader = await abortable(
      lib.createModelDownloader({
        modelUri: request.url,
        dirPath: request.dirPath,
        fileName: request.fileName,
        headers: { ...request.headers },
        showCliProgress: false,
        // Keep the partial file (and its progress record) so the next attempt resumes.
        deleteTempFileOnCancel: false,
        skipExisting: true,
        onProgress: ({ downloadedSize, totalSize }) => progress.report('downloading', downloadedSize, totalSize),
      }),
      signal,
    );
  } catch (error) {
    throw toDownloadError(error, request);
  }

  const totalBytes = downloader.totalSize;
  if (totalBytes > 0) await checkExpectedSize(request, totalBytes, path, 'offers');
  const alreadyComplete = existingBytes !== undefined && existingBytes === totalBytes;
  const resumedFromBytes = alreadyComplete ? 0 : downloader.downloadedSize;
  progress.start(resumedFromBytes, totalBytes);

  // Cancel ourselves rather than pass the signal: then we can wait for the partial file to be closed.
  let cancelled: Promise<void> | undefined;
  const onAbort = () => {
    cancelled = downloader.cancel({ deleteTempFile: false });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const ticker = setInterval(() => progress.tick(), 1000);
  try {
    await downloader.download();
  } catch (error) {
    if (!signal?.aborted) throw toDownloadError(error, request);
  } finally {
    clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) {
    await cancelled?.catch(() => undefined);
    throw signal.reason;
  }

  await verify(request, path, totalBytes, progress);
  const sizeBytes = (await fileSize(path)) ?? 0;
  return { path, sizeBytes, resumedFromBytes, alreadyComplete };
}

/**
 * One ranged GET for the first byte: says whether the server is there, whether the file exists, and
 * its size (Content-Range), in seconds rather than after ipull's minutes of retries.
 */
async function probe(request: DownloadRequest): Promise<{ totalBytes: number }> {
  const controller = new AbortController();
  const timeoutMs = request.probeTimeoutMs ?? 30_000;
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)),
    timeoutMs,
  );
  const onAbort = () => controller.abort(request.signal?.reason);
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(request.url, {
      headers: { ...request.headers, range: 'bytes=0-0', 'accept-encoding': 'identity' },
      redirect: 'follow',
      signal: controller.signal,
    });
    // Only the headers matter; a server that ignores Range would otherwise send the whole file.
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw httpError(response.status, request.url);
    const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    const length = Number(response.headers.get('content-length'));
    return { totalBytes: range ? Number(range[1]) : response.status === 200 && Number.isFinite(length) ? length : 0 };
  } catch (error) {
    request.signal?.throwIfAborted();
    if (error instanceof ModelDownloadError) throw error;
    const reason = controller.signal.aborted ? errorText(controller.signal.reason) : causeText(error);
    throw new ModelDownloadError(
      'network',
      `Could not reach ${hostOf(request.url)} (${reason}). Check your connection, then try again; the download resumes where it stopped.`,
    );
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

async function checkExpectedSize(
  request: DownloadRequest,
  actual: number,
  path: string,
  verb: 'offers' | 'sent',
): Promise<void> {
  const expected = request.expectedSizeBytes;
  if (expected === undefined) return;
  const tolerance = request.sizeTolerance ?? 0;
  if (Math.abs(actual - expected) <= expected * tolerance) return;
  // A partial file of another size belongs to a different file; resuming into it would corrupt both.
  await removeDownload(path);
  const want = tolerance > 0 ? `about ${formatSize(expected)}` : `${expected.toLocaleString('en-US')} bytes`;
  const got = tolerance > 0 ? formatSize(actual) : `${actual.toLocaleString('en-US')} bytes`;
  throw new ModelDownloadError(
    'size',
    `${hostOf(request.url)} ${verb} ${got} for ${request.fileName}, but the model should be ${want}. The file was not kept; the download link may be out of date.`,
  );
}

async function verify(
  request: DownloadRequest,
  path: string,
  totalBytes: number,
  progress: ProgressReporter,
): Promise<void> {
  const size = await fileSize(path);
  if (size === undefined) throw new ModelDownloadError('disk', `The download finished but ${path} is missing.`);
  progress.report('verifying', 0, size);
  if (totalBytes > 0 && size !== totalBytes) {
    await removeDownload(path);
    throw new ModelDownloadError(
      'size',
      `${request.fileName} is ${size.toLocaleString('en-US')} bytes, but ${hostOf(request.url)} announced ${totalBytes.toLocaleString('en-US')}. The file was deleted; download it again.`,
    );
  }
  await checkExpectedSize(request, size, path, 'sent');
  if (request.sha256) {
    const actual = await sha256File(path, (hashed) => progress.report('verifying', hashed, size), request.signal);
    if (actual !== request.sha256.toLowerCase()) {
      await removeDownload(path);
      throw new ModelDownloadError(
        'checksum',
        `${request.fileName} from ${hostOf(request.url)} is not the published file: its SHA-256 is ${actual}, not ${request.sha256.toLowerCase()} (damaged on the way, or changed on the server). The file was deleted; download it again, and if it fails the same way the download link is out of date.`,
      );
    }
  }
  const description = await describeModelFile(path);
  if (!description.ok) {
    await removeDownload(path);
    throw new ModelDownloadError(
      'notGguf',
      `${hostOf(request.url)} sent a file that is not a usable GGUF model (${description.problem}). The file was deleted; check the download link.`,
    );
  }
  progress.report('verifying', size, size);
}

export async function sha256File(
  path: string,
  onProgress?: (hashedBytes: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  let hashed = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22, signal })) {
    hash.update(chunk as Buffer);
    hashed += (chunk as Buffer).length;
    onProgress?.(hashed);
  }
  return hash.digest('hex');
}

/** Deletes a download and its partial file. */
export async function removeDownload(path: string): Promise<void> {
  await Promise.all([rm(path, { force: true }), rm(`${path}.ipull`, { force: true })]);
}

/** Bytes kept by an earlier, cancelled download (0 when there is none): "resume" or "start". */
export async function partialDownloadBytes(path: string): Promise<number> {
  return (await fileSize(`${path}.ipull`)) ?? 0;
}

/**
 * Turns the downloader's byte counts into progress events with speed and time left. Speed is
 * measured over a sliding window, so a stall shows within seconds and an early burst does not linger.
 */
export class ProgressReporter {
  private readonly samples: { time: number; bytes: number }[] = [];
  private downloaded = 0;
  private total = 0;
  private resumedFrom = 0;

  constructor(
    private readonly listener: ((progress: DownloadProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 5000,
  ) {}

  /** The transfer begins, `resumedFromBytes` already on disk. */
  start(resumedFromBytes: number, totalBytes: number): void {
    this.resumedFrom = resumedFromBytes;
    this.downloaded = resumedFromBytes;
    this.total = totalBytes;
    this.samples.length = 0;
    this.samples.push({ time: this.now(), bytes: resumedFromBytes });
    this.report('downloading', resumedFromBytes, totalBytes);
  }

  /** Re-reports the current count, so the speed falls while no bytes arrive (ipull is silent then). */
  tick(): void {
    if (this.samples.length) this.report('downloading', this.downloaded, this.total);
  }

  report(phase: DownloadProgress['phase'], bytes: number, totalBytes: number): void {
    if (!this.listener) return;
    if (phase !== 'downloading') {
      this.listener({
        phase,
        downloadedBytes: bytes,
        totalBytes,
        bytesPerSecond: 0,
        secondsLeft: undefined,
        resumedFromBytes: this.resumedFrom,
      });
      return;
    }
    this.total = totalBytes;
    // A chunk that fails and is fetched again would make the count dip and climb: hold the line.
    this.downloaded = Math.max(this.downloaded, Math.min(bytes, totalBytes || bytes));
    const time = this.now();
    // ipull reports every 64 KB; one sample per 100 ms keeps the window short.
    const last = this.samples.at(-1);
    if (!last || time - last.time >= 100) this.samples.push({ time, bytes: this.downloaded });
    while (this.samples.length > 2 && time - this.samples[1]!.time >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = (time - first.time) / 1000;
    const bytesPerSecond = elapsed >= 0.2 ? (this.downloaded - first.bytes) / elapsed : 0;
    const remaining = Math.max(0, totalBytes - this.downloaded);
    let secondsLeft: number | undefined;
    if (totalBytes > 0 && remaining === 0) secondsLeft = 0;
    else if (totalBytes > 0 && bytesPerSecond > 0) secondsLeft = remaining / bytesPerSecond;
    this.listener({
      phase,
      downloadedBytes: this.downloaded,
      totalBytes,
      bytesPerSecond,
      secondsLeft,
      resumedFromBytes: this.resumedFrom,
    });
  }
}

/** "1.2 GB of 4.7 GB · 12.3 MB/s · 5 min left" */
export function formatDownloadProgress(progress: DownloadProgress): string {
  if (progress.phase === 'connecting') return 'Connecting…';
  if (progress.phase === 'verifying') {
    return progress.totalBytes > 0
      ? `Verifying… ${Math.floor((progress.downloadedBytes / progress.totalBytes) * 100)}%`
      : 'Verifying…';
  }
  const parts = [
    progress.totalBytes > 0
      ? `${formatSize(progress.downloadedBytes)} of ${formatSize(progress.totalBytes)}`
      : formatSize(progress.downloadedBytes),
  ];
  if (progress.bytesPerSecond > 0) parts.push(`${formatSize(progress.bytesPerSecond)}/s`);
  if (progress.secondsLeft !== undefined && progress.totalBytes > progress.downloadedBytes)
    parts.push(`${formatDuration(progress.secondsLeft)} left`);
  return parts.join(' · ');
}

/** 42 → "42 s", 300 → "5 min", 5400 → "1 h 30 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

function toDownloadError(error: unknown, request: DownloadRequest): Error {
  if (error instanceof ModelDownloadError) return error;
  if (request.signal?.aborted)
    return request.signal.reason instanceof Error ? request.signal.reason : new Error(String(request.signal.reason));
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') return httpError(status, request.url);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new ModelDownloadError(
      'disk',
      `The disk is full: ${request.fileName} needs more space in ${request.dirPath}.`,
    );
  if (code && /^E[A-Z]+$/.test(code) && !/^E(CONN|NOTFOUND|AI_|TIMEDOUT|HOSTUNREACH|NETUNREACH)/.test(code)) {
    return new ModelDownloadError('disk', `Cannot write ${request.fileName} in ${request.dirPath} (${code}).`);
  }
  return new ModelDownloadError(
    'network',
    `Downloading ${request.fileName} from ${hostOf(request.url)} failed (${causeText(error)}). Try again; the download resumes where it stopped.`,
  );
}

function httpError(status: number, url: string): ModelDownloadError {
  const host = hostOf(url);
  const why =
    status === 404
      ? 'the file is not there (404); the download link may be out of date'
      : status === 401 || status === 403
        ? `access was refused (${status}); the model may need a Hugging Face login`
        : status === 429
          ? 'too many requests (429); wait a few minutes and try again'
          : `HTTP ${status}`;
  return new ModelDownloadError('http', `${host} could not send the model: ${why}.`, status);
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  // After an abort nobody awaits the promise; its later failure must not be an unhandled rejection.
  promise.catch(() => undefined);
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** fetch() says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function causeText(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return errorText(cause ?? error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
