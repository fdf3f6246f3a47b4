import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudName, shortModelName } from '../../src/host/modelNames';

describe('status bar names', () => {
  it('names the cloud by server', () => {
    assert.equal(cloudName('https://api.deepseek.com'), 'DeepSeek');
    assert.equal(cloudName('http://localhost:11434/v1'), 'localhost:11434');
    assert.equal(cloudName('not a url'), 'not a url');
  });

  it('names only deepseek.com and its subdomains DeepSeek, not a host that merely ends in the same letters', () => {
    assert.equal(cloudName('https://deepseek.com/v1'), 'DeepSeek');
    assert.equal(cloudName('https://API.DeepSeek.com'), 'DeepSeek');
    assert.equal(cloudName('https://notdeepseek.com/v1'), 'notdeepseek.com');
    assert.equal(cloudName('https://api.deepseek.com.example.org'), 'api.deepseek.com.example.org');
  });

  it('names a local model by its parameter count', () => {
    assert.equal(shortModelName('/m/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf'), '7B');
    assert.equal(shortModelName('C:\\models\\DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf'), '1.5B');
    assert.equal(shortModelName('/m/custom.gguf'), 'custom');
  });
});
