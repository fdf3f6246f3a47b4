import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorFromStatus } from '../../src/core/errors';
import { parseRetryAfter, retryDelayMs, sleep } from '../../src/core/retry';

const server = { name: 'DeepSeek', topUpUrl: 'https://platform.deepseek.com/top_up' };

describe('retry policy', () => {
  it('retries 429/500/503 with backoff while nothing was shown', () => {
    for (const status of [429, 500, 503]) {
      const error = errorFromStatus(status, 'busy', server);
      assert.equal(
        retryDelayMs(error, 1, false, undefined, () => 1),
        1000,
      );
      assert.equal(
        retryDelayMs(error, 2, false, undefined, () => 1),
        2000,
      );
      assert.equal(retryDelayMs(error, 4, false), undefined, 'gives up after maxAttempts');
    }
  });

  it('never retries once output is visible, nor non-transient errors', () => {
    assert.equal(retryDelayMs(errorFromStatus(503, undefined, server), 1, true), undefined);
    for (const status of [400, 401, 402, 404, 422]) {
      assert.equal(retryDelayMs(errorFromStatus(status, undefined, server), 1, false), undefined, String(status));
    }
  });

  it('honours retry-after, and refuses to wait longer than the cap', () => {
    assert.equal(retryDelayMs(errorFromStatus(429, undefined, server, 3), 1, false), 3000);
    assert.equal(retryDelayMs(errorFromStatus(429, undefined, server, 120), 1, false), undefined);
  });

  it('parses retry-after as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it('sleep rejects as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('errorFromStatus', () => {
  it('says what to do for each status', () => {
    const auth = errorFromStatus(401, 'Authentication Fails', server);
    assert.equal(auth.kind, 'auth');
    assert.match(auth.message, /Set API Key/);
    assert.deepEqual(auth.actions, [{ kind: 'setApiKey' }]);
    const balance = errorFromStatus(402, 'Insufficient Balance', server);
    assert.equal(balance.kind, 'balance');
    assert.ok(balance.actions.some((action) => action.kind === 'openUrl' && action.url === server.topUpUrl));
    assert.equal(errorFromStatus(503, undefined, server).kind, 'overloaded');
    assert.equal(errorFromStatus(429, undefined, server).kind, 'rateLimit');
    assert.equal(errorFromStatus(502, undefined, server).kind, 'server');
    assert.equal(errorFromStatus(422, undefined, server).kind, 'invalidParams');
  });
});
