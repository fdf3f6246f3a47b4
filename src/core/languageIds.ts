/**
 * VS Code language IDs by file extension, for callers that only have a path (the command line, files
 * read from disk for the `#` picker, the multi-file planner). An open editor knows its own.
 */

const LANGUAGE_IDS: Readonly<Record<string, string>> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascriptreact',
  py: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  kt: 'kotlin',
  swift: 'swift',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  rb: 'ruby',
  php: 'php',
  sh: 'shellscript',
  bash: 'shellscript',
  json: 'json',
  jsonc: 'jsonc',
  md: 'markdown',
  html: 'html',
  css: 'css',
  scss: 'scss',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
  sql: 'sql',
  xml: 'xml',
  diff: 'diff',
  patch: 'diff',
  txt: 'plaintext',
  log: 'log',
  cxx: 'cpp',
  lua: 'lua',
  dart: 'dart',
  scala: 'scala',
};

export function languageIdForPath(path: string): string | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : LANGUAGE_IDS[extension];
}
