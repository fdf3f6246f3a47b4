/**
 * Listing a cloud server's models: the real `openai` SDK's `models.list()` against the loopback
 * DeepSeek server. Failures are reasons for a tooltip, never throws.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { listServerModels } from '../../src/providers/cloud/modelList';
import { startDeepSeekServer, type ModelListAnswer } from '../support/deepseekServer';

const API_KEY = 'sk-test-0123456789abcdef';

async function serve(t: TestContext, models: ModelListAnswer) {
  const server = await startDeepSeekServer({ models });
  t.after(() => server.close());
  return server;
}

describe('listServerModels', () => {
  it('lists the server models, sorted, reasoning ones marked, with the key sent', async (t) => {
    const server = await serve(t, ['llama3.1:8b', 'deepseek-r1:7b', 'qwq:32b', 'deepseek-r1:7b']);
    const result = await listServerModels({ baseUrl: server.baseUrl, apiKey: API_KEY });
    assert.deepEqual(result, {
      kind: 'listed',
      models: [
        { name: 'deepseek-r1:7b', reasoning: true },
        { name: 'llama3.1:8b', reasoning: false },
        { name: 'qwq:32b', reasoning: true },
      ],
    });
    assert.equal(server.modelListRequests.length, 1);
    assert.equal(server.modelListRequests[0]?.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(server.requests.length, 0, 'listing is not a chat request');
  });

  it('works under /v1 (Ollama, llama-server) and with no key (no Authorization header)', async (t) => {
    const server = await serve(t, ['deepseek-r1:14b']);
    const result = await listServerModels({ baseUrl: `${server.baseUrl}/v1/`, apiKey: undefined });
    assert.deepEqual(result, { kind: 'listed', models: [{ name: 'deepseek-r1:14b', reasoning: true }] });
    assert.equal(server.modelListRequests[0]?.path, '/v1/models');
    assert.equal(server.modelListRequests[0]?.headers.authorization, undefined);
  });

  it('a 401 is a reason that names the key, without the key in it', async (t) => {
    const server = await serve(t, { status: 401 });
    const refused = await listServerModels({ baseUrl: server.baseUrl, apiKey: API_KEY });
    assert.equal(refused.kind, 'failed');
    assert.match(refused.kind === 'failed' ? refused.reason : '', /refused the API key \(401\)/);
    assert.doesNotMatch(JSON.stringify(refused), /sk-test/);
    const noKey = await listServerModels({ baseUrl: server.baseUrl, apiKey: '' });
    assert.match(noKey.kind === 'failed' ? noKey.reason : '', /wants an API key \(401\).*Set API Key/);
  });

  it('a server that is down or does not list models is a reason, not a throw', async (t) => {
    const server = await serve(t, { status: 404 });
    const missing = await listServerModels({ baseUrl: server.baseUrl, apiKey: API_KEY });
    assert.deepEqual(missing, { kind: 'failed', reason: 'The server does not list its models (404).' });
    const port = await freePort();
    const down = await listServerModels({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY });
    assert.deepEqual(down, { kind: 'failed', reason: 'The server could not be reached.' });
  });
});

/** A port nothing listens on (taken and released at once). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}
