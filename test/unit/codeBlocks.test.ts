import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listCodeBlocks } from '../../src/core/codeBlocks';

describe('listCodeBlocks', () => {
  it('lists fenced blocks in order with language and exact code', () => {
    const blocks = listCodeBlocks(
      'Intro\n\n```ts\nconst a = 1;\n```\n\n- item\n\n  ~~~\n  nested\n  ~~~\n\n```\nplain\n```\n',
    );
    assert.deepEqual(
      blocks.map((block) => [block.index, block.language, block.code]),
      [
        [0, 'ts', 'const a = 1;\n'],
        [1, '', 'nested\n'],
        [2, '', 'plain\n'],
      ],
    );
  });

  it('ignores indented code and inline code', () => {
    assert.deepEqual(listCodeBlocks('Use `x`.\n\n    indented\n'), []);
  });
});
