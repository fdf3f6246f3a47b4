import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingInput, type SetInputMessage } from '../../src/host/pendingInput';

/** A panel connection that records what it was sent. */
function panel(): { readonly sent: SetInputMessage[]; readonly post: (message: SetInputMessage) => void } {
  const sent: SetInputMessage[] = [];
  return { sent, post: (message) => sent.push(message) };
}

describe('PendingInput (Ask R1 about Selection before the panel connects)', () => {
  it('keeps text set while no panel is connected and delivers it once the panel connects', () => {
    const input = new PendingInput();
    input.set('In `a.ts` (line 3): first');
    input.set('In `a.ts` (line 4): second');
    const first = panel();
    input.connect(first.post);
    assert.deepEqual(first.sent, [{ type: 'setInput', text: 'In `a.ts` (line 4): second' }], 'the latest text, once');
  });

  it('delivers at once to a connected panel, and never again on a reconnect (the draft is the user’s then)', () => {
    const input = new PendingInput();
    const view = panel();
    input.connect(view.post);
    assert.deepEqual(view.sent, [], 'nothing waits, nothing is sent');
    input.set('question');
    assert.deepEqual(view.sent, [{ type: 'setInput', text: 'question' }]);
    // The panel hidden and shown again (a new webview says ready): the delivered text is not replayed.
    const reloaded = panel();
    input.connect(reloaded.post);
    assert.deepEqual(reloaded.sent, []);
  });

  it('after a disconnect (the view disposed), text waits for the next panel', () => {
    const input = new PendingInput();
    const gone = panel();
    input.connect(gone.post);
    input.disconnect();
    input.set('later');
    assert.deepEqual(gone.sent, [], 'not sent to the disposed view');
    const next = panel();
    input.connect(next.post);
    assert.deepEqual(next.sent, [{ type: 'setInput', text: 'later' }]);
  });
});
