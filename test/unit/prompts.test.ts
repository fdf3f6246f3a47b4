import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONTEXT_LINES,
  buildAskAboutSelection,
  buildExplainPrompt,
  buildFixPrompt,
  type SelectionPromptInput,
} from '../../src/core/prompts';

const lines = Array.from({ length: 30 }, (_, index) => `  const value${index} = compute(${index});`);
const documentText = `${lines.join('\n')}\n`;

function input(overrides: Partial<SelectionPromptInput> = {}): SelectionPromptInput {
  return {
    filePath: 'src/math/compute.ts',
    languageId: 'typescript',
    documentText,
    selection: { start: { line: 12, character: 0 }, end: { line: 14, character: lines[14]?.length ?? 0 } },
    diagnostics: [
      {
        message: "Type 'string' is not assignable to type 'number'.",
        severity: 'error',
        line: 13,
        source: 'ts',
        code: '2322',
      },
      { message: 'Unexpected any.', severity: 'warning', line: 12, source: 'eslint' },
    ],
    ...overrides,
  };
}

/** The fenced blocks of a prompt, as [info, body] pairs. */
function blocks(prompt: string): [string, string][] {
  return [...prompt.matchAll(/^(`{3,})(\S*)\n([\s\S]*?)\n\1$/gm)].map((match) => [match[2] ?? '', match[3] ?? '']);
}

describe('buildFixPrompt', () => {
  const prompt = buildFixPrompt(input());

  it('names the file and the language', () => {
    assert.match(prompt, /File: src\/math\/compute\.ts/);
    assert.match(prompt, /Language: TypeScript \(typescript\)/);
  });

  it('puts the selected lines, whole, in a marked block of their own', () => {
    const selected = prompt.split('>>> SELECTED CODE (lines 13–15) <<<\n')[1] ?? '';
    const [block] = blocks(selected);
    assert.deepEqual(block, ['typescript', lines.slice(12, 15).join('\n')]);
  });

  it('shows a few lines of context on each side, marked as not to be changed', () => {
    const found = blocks(prompt);
    assert.equal(found.length, 3, 'context before, selection, context after');
    assert.equal(found[0]?.[1], lines.slice(12 - CONTEXT_LINES, 12).join('\n'));
    assert.equal(found[2]?.[1], lines.slice(15, 15 + CONTEXT_LINES).join('\n'));
    assert.match(prompt, /Context before the selection \(lines 8–12; do not change it\)/);
    assert.match(prompt, /Context after the selection \(lines 16–20; do not change it\)/);
  });

  it('lists the diagnostics with 1-based lines, severity, source and code', () => {
    assert.match(prompt, /- line 13 \(warning, eslint\): Unexpected any\./);
    assert.match(prompt, /- line 14 \(error, ts 2322\): Type 'string' is not assignable to type 'number'\./);
    assert.ok(prompt.indexOf('line 13 (warning') < prompt.indexOf('line 14 (error'), 'sorted by line');
  });

  it('ends with one precise output-format instruction', () => {
    const instruction = prompt.slice(prompt.lastIndexOf('\n\n') + 2);
    assert.match(instruction, /ONE fenced code block tagged `typescript`/);
    assert.match(instruction, /exactly the selected lines/);
    assert.match(instruction, /nothing elided/);
    assert.match(instruction, /original indentation/);
  });

  it('is zero-shot: no examples, no role-play system text', () => {
    assert.doesNotMatch(prompt, /example|for instance|e\.g\.|sample answer/i);
    assert.doesNotMatch(prompt, /you are an? /i);
    assert.doesNotMatch(prompt, /<think>/);
  });

  it('says when there are no diagnostics', () => {
    assert.match(buildFixPrompt(input({ diagnostics: [] })), /Diagnostics: none reported/);
  });

  it('asks for just the selected text when the selection is part of a line', () => {
    const line = lines[7] ?? '';
    const start = line.indexOf('compute');
    const partial = buildFixPrompt(
      input({ selection: { start: { line: 7, character: start }, end: { line: 7, character: line.length - 1 } } }),
    );
    assert.match(partial, /Selection: part of line 8/);
    const selected = partial.split('>>> SELECTED TEXT (part of line 8) <<<\n')[1] ?? '';
    assert.deepEqual(blocks(selected)[0], ['typescript', 'compute(7)']);
    assert.match(
      partial,
      /The line holding the selection \(line 8; only the selected text is to be changed\):\n```typescript\n {2}const value7 = compute\(7\);\n```/,
    );
    assert.match(partial, /not the whole line/);
  });

  it('treats a selection ending at column 0 as ending on the line before', () => {
    const prompt = buildFixPrompt(
      input({ selection: { start: { line: 3, character: 0 }, end: { line: 5, character: 0 } } }),
    );
    assert.match(prompt, />>> SELECTED CODE \(lines 4–5\) <<</);
  });

  it('clips context at the start of the file and drops blank context lines', () => {
    const prompt = buildFixPrompt(
      input({
        documentText: 'first();\nsecond();\n\n',
        selection: { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } },
      }),
    );
    assert.doesNotMatch(prompt, /Context before/);
    assert.match(prompt, /Context after the selection \(line 2; do not change it\):\n```typescript\nsecond\(\);\n```/);
  });

  it('writes CRLF documents with plain newlines', () => {
    const prompt = buildFixPrompt(input({ documentText: documentText.replace(/\n/g, '\r\n') }));
    assert.doesNotMatch(prompt, /\r/);
    assert.deepEqual(blocks(prompt)[1], ['typescript', lines.slice(12, 15).join('\n')]);
  });

  it('uses a longer fence when the code holds a fence', () => {
    const prompt = buildFixPrompt(
      input({
        languageId: 'markdown',
        documentText: 'Intro\n```js\nx\n```\n',
        selection: { start: { line: 1, character: 0 }, end: { line: 3, character: 3 } },
      }),
    );
    assert.match(prompt, /````markdown\n```js\nx\n```\n````/);
  });
});

describe('buildExplainPrompt', () => {
  const prompt = buildExplainPrompt(input());

  it('carries the same file, language, selection, context and diagnostics', () => {
    assert.match(prompt, /File: src\/math\/compute\.ts/);
    assert.match(prompt, /Language: TypeScript/);
    assert.match(prompt, />>> SELECTED CODE \(lines 13–15\) <<</);
    assert.match(prompt, /Context before the selection \(lines 8–12\)/);
    assert.match(prompt, /line 14 \(error, ts 2322\)/);
  });

  it('asks for a concise explanation and any bugs, without a rewrite', () => {
    assert.match(prompt, /Explain concisely what the selected code \(lines 13–15\) does\./);
    assert.match(prompt, /bugs/);
    assert.match(prompt, /Do not rewrite the code\./);
    assert.doesNotMatch(prompt, /fenced code block/);
    assert.doesNotMatch(prompt, /example|for instance|e\.g\./i);
  });
});

describe('buildAskAboutSelection', () => {
  it('is the selection as a fenced block with its path, lines and language, ready for a question', () => {
    const text = buildAskAboutSelection(input());
    assert.equal(
      text,
      `In \`src/math/compute.ts\` (lines 13–15, TypeScript):\n\n\`\`\`typescript\n${lines.slice(12, 15).join('\n')}\n\`\`\`\n\n`,
    );
  });

  it('uses the VS Code language id mapped to a fence tag', () => {
    const text = buildAskAboutSelection(
      input({
        languageId: 'typescriptreact',
        selection: { start: { line: 2, character: 0 }, end: { line: 2, character: 5 } },
      }),
    );
    assert.match(text, /^In `src\/math\/compute\.ts` \(line 3, TypeScript React\):\n\n```tsx\n {2}con\n```\n\n$/);
  });
});
