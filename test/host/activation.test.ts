import * as assert from 'node:assert/strict';
import { activateExtension, getExtension, packageJson } from './extension';

suite('Activation', () => {
  test('r1-coder.r1-coder activates from its bundle', async () => {
    const extension = getExtension();
    assert.equal(packageJson().main, './dist/extension.js');
    const api = await activateExtension();
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.ask, 'function');
    assert.equal(typeof api.conversation, 'function');
  });

  test('the test API reports an idle conversation', async () => {
    const api = await activateExtension();
    const conversation = api.conversation();
    assert.equal(conversation.busy, false);
    assert.ok(Array.isArray(conversation.turns), 'turns is an array');
  });
});
