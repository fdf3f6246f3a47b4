/**
 * The rules that refuse an attachment before it is read or sent: secret-looking paths
 * (r1Coder.context.exclude), files over the size limit, and binary content. Pure (paths, sizes and
 * bytes in, a reason out), so the host and the command line refuse exactly the same files with the
 * same words.
 */

import { BINARY_SNIFF_BYTES, CONTEXT_EXCLUDE_SETTING, MAX_ATTACHMENT_BYTES } from './defaults';
import type { GlobMatcher } from './glob';

/** Why `path` may never be attached, or undefined when it may. */
export function excludedReason(path: string, exclude: GlobMatcher): string | undefined {
  const pattern = exclude.match(path);
  if (pattern === undefined) return undefined;
  return `matches "${pattern}" in ${CONTEXT_EXCLUDE_SETTING} (files that may hold secrets are never sent)`;
}

/** Why a file of `bytes` bytes is too large to attach, or undefined. */
export function sizeReason(bytes: number, limit: number = MAX_ATTACHMENT_BYTES): string | undefined {
  if (bytes <= limit) return undefined;
  return `is ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit for attachments`;
}

export type DecodedFile =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/**
 * A file's bytes as text, or why they are not text: a NUL byte or invalid UTF-8 in the first
 * BINARY_SNIFF_BYTES (UTF-16 files count as binary: they are full of NULs). Invalid bytes further
 * on become U+FFFD rather than refusing a long text file for one bad byte. A UTF-8 BOM is dropped.
 */
export function decodeText(bytes: Uint8Array): DecodedFile {
  const head = bytes.subarray(0, BINARY_SNIFF_BYTES);
  if (head.includes(0)) return { ok: false, reason: 'looks binary (a NUL byte in its first 8 KB); only text is sent' };
  try {
    // stream: a multi-byte character cut by the 8 KB boundary is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length < bytes.length });
  } catch {
    return { ok: false, reason: 'is not UTF-8 text (invalid bytes in its first 8 KB); only text is sent' };
  }
  return { ok: true, text: new TextDecoder('utf-8').decode(bytes) };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${trimZero(bytes / 1024)} KB`;
  return `${trimZero(bytes / (1024 * 1024))} MB`;
}

function trimZero(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}
