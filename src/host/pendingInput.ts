import type { HostMessage } from '../shared/protocol';

export type SetInputMessage = Extract<HostMessage, { readonly type: 'setInput' }>;

/**
 * Text for the panel's input box (Ask R1 about Selection), kept until a connected panel has it. A
 * panel that was never opened connects (says `ready`) only after the command has run, so the text
 * waits for that; once delivered it is gone, so a later reconnect does not overwrite the user's draft.
 */
export class PendingInput {
  private text: string | undefined;
  private deliver: ((message: SetInputMessage) => void) | undefined;

  /** The text for the input box: delivered now when a panel is connected, else on its `ready`. */
  set(text: string): void {
    this.text = text;
    this.flush();
  }

  /** A panel connected (or reconnected): it gets the text still waiting, if any. */
  connect(deliver: (message: SetInputMessage) => void): void {
    this.deliver = deliver;
    this.flush();
  }

  disconnect(): void {
    this.deliver = undefined;
  }

  private flush(): void {
    if (this.text === undefined || !this.deliver) return;
    const message: SetInputMessage = { type: 'setInput', text: this.text };
    this.text = undefined;
    this.deliver(message);
  }
}
