/**
 * package.json cannot import a module, so its setting defaults are the one twin of the defaults in
 * src/providers that must be kept by hand: this test keeps the two the same.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLOUD_DEFAULTS, REASONING_EFFORTS } from '../../src/providers/cloud/cloudServer';
import { LOCAL_DEFAULTS } from '../../src/providers/local/localDefaults';

interface Setting {
  readonly default?: unknown;
  readonly minimum?: number;
  readonly enum?: readonly unknown[];
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Setting> } };
};

function setting(key: string): Setting {
  const found = manifest.contributes.configuration.properties[key];
  assert.ok(found, `package.json contributes ${key}`);
  return found;
}

describe('setting defaults in package.json', () => {
  it('match the cloud defaults and reasoning-effort values', () => {
    assert.equal(setting('r1Coder.cloud.baseUrl').default, CLOUD_DEFAULTS.baseUrl);
    assert.equal(setting('r1Coder.cloud.model').default, CLOUD_DEFAULTS.model);
    assert.equal(setting('r1Coder.cloud.reasoningEffort').default, CLOUD_DEFAULTS.reasoningEffort);
    assert.deepEqual(setting('r1Coder.cloud.reasoningEffort').enum, [...REASONING_EFFORTS]);
    assert.equal(setting('r1Coder.cloud.inactivityTimeoutSeconds').default, CLOUD_DEFAULTS.inactivityTimeoutSeconds);
    assert.equal(setting('r1Coder.cloud.inactivityTimeoutSeconds').minimum, CLOUD_DEFAULTS.minInactivityTimeoutSeconds);
  });

  it('match the local defaults', () => {
    assert.equal(setting('r1Coder.local.gpuLayers').default, LOCAL_DEFAULTS.gpuLayers);
    assert.equal(setting('r1Coder.local.contextSize').default, LOCAL_DEFAULTS.contextSizeCap);
    assert.equal(setting('r1Coder.local.contextSize').minimum, LOCAL_DEFAULTS.minContextSizeCap);
    assert.equal(setting('r1Coder.local.idleMinutes').default, LOCAL_DEFAULTS.idleMinutes);
  });
});
