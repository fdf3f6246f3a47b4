/**
 * Model downloads through node-llama-cpp's real downloader against a loopback HTTP server that
 * serves a synthesized GGUF with Range support, and can stall, throttle or serve the wrong thing.
 */

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { catalogDownloadRequest, type CatalogModel } from '../../src/providers/local/modelCatalog';
import {
  downloadModel,
  formatDownloadProgress,
  formatDuration,
  ModelDownloadError,
  partialDownloadBytes,
  ProgressReporter,
  type DownloadProgress,
} from '../../src/providers/local/modelDownload';
import { GgmlType, GgufFileType, tensorByteSize, u32, writeGguf } from '../gguf/ggufWriter';

const MiB = 1024 * 1024;

interface ServedFile {
  body: Buffer;
  /** Stop sending (without closing) once a response has sent this many bytes. */
  stallAfterBytes?: number;
  /** Pace each response to about this rate. */
  bytesPerSecond?: number;
}

interface RequestRecord {
  readonly path: string;
  readonly range: string | undefined;
  readonly headers: IncomingMessage['headers'];
}

interface FileServer {
  baseUrl: string;
  readonly files: Map<string, ServedFile>;
  readonly requests: RequestRecord[];
  /** Body bytes sent in answer to Range requests (the downloader's real transfers). */
  rangeBytesSent: number;
  stalledResponses: number;
  close(): Promise<void>;
}

async function startFileServer(): Promise<FileServer> {
  const state: FileServer = {
    baseUrl: '',
    files: new Map<string, ServedFile>(),
    requests: [],
    rangeBytesSent: 0,
    stalledResponses: 0,
    close: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push({ path, range: req.headers.range, headers: req.headers });
    const file = state.files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const size = file.body.length;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, {
        'content-length': size,
        'accept-ranges': 'bytes',
        'content-type': 'application/octet-stream',
      });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let position = start;
    let sent = 0;
    const piece = 64 * 1024;
    const pump = (): void => {
      while (position <= end) {
        if (file.stallAfterBytes !== undefined && sent >= file.stallAfterBytes) {
          state.stalledResponses++;
          return; // hold the connection open, like a server that went quiet
        }
        const length = Math.min(piece, end + 1 - position, (file.stallAfterBytes ?? Infinity) - sent);
        const ok = res.write(file.body.subarray(position, position + length));
        position += length;
        sent += length;
        if (range) state.rangeBytesSent += length;
        if (file.bytesPerSecond) {
          setTimeout(pump, (length / file.bytesPerSecond) * 1000);
          return;
        }
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A valid GGUF (qwen2 header, one F32 tensor of random data) of about `dataBytes` bytes. */
function writeTestModel(path: string, dataBytes: number): Buffer {
  const columns = 1024;
  const rows = Math.ceil(dataBytes / (columns * 4));
  const dims = [columns, rows];
  writeGguf(path, {
    metadata: {
      'general.architecture': 'qwen2',
      'general.name': 'download test model',
      'general.file_type': u32(GgufFileType.ALL_F32),
      'qwen2.context_length': u32(4096),
      'qwen2.embedding_length': u32(columns),
      'qwen2.block_count': u32(1),
      'qwen2.attention.head_count': u32(8),
      'qwen2.attention.head_count_kv': u32(2),
    },
    tensors: [
      {
        name: 'token_embd.weight',
        dims,
        type: GgmlType.F32,
        data: () => [randomBytes(tensorByteSize(dims, GgmlType.F32))],
      },
    ],
  });
  return readFileSync(path);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function assertMonotonic(events: readonly DownloadProgress[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i]!.downloadedBytes >= events[i - 1]!.downloadedBytes,
      `event ${i} went backwards: ${events[i - 1]!.downloadedBytes} → ${events[i]!.downloadedBytes}`,
    );
  }
}

describe('downloadModel (node-llama-cpp downloader, loopback server)', () => {
  let server: FileServer;
  let model: Buffer;
  /** For checks that need a valid GGUF but not a long transfer. */
  let small: Buffer;

  before(async () => {
    server = await startFileServer();
    const dir = mkdtempSync(join(tmpdir(), 'r1-download-src-'));
    // 16 MiB of tensor data: four of the downloader's 5 MiB chunks, so a cancel can land mid-file.
    model = writeTestModel(join(dir, 'model.gguf'), 16 * MiB);
    small = writeTestModel(join(dir, 'small.gguf'), 256 * 1024);
    rmSync(dir, { recursive: true, force: true });
  });
  after(() => server.close());

  it(
    'reports monotonic progress with speed and time left, reaching the total, and verifies the file',
    { timeout: 15_000 },
    async (t) => {
      const dir = tempDir(t);
      server.files.set('/paced.gguf', { body: model, bytesPerSecond: 24 * MiB });
      const events: DownloadProgress[] = [];
      const times: number[] = [];
      const result = await downloadModel({
        url: `${server.baseUrl}/paced.gguf`,
        fileName: 'paced.gguf',
        dirPath: dir,
        expectedSizeBytes: model.length,
        sha256: sha256(model),
        onProgress: (progress) => {
          events.push(progress);
          times.push(performance.now());
        },
      });

      assert.equal(result.path, join(dir, 'paced.gguf'));
      assert.equal(result.sizeBytes, model.length);
      assert.equal(result.resumedFromBytes, 0);
      assert.equal(result.alreadyComplete, false);
      assert.equal(sha256(readFileSync(result.path)), sha256(model));
      assert.deepEqual(readdirSync(dir), ['paced.gguf'], 'no partial file is left behind');

      assert.equal(events[0]!.phase, 'connecting');
      const firstDownloading = events.findIndex((event) => event.phase === 'downloading');
      const downloading = events.filter((event) => event.phase === 'downloading');
      assert.ok(downloading.length >= 10, `expected a stream of progress events, got ${downloading.length}`);
      assertMonotonic(downloading);
      assert.equal(downloading[0]!.downloadedBytes, 0);
      assert.equal(downloading.at(-1)!.downloadedBytes, model.length);
      assert.ok(downloading.every((event) => event.totalBytes === model.length));
      // The download takes well under the 5 s window, so the speed must be bytes so far / time so far
      // (measured here with our own clock), and the time left must be what remains at that speed.
      const started = times[firstDownloading]!;
      let measured = 0;
      events.forEach((event, index) => {
        if (event.phase !== 'downloading' || event.bytesPerSecond === 0) return;
        measured++;
        const average = event.downloadedBytes / ((times[index]! - started) / 1000);
        assert.ok(
          Math.abs(event.bytesPerSecond - average) / average < 0.15,
          `speed ${event.bytesPerSecond} vs average ${average}`,
        );
        const left = (model.length - event.downloadedBytes) / event.bytesPerSecond;
        assert.ok(Math.abs(event.secondsLeft! - left) < 1e-6, `time left ${event.secondsLeft} vs ${left}`);
      });
      assert.ok(measured > 0, 'speed is measured during the download');
      assert.equal(events.at(-1)!.phase, 'verifying');
      assert.equal(events.at(-1)!.downloadedBytes, model.length);

      // The same request again finds the complete file and transfers nothing.
      const rangeRequestsBefore = server.requests.filter(
        (request) => request.range && request.range !== 'bytes=0-0',
      ).length;
      const again = await downloadModel({
        url: `${server.baseUrl}/paced.gguf`,
        fileName: 'paced.gguf',
        dirPath: dir,
        sha256: sha256(model),
      });
      assert.equal(again.alreadyComplete, true);
      assert.equal(
        server.requests.filter((request) => request.range && request.range !== 'bytes=0-0').length,
        rangeRequestsBefore,
      );
    },
  );

  it(
    'cancel keeps the partial file; the next download resumes and ends with identical bytes',
    { timeout: 15_000 },
    async (t) => {
      const dir = tempDir(t);
      // Every response goes quiet after 6 MiB, so finished 5 MiB chunks exist but the file cannot complete.
      const file: ServedFile = { body: model, stallAfterBytes: 6 * MiB };
      server.files.set('/resume.gguf', file);
      const url = `${server.baseUrl}/resume.gguf`;
      const firstEvents: DownloadProgress[] = [];
      const controller = new AbortController();
      const first = downloadModel({
        url,
        fileName: 'resume.gguf',
        dirPath: dir,
        expectedSizeBytes: model.length,
        signal: controller.signal,
        onProgress: (p) => firstEvents.push(p),
      });
      const firstResult = first.then(
        () => 'completed',
        (error: unknown) => error,
      );
      let lastBytes = -1;
      let steadySince = Date.now();
      await waitFor(() => {
        const bytes = firstEvents.at(-1)?.downloadedBytes ?? 0;
        if (bytes !== lastBytes) {
          lastBytes = bytes;
          steadySince = Date.now();
        }
        return server.stalledResponses > 0 && bytes > 5 * MiB && Date.now() - steadySince > 300;
      }, 'the download to stall part-way');
      assert.ok(lastBytes < model.length, 'the first attempt is really unfinished');
      controller.abort();
      const outcome = await firstResult;
      assert.ok(
        outcome instanceof Error && outcome.name === 'AbortError',
        `cancel rejects with the abort reason, got ${String(outcome)}`,
      );
      assert.equal(existsSync(join(dir, 'resume.gguf')), false, 'no file under the final name after a cancel');
      const kept = await partialDownloadBytes(join(dir, 'resume.gguf'));
      assert.ok(kept > 0, 'the partial file is kept');
      assertMonotonic(firstEvents.filter((event) => event.phase === 'downloading'));

      file.stallAfterBytes = undefined;
      const rangeBytesBefore = server.rangeBytesSent;
      const secondEvents: DownloadProgress[] = [];
      const result = await downloadModel({
        url,
        fileName: 'resume.gguf',
        dirPath: dir,
        expectedSizeBytes: model.length,
        onProgress: (p) => secondEvents.push(p),
      });
      const transferred = server.rangeBytesSent - rangeBytesBefore;

      assert.ok(result.resumedFromBytes >= 5 * MiB, `resumed from ${result.resumedFromBytes} bytes`);
      assert.ok(
        transferred <= model.length - result.resumedFromBytes + 1,
        `only the rest is fetched (${transferred} bytes)`,
      );
      assert.ok(transferred < model.length / 2, `resume fetched ${transferred} of ${model.length} bytes`);
      const downloading = secondEvents.filter((event) => event.phase === 'downloading');
      assertMonotonic(downloading);
      assert.equal(downloading[0]!.downloadedBytes, result.resumedFromBytes);
      assert.ok(downloading.every((event) => event.resumedFromBytes === result.resumedFromBytes));
      assert.equal(downloading.at(-1)!.downloadedBytes, model.length);
      assert.equal(sha256(readFileSync(result.path)), sha256(model), 'resumed file is byte-identical');
      assert.deepEqual(readdirSync(dir), ['resume.gguf']);
    },
  );

  it('a server offering the wrong size fails clearly and leaves no file', { timeout: 15_000 }, async (t) => {
    const dir = tempDir(t);
    server.files.set('/wrong-size.gguf', { body: Buffer.concat([small, randomBytes(4096)]) });
    await assert.rejects(
      downloadModel({
        url: `${server.baseUrl}/wrong-size.gguf`,
        fileName: 'wrong-size.gguf',
        dirPath: dir,
        expectedSizeBytes: small.length,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ModelDownloadError);
        assert.equal(error.kind, 'size');
        assert.match(error.message, new RegExp(`${(small.length + 4096).toLocaleString('en-US')} bytes`));
        assert.match(error.message, new RegExp(`${small.length.toLocaleString('en-US')} bytes`));
        assert.match(error.message, /not kept/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it(
    'an approximate catalog size tolerates small differences but not a different file',
    { timeout: 15_000 },
    async (t) => {
      const dir = tempDir(t);
      server.files.set('/approx.gguf', { body: small });
      const url = `${server.baseUrl}/approx.gguf`;
      const ok = await downloadModel({
        url,
        fileName: 'approx.gguf',
        dirPath: dir,
        expectedSizeBytes: Math.round(small.length * 1.05),
        sizeTolerance: 0.1,
      });
      assert.equal(ok.sizeBytes, small.length);
      await assert.rejects(
        downloadModel({
          url,
          fileName: 'other.gguf',
          dirPath: dir,
          expectedSizeBytes: small.length * 3,
          sizeTolerance: 0.1,
        }),
        (error: unknown) =>
          error instanceof ModelDownloadError &&
          error.kind === 'size' &&
          /offers 262\.\d KB .* about 787\.\d KB/.test(error.message),
      );
      assert.deepEqual(readdirSync(dir), ['approx.gguf']);
    },
  );

  it('a checksum mismatch deletes the downloaded file', { timeout: 15_000 }, async (t) => {
    const dir = tempDir(t);
    server.files.set('/checksum.gguf', { body: small });
    const wrong = sha256(Buffer.from('something else'));
    await assert.rejects(
      downloadModel({
        url: `${server.baseUrl}/checksum.gguf`,
        fileName: 'checksum.gguf',
        dirPath: dir,
        expectedSizeBytes: small.length,
        sha256: wrong,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ModelDownloadError);
        assert.equal(error.kind, 'checksum');
        assert.match(error.message, new RegExp(wrong));
        assert.match(error.message, new RegExp(sha256(small)));
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a payload that is not a GGUF (an HTML page) fails clearly and is deleted', { timeout: 15_000 }, async (t) => {
    const dir = tempDir(t);
    server.files.set('/login.gguf', { body: Buffer.from('<!doctype html><title>Sign in</title>\n'.repeat(200)) });
    await assert.rejects(
      downloadModel({ url: `${server.baseUrl}/login.gguf`, fileName: 'login.gguf', dirPath: dir }),
      (error: unknown) => {
        assert.ok(error instanceof ModelDownloadError);
        assert.equal(error.kind, 'notGguf');
        assert.match(error.message, /not a usable GGUF model \(not a GGUF model file\)/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a truncated GGUF (complete transfer of a cut file) is rejected as truncated', { timeout: 15_000 }, async (t) => {
    const dir = tempDir(t);
    server.files.set('/cut.gguf', { body: model.subarray(0, 3 * MiB) });
    await assert.rejects(
      downloadModel({ url: `${server.baseUrl}/cut.gguf`, fileName: 'cut.gguf', dirPath: dir }),
      (error: unknown) =>
        error instanceof ModelDownloadError && error.kind === 'notGguf' && /truncated/.test(error.message),
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it(
    'a missing file fails with the HTTP status, and an unreachable server fails fast',
    { timeout: 15_000 },
    async (t) => {
      const dir = tempDir(t);
      await assert.rejects(
        downloadModel({ url: `${server.baseUrl}/missing.gguf`, fileName: 'missing.gguf', dirPath: dir }),
        (error: unknown) =>
          error instanceof ModelDownloadError &&
          error.kind === 'http' &&
          error.status === 404 &&
          /404/.test(error.message),
      );
      // A port nothing listens on: connection refused, reported at once instead of after ipull's retries.
      const closed = await startFileServer();
      const deadUrl = `${closed.baseUrl}/model.gguf`;
      await closed.close();
      const started = Date.now();
      await assert.rejects(
        downloadModel({ url: deadUrl, fileName: 'model.gguf', dirPath: dir }),
        (error: unknown) =>
          error instanceof ModelDownloadError && error.kind === 'network' && /ECONNREFUSED/.test(error.message),
      );
      assert.ok(Date.now() - started < 5000);
      assert.deepEqual(readdirSync(dir), []);
    },
  );

  it('the downloader sends plain GETs with Range headers and no credentials to a non-Hugging Face host', () => {
    const ours = server.requests.filter((request) => request.path === '/resume.gguf');
    assert.ok(
      ours.some((request) => request.range === undefined),
      'a size probe without Range',
    );
    assert.ok(
      ours.some((request) => /^bytes=\d+-\d+$/.test(request.range ?? '') && request.range !== 'bytes=0-0'),
      'ranged chunk requests',
    );
    for (const request of ours) assert.equal(request.headers.authorization, undefined);
  });

  describe('catalog entries with a sha256', () => {
    /** A catalog entry of the test's own, served by the loopback server (no override involved). */
    const entry = (fileName: string, body: Buffer, checksum: string): CatalogModel => ({
      id: `test-${fileName}`,
      label: 'Test model',
      family: 'Qwen',
      parameters: '0B',
      parameterCount: 1,
      quantization: 'F32',
      fileName,
      url: `${server.baseUrl}/catalog/${fileName}`,
      sizeBytes: body.length,
      sha256: checksum,
      kvBytesPerToken: 0,
      note: 'test entry',
    });

    it('the right checksum passes and the file stays', { timeout: 15_000 }, async (t) => {
      const dir = tempDir(t);
      server.files.set('/catalog/right.gguf', { body: small });
      const request = catalogDownloadRequest(entry('right.gguf', small, sha256(small).toUpperCase()), {
        dirPath: dir,
        allowOverride: false,
      });
      assert.equal(request.sha256, sha256(small).toUpperCase(), 'the entry’s checksum goes into the request');
      const result = await downloadModel(request);
      assert.equal(sha256(readFileSync(result.path)), sha256(small));
      assert.deepEqual(readdirSync(dir), ['right.gguf']);
    });

    it('a wrong checksum is refused: the file is deleted and the message says what to do', async (t) => {
      const dir = tempDir(t);
      server.files.set('/catalog/wrong.gguf', { body: small });
      const published = sha256(Buffer.from('the file the catalog describes'));
      await assert.rejects(
        downloadModel(
          catalogDownloadRequest(entry('wrong.gguf', small, published), { dirPath: dir, allowOverride: false }),
        ),
        (error: unknown) => {
          assert.ok(error instanceof ModelDownloadError);
          assert.equal(error.kind, 'checksum');
          assert.equal(
            error.message,
            `wrong.gguf from ${new URL(server.baseUrl).host} is not the published file: its SHA-256 is ${sha256(small)}, not ${published} (damaged on the way, or changed on the server). The file was deleted; download it again, and if it fails the same way the download link is out of date.`,
          );
          return true;
        },
      );
      assert.deepEqual(readdirSync(dir), [], 'neither the file nor a partial download is left');
    });

    it('a damaged file already in place is checked too, and deleted', { timeout: 15_000 }, async (t) => {
      const dir = tempDir(t);
      server.files.set('/catalog/damaged.gguf', { body: small });
      const damaged = Buffer.from(small);
      damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 0xff;
      writeFileSync(join(dir, 'damaged.gguf'), damaged);
      await assert.rejects(
        downloadModel(
          catalogDownloadRequest(entry('damaged.gguf', small, sha256(small)), { dirPath: dir, allowOverride: false }),
        ),
        (error: unknown) => error instanceof ModelDownloadError && error.kind === 'checksum',
      );
      assert.deepEqual(readdirSync(dir), []);
    });
  });
});

describe('ProgressReporter', () => {
  it('measures speed over a sliding window, so a stall brings it down and the time left goes unknown', () => {
    let now = 0;
    const events: DownloadProgress[] = [];
    const reporter = new ProgressReporter(
      (progress) => events.push(progress),
      () => now,
    );
    const total = 100e6;
    reporter.start(20e6, total);
    assert.equal(events.at(-1)!.bytesPerSecond, 0, 'no speed before any time has passed');
    assert.equal(events.at(-1)!.resumedFromBytes, 20e6);
    // 10 s at 4 MB/s, reported every 250 ms.
    for (let step = 1; step <= 40; step++) {
      now = step * 250;
      reporter.report('downloading', 20e6 + step * 1e6, total);
    }
    const steady = events.at(-1)!;
    assert.equal(steady.downloadedBytes, 60e6);
    assert.ok(Math.abs(steady.bytesPerSecond - 4e6) < 1e3, `steady speed ${steady.bytesPerSecond}`);
    assert.ok(Math.abs(steady.secondsLeft! - 10) < 0.01, `40 MB left at 4 MB/s: ${steady.secondsLeft}`);
    // The server goes quiet: only ticks arrive. Within the window the speed halves, after it, 0.
    now += 2500;
    reporter.tick();
    assert.ok(
      events.at(-1)!.bytesPerSecond < 2.2e6 && events.at(-1)!.bytesPerSecond > 1.8e6,
      `half-stalled ${events.at(-1)!.bytesPerSecond}`,
    );
    now += 3000;
    reporter.tick();
    assert.equal(events.at(-1)!.bytesPerSecond, 0);
    assert.equal(events.at(-1)!.secondsLeft, undefined);
    // A retried chunk makes the downloader's count dip; the reported count never does.
    reporter.report('downloading', 55e6, total);
    assert.equal(events.at(-1)!.downloadedBytes, 60e6);
    now += 1000;
    reporter.report('downloading', total, total);
    assert.equal(events.at(-1)!.secondsLeft, 0);
  });
});

describe('progress text', () => {
  it('reads like "1.2 GB of 4.7 GB · 12.3 MB/s · 5 min left"', () => {
    const text = formatDownloadProgress({
      phase: 'downloading',
      downloadedBytes: 1.2e9,
      totalBytes: 4.7e9,
      bytesPerSecond: 12.3e6,
      secondsLeft: 300,
      resumedFromBytes: 0,
    });
    assert.equal(text, '1.2 GB of 4.7 GB · 12.3 MB/s · 5 min left');
    assert.equal(
      formatDownloadProgress({
        phase: 'downloading',
        downloadedBytes: 5e6,
        totalBytes: 0,
        bytesPerSecond: 0,
        secondsLeft: undefined,
        resumedFromBytes: 0,
      }),
      '5.0 MB',
    );
    assert.equal(formatDuration(42), '42 s');
    assert.equal(formatDuration(5400), '1 h 30 min');
    assert.equal(formatDuration(3600), '1 h');
  });
});
