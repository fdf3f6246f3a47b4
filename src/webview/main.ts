/**
 * The R1 Chat panel's entry point. It talks to the host only through src/shared/protocol.ts messages.
 * Model output is rendered by StreamingMarkdown (sanitized, no raw HTML, no network).
 */

import { ChatPanel } from './panel';
import type { VsCodeApi } from './store';

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById('app');
if (root) new ChatPanel(root, acquireVsCodeApi());
