import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILE_LABEL_INSTRUCTION } from '../../src/core/apply/fileBlocks';
import { buildEditPrompt, requestAllowsDeletes, WHOLE_FILE_MAX_LINES } from '../../src/core/editPrompt';

const small = { path: 'src/a.ts', text: 'export const a = 1;\n', languageId: 'typescript' };
const large = {
  path: 'src/big.ts',
  text: Array.from({ length: WHOLE_FILE_MAX_LINES + 1 }, (_, index) => `export const v${index} = ${index};`).join('\n'),
  languageId: 'typescript',
};

describe('buildEditPrompt', () => {
  it('sends the working set as sections and the instructions with the request last', () => {
    const { message, items } = buildEditPrompt({ request: 'Rename a to b.', workingSet: [small], allowDeletes: false });
    assert.ok(message.endsWith('Request: Rename a to b.'), message.slice(-200));
    assert.ok(message.includes(FILE_LABEL_INSTRUCTION));
    assert.ok(message.includes('### File: src/a.ts'));
    assert.ok(message.indexOf('### File: src/a.ts') < message.indexOf(FILE_LABEL_INSTRUCTION));
    assert.match(message, /Write each changed file whole/);
    assert.match(message, /Do not delete or rename files\./);
    assert.match(message, /Do not copy the line numbers/);
    assert.deepEqual(
      items.map((item) => item.path),
      ['src/a.ts'],
    );
  });

  it('asks for regions with elisions in long files, and allows deletions when asked to', () => {
    const { message } = buildEditPrompt({ request: 'Change v1.', workingSet: [small, large], allowDeletes: true });
    assert.match(message, /For the longer file \(`src\/big\.ts`\), write only the changed parts/);
    assert.ok(message.includes('// ... existing code ...'));
    assert.match(message, /write `Delete: path\/to\/file\.ext` alone on a line/);
  });

  it('asks for regions in a file the budget trimmed, which the model has not seen whole', () => {
    const medium = {
      path: 'src/medium.ts',
      text: Array.from({ length: 100 }, (_, index) => `export const value${index} = 'some longer text ${index}';`).join(
        '\n',
      ),
    };
    const result = buildEditPrompt({ request: 'x', workingSet: [medium], allowDeletes: false, budgetTokens: 600 });
    assert.ok(result.items[0]?.trimmed, 'the file was trimmed');
    assert.match(result.message, /For the longer file \(`src\/medium\.ts`\)/);
  });
});

describe('requestAllowsDeletes', () => {
  it('allows deletions only when the request asks to delete or remove a file', () => {
    for (const request of ['Delete the old file', 'remove src/legacy.ts and update the imports', 'drop utils.js']) {
      assert.equal(requestAllowsDeletes(request), true, request);
    }
    for (const request of [
      'remove the unused helper function',
      'add a timeout option to both clients',
      'delete the stale cache entries in the loop',
    ]) {
      assert.equal(requestAllowsDeletes(request), false, request);
    }
  });
});
