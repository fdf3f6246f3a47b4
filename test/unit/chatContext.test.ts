import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSession } from '../../src/core/chatSession';
import type { StreamChunk } from '../../src/core/chunks';
import { buildQuestion } from '../../src/core/context/buildQuestion';
import { DEFAULT_CONTEXT_EXCLUDE, localContextBudget, localQuestionBudget } from '../../src/core/context/defaults';
import {
  ACTIVE_FILE_ID,
  ACTIVE_SELECTION_ID,
  PendingAttachments,
  type ActiveEditorContext,
} from '../../src/core/context/pendingAttachments';
import { chipText, summarizeContext, type AttachmentSummary } from '../../src/core/context/summary';
import { buildContextMessage } from '../../src/core/context/buildContext';
import { contentHash, estimateTokens } from '../../src/core/context/tokens';
import type { ContextBuildResult, ContextItem } from '../../src/core/context/types';
import { exportMarkdown } from '../../src/core/conversationHistory';
import type { ChatProvider, ContextRequest } from '../../src/core/provider';
import { fromSavedTurn, parseSavedHistory, toSavedTurn } from '../../src/core/savedConversations';
import type { Turn } from '../../src/core/turn';
import { parseWebviewMessage } from '../../src/shared/protocol';
import { toTurnWire } from '../../src/shared/sessionWire';

function lines(count: number): string {
  return `${Array.from({ length: count }, (_, i) => `const v${i + 1} = ${i + 1};`).join('\n')}\n`;
}

function active(path: string, text: string, selection?: string): ActiveEditorContext {
  const file: ContextItem = { kind: 'activeFile', path, languageId: 'javascript', text, origin: 'activeEditor' };
  return {
    path,
    file,
    ...(selection && {
      selection: {
        kind: 'selection',
        path,
        languageId: 'javascript',
        text: selection,
        firstLine: 2,
        origin: 'activeEditor',
      },
    }),
  };
}

function fileItem(path: string, text: string): ContextItem {
  return { kind: 'file', path, languageId: 'typescript', text, origin: 'picker' };
}

function pending() {
  return new PendingAttachments(() => DEFAULT_CONTEXT_EXCLUDE);
}

describe('chip labels', () => {
  it('names the file, the lines shown and the estimated tokens', () => {
    const text = chipText({ kind: 'activeFile', path: 'src/sum.js', tokens: 510, shown: 'lines 1–40', trimmed: false });
    assert.equal(text.label, 'sum.js · lines 1–40 · ~510 tokens');
    assert.equal(text.tone, 'normal');
    assert.match(text.detail, /src\/sum\.js/);
  });

  it('says a chip was trimmed and what was cut', () => {
    const text = chipText({
      kind: 'file',
      path: 'logs/big.log',
      tokens: 12_345,
      shown: 'lines 1–60 and 9,941–10,000',
      trimmed: true,
      leftOut: 'lines 61–9,940 left out',
    });
    assert.equal(text.label, 'big.log · lines 1–60 and 9,941–10,000 · ~12,345 tokens · trimmed');
    assert.equal(text.tone, 'trimmed');
    assert.match(text.detail, /lines 61–9,940 left out to fit the context budget/);
  });

  it('shows a refusal with its reason, and a file not resent', () => {
    const refused = chipText({
      kind: 'file',
      path: '.env',
      tokens: 0,
      shown: '',
      trimmed: false,
      refused: 'matches x',
    });
    assert.equal(refused.label, '.env · not sent');
    assert.equal(refused.tone, 'refused');
    assert.match(refused.detail, /\.env is not sent: it matches x/);
    const repeated = chipText({
      kind: 'file',
      path: 'a.ts',
      tokens: 20,
      shown: 'not repeated',
      trimmed: false,
      repeated: 'earlierTurn',
    });
    assert.equal(repeated.label, 'a.ts · unchanged, not resent');
    assert.equal(repeated.tone, 'repeated');
  });

  it('names items that are no file by what they are', () => {
    assert.match(chipText({ kind: 'problems', tokens: 9, shown: 'all 3 lines', trimmed: false }).label, /^Problems · /);
    assert.match(
      chipText({ kind: 'selection', path: 'src/a.ts', tokens: 9, shown: 'lines 3–4', trimmed: false }).label,
      /^a\.ts selection · lines 3–4/,
    );
  });
});

describe('PendingAttachments', () => {
  it('puts the active file and its selection first, then what was added', () => {
    const set = pending();
    set.setActive(active('src/sum.js', lines(40), 'const v3 = 3;'));
    set.add({ items: [fileItem('src/b.ts', 'export const b = 1;\n')], refused: [] });
    const chips = set.preview(10_000);
    assert.deepEqual(
      chips.map((chip) => chip.id),
      [ACTIVE_FILE_ID, ACTIVE_SELECTION_ID, 'a1'],
    );
    const label = chipText(chips[0]!.summary).label;
    assert.match(label, /^sum\.js · lines 1–40 · ~\d+ tokens$/);
    assert.deepEqual(
      set.forQuestion().items.map((item) => item.kind),
      ['activeFile', 'selection', 'file'],
    );
  });

  it('refuses an excluded path even when attached explicitly', () => {
    const set = pending();
    set.add({ items: [fileItem('config/.env', 'API_KEY=secret')], refused: [] });
    const { items, refused } = set.forQuestion();
    assert.equal(items.length, 0);
    assert.equal(refused[0]?.path, 'config/.env');
    assert.match(refused[0]?.reason ?? '', /r1Coder\.context\.exclude/);
    const [chip] = set.preview(10_000);
    assert.equal(chip && chipText(chip.summary).tone, 'refused');
  });

  it('a removed active file stays removed for this question and this file only', () => {
    const set = pending();
    set.setActive(active('a.js', 'a\n'));
    assert.equal(set.remove(ACTIVE_FILE_ID), true);
    set.setActive(active('a.js', 'a changed\n'));
    assert.equal(set.forQuestion().items.length, 0, 'same file, edited: still removed');
    set.setActive(active('b.js', 'b\n'));
    assert.equal(set.forQuestion().items[0]?.path, 'b.js', 'another file comes back');
    set.remove(ACTIVE_FILE_ID);
    set.sent();
    assert.equal(set.forQuestion().items[0]?.path, 'b.js', 'the next question has it again');
  });

  it('drops what was added once the question is sent, and removes single chips', () => {
    const set = pending();
    set.add({ items: [fileItem('x.ts', 'x'), fileItem('y.ts', 'y')], refused: [] });
    assert.equal(set.remove('a1'), true);
    assert.equal(set.remove('nope'), false);
    assert.deepEqual(
      set.forQuestion().items.map((item) => item.path),
      ['y.ts'],
    );
    set.sent();
    assert.equal(set.forQuestion().items.length, 0);
  });

  it('previews a trim when the budget is small, and a file an earlier turn carried as not resent', () => {
    const set = pending();
    const text = lines(2000);
    set.setActive(active('big.js', text));
    const [trimmed] = set.preview(500);
    assert.equal(trimmed?.summary.trimmed, true);
    assert.match(chipText(trimmed!.summary).label, /trimmed$/);
    const [repeated] = set.preview(1_000_000, [{ path: 'big.js', hash: contentHash(text) }]);
    assert.equal(repeated?.summary.repeated, 'earlierTurn');
  });
});

describe('local budget', () => {
  it('is the window share for the prompt less the earlier turns, never below 0', () => {
    assert.equal(localQuestionBudget(8192, 0), localContextBudget(8192));
    assert.equal(localQuestionBudget(8192, 1000), localContextBudget(8192) - 1000);
    assert.equal(localQuestionBudget(4096, 10_000), 0);
  });
});

describe('buildQuestion', () => {
  const request: ContextRequest = { question: 'Why?', items: [fileItem('a.ts', lines(3000))], history: [] };
  const base: ChatProvider = {
    label: 'x',
    // eslint-disable-next-line @typescript-eslint/require-await
    async *stream(): AsyncIterable<StreamChunk> {
      yield { type: 'finish', reason: 'stop' };
    },
  };

  it("uses the provider's budget with the estimate when it builds nothing itself", async () => {
    const { result } = await buildQuestion({ ...base, contextBudget: () => 1000 }, request);
    assert.ok(result.tokens <= 1000, String(result.tokens));
    assert.equal(result.items[0]?.trimmed, true);
  });

  it("uses the provider's own build, and falls back to the estimate when it fails", async () => {
    const own: ContextBuildResult = buildContextMessage({
      ...request,
      budgetTokens: 200,
      countTokens: (text) => text.length,
    });
    const built = await buildQuestion({ ...base, buildContext: () => Promise.resolve(own) }, request);
    assert.equal(built.result, own);
    const failed = await buildQuestion({ ...base, buildContext: () => Promise.reject(new Error('no model')) }, request);
    assert.match(failed.fallback ?? '', /no model/);
    assert.match(failed.result.message, /### Question\nWhy\?$/);
  });
});

describe('what a turn carried', () => {
  const items = [
    { kind: 'activeFile', path: 'src/sum.js', languageId: 'javascript', text: lines(40), origin: 'activeEditor' },
  ] as const satisfies readonly ContextItem[];
  const result = buildContextMessage({
    question: 'Why?',
    items,
    budgetTokens: 100_000,
    countTokens: estimateTokens,
    refused: [{ path: '.env', reason: 'matches "**/.env*"' }],
  });
  const attachments = summarizeContext(items, result);
  const turn: Turn = {
    id: 't1',
    question: result.message,
    reasoning: '',
    answer: 'Because.',
    status: 'done',
    modelLabel: 'M',
    startedAt: 1,
    request: { carried: result.carried },
    context: { typed: 'Why?', attachments },
  };

  it('summarizes sent items then refusals', () => {
    assert.deepEqual(
      attachments.map((summary: AttachmentSummary) => [summary.kind, summary.path, summary.refused !== undefined]),
      [
        ['activeFile', 'src/sum.js', false],
        ['file', '.env', true],
      ],
    );
  });

  it('goes on the wire and is saved and read back', () => {
    assert.equal(toTurnWire(turn).context?.typed, 'Why?');
    assert.equal(toTurnWire(turn).context?.attachments.length, 2);
    const saved = toSavedTurn(turn);
    const parsed = parseSavedHistory({
      version: 1,
      conversations: [{ id: 'c', title: 't', updatedAt: 1, turns: [saved] }],
    });
    assert.equal(parsed.kind, 'loaded');
    const back = parsed.kind === 'loaded' ? parsed.conversations[0]?.turns[0] : undefined;
    assert.deepEqual(back && fromSavedTurn(back), turn);
  });

  it('reads turns saved before attachments (no context) and drops malformed attachments', () => {
    const old = { id: 't', question: 'q', reasoning: '', answer: 'a', status: 'done', modelLabel: 'M', startedAt: 1 };
    const withBad = {
      ...old,
      id: 'u',
      context: { typed: 'q', attachments: [{ kind: 'nope' }, { kind: 'file', tokens: -1, shown: '', trimmed: false }] },
    };
    const noTyped = { ...old, id: 'v', context: { attachments: [] } };
    const parsed = parseSavedHistory({
      version: 1,
      conversations: [{ id: 'c', title: 't', updatedAt: 1, turns: [old, withBad, noTyped] }],
    });
    assert.equal(parsed.kind, 'loaded');
    const turns = parsed.kind === 'loaded' ? (parsed.conversations[0]?.turns ?? []) : [];
    assert.equal(turns.length, 3);
    assert.equal(turns[0]?.context, undefined);
    assert.deepEqual(turns[1]?.context, { typed: 'q', attachments: [] });
    assert.equal(turns[2]?.context, undefined);
  });

  it('is listed in the export, with the typed question instead of the whole message', () => {
    const markdown = exportMarkdown({ title: 'Why?', turns: [turn] });
    assert.match(markdown, /## Question\n\nWhy\?\n\n\*\*Attached:\*\*/);
    assert.match(markdown, /- `src\/sum\.js`: lines 1–40, ~\d+ tokens/);
    assert.match(markdown, /- `\.env`: not sent \(it matches "\*\*\/\.env\*"\)/);
    assert.doesNotMatch(markdown, /### Question/, 'the message sent is not exported, only what the user typed');
  });
});

describe('ChatSession with attachments', () => {
  const answering: ChatProvider = {
    label: 'x',
    // eslint-disable-next-line @typescript-eslint/require-await
    async *stream(): AsyncIterable<StreamChunk> {
      yield { type: 'answer', text: 'ok' };
      yield { type: 'finish', reason: 'stop' };
    },
  };

  it('keeps a request that only carried files, and lists them for the next question while sent as history', async () => {
    const chat = new ChatSession({ onEvent: () => undefined });
    const carried = [{ path: 'a.ts', hash: 'h' }];
    const turn = await chat.ask('message', answering, undefined, { carried }, { typed: 'q', attachments: [] });
    assert.deepEqual(turn.request?.carried, carried);
    assert.equal(turn.context?.typed, 'q');
    const next = chat.nextHistory();
    assert.deepEqual(next.earlier, carried);
    assert.deepEqual(
      next.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
  });

  it('does not list files of a turn the history drops (no answer)', async () => {
    const chat = new ChatSession({ onEvent: () => undefined });
    const silent: ChatProvider = {
      label: 'x',
      // eslint-disable-next-line @typescript-eslint/require-await
      async *stream(): AsyncIterable<StreamChunk> {
        yield { type: 'finish', reason: 'stop' };
      },
    };
    await chat.ask('message', silent, undefined, { carried: [{ path: 'a.ts', hash: 'h' }] });
    assert.deepEqual(chat.nextHistory().earlier, []);
  });
});

describe('panel messages for attachments', () => {
  it('accepts removeAttachment with an id and pickAttachment, refuses malformed ones', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'removeAttachment', id: 'a1' }), {
      type: 'removeAttachment',
      id: 'a1',
    });
    assert.equal(parseWebviewMessage({ type: 'removeAttachment' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'removeAttachment', id: 3 }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'pickAttachment' }), { type: 'pickAttachment' });
  });
});
