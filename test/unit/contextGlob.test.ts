import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlobs, expandBraces, matchesGlob } from '../../src/core/context/glob';

const cases: readonly [pattern: string, path: string, expected: boolean][] = [
  // `**` spans any number of whole segments, including none.
  ['**/.env*', '.env', true],
  ['**/.env*', 'config/.env.local', true],
  ['**/.env*', 'a/b/c/.envrc', true],
  ['**/.env*', 'src/env.ts', false],
  ['**/.env*', 'src/.environment/x.ts', false],
  ['src/**/x.ts', 'src/x.ts', true],
  ['src/**/x.ts', 'src/a/b/x.ts', true],
  ['src/**/x.ts', 'lib/src/x.ts', false],
  ['**/.ssh/**', '.ssh/config', true],
  ['**/.ssh/**', 'home/me/.ssh/keys/id', true],
  ['**/.ssh/**', '.ssh', true],
  ['**/.ssh/**', 'docs/ssh.md', false],
  ['**', 'anything/at/all', true],
  ['a/**/**/b', 'a/b', true],
  ['a/**/**/b', 'a/x/y/b', true],
  ['**/**', 'x', true],
  // `*` stays within a segment; `?` is one character.
  ['src/*.ts', 'src/a.ts', true],
  ['src/*.ts', 'src/a/b.ts', false],
  ['src/?.ts', 'src/a.ts', true],
  ['src/?.ts', 'src/ab.ts', false],
  ['src/?.ts', 'src//.ts', false],
  // A pattern without `/` matches the name at any depth (as in .gitignore).
  ['*.pem', 'server.pem', true],
  ['*.pem', 'deep/certs/server.pem', true],
  ['*.pem', 'server.pem.txt', false],
  ['secrets.*', 'config/secrets.yaml', true],
  // Braces, nested too.
  ['**/id_{rsa,ed25519}*', 'home/.ssh2/id_rsa', true],
  ['**/id_{rsa,ed25519}*', 'id_ed25519.pub', true],
  ['**/id_{rsa,ed25519}*', 'id_dsa', false],
  ['**/*.{js,ts{,x}}', 'a/b.tsx', true],
  ['**/*.{js,ts{,x}}', 'a/b.ts', true],
  ['**/*.{js,ts{,x}}', 'a/b.jsx', false],
  ['{src,lib}/main.ts', 'lib/main.ts', true],
  ['{src,lib}/main.ts', 'test/main.ts', false],
  // Classes.
  ['**/file[0-9].txt', 'x/file7.txt', true],
  ['**/file[0-9].txt', 'x/fileA.txt', false],
  ['**/file[!0-9].txt', 'x/fileA.txt', true],
  ['**/file[!0-9].txt', 'x/file7.txt', false],
  ['**/file[!0-9].txt', 'x/file/.txt', false],
  // Case is ignored (a secret on a case-insensitive file system is still a secret).
  ['**/id_rsa*', 'KEYS/ID_RSA', true],
  ['**/.env*', '.ENV', true],
  // Regex characters are literal.
  ['**/a+b(c).txt', 'x/a+b(c).txt', true],
  ['**/a+b(c).txt', 'x/aab(c).txt', false],
  ['**/a.b', 'a_b', false],
  ['**/{a}.txt', '{a}.txt', true],
  ['**/[abc', '[abc', true],
  // Windows separators and a leading ./ or / on the path.
  ['**/.env*', 'config\\.env', true],
  ['src/*.ts', './src/a.ts', true],
  ['**/.netrc', '/home/me/.netrc', true],
];

describe('glob matcher', () => {
  for (const [pattern, path, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(matchesGlob(pattern, path), expected);
    });
  }

  it('reports the first matching pattern; empty patterns match nothing', () => {
    const matcher = compileGlobs(['', '   ', '**/*.key', '**/server.*']);
    assert.equal(matcher.match('tls/server.key'), '**/*.key');
    assert.equal(matcher.match('tls/server.crt'), '**/server.*');
    assert.equal(matcher.match('README.md'), undefined);
    assert.equal(compileGlobs(['']).match(''), undefined);
  });

  it('expands braces, leaving unbalanced or single-alternative braces literal', () => {
    assert.deepEqual(expandBraces('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef']);
    assert.deepEqual(expandBraces('a{b,c'), ['a{b,c']);
    assert.deepEqual(expandBraces('{x}{1,2}'), ['{x}1', '{x}2']);
  });
});
