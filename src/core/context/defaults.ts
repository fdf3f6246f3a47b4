/**
 * The defaults and limits of attached context, in one place: package.json's configuration repeats
 * the two setting defaults (a unit test keeps them equal), the host reads the settings through the
 * keys below, and the command line uses the same values.
 */

/** Setting: glob patterns of files that are never attached. */
export const CONTEXT_EXCLUDE_SETTING = 'r1Coder.context.exclude';

/** Setting: the token budget of one cloud question (attachments and the question together). */
export const CLOUD_CONTEXT_TOKENS_SETTING = 'r1Coder.cloud.contextTokens';

/**
 * Files that may hold secrets. Matched case-insensitively against the workspace-relative path; a
 * pattern without `/` matches the file name at any depth (see glob.ts). Kept broad on purpose: a
 * file refused by mistake costs the user one setting change, a key sent by mistake cannot be undone.
 */
export const DEFAULT_CONTEXT_EXCLUDE: readonly string[] = [
  '**/.env*', // dotenv files (.env, .env.local, .env.production, direnv's .envrc)
  '**/*.pem', // TLS/SSH keys and certificates
  '**/*.key',
  '**/*.p12', // PKCS#12 bundles
  '**/*.pfx',
  '**/*.jks', // Java keystores
  '**/*.keystore',
  '**/*.kdbx', // KeePass databases
  '**/id_{rsa,dsa,ecdsa,ed25519}*', // SSH private keys (and their .pub twins)
  '**/.ssh/**',
  '**/.gnupg/**',
  '**/secret.*',
  '**/secrets.*',
  '**/credentials*', // ~/.aws/credentials, credentials.json (Google OAuth)
  '**/.git-credentials',
  '**/.npmrc', // registry auth tokens
  '**/.pypirc',
  '**/.netrc',
  '**/_netrc',
  '**/.htpasswd',
  '**/.docker/config.json',
  '**/*.tfstate', // Terraform state holds every secret it manages in plain text
  '**/*.tfstate.*',
  '**/service-account*.json', // Google Cloud service-account keys
];

/**
 * Cloud budget default, in tokens, for one question's user message (attachments + question).
 * DeepSeek's thinking models have a 128K-token window (R1 of January 2025: 64K); 32,000 tokens
 * (about 96 KB of code by the estimate) leaves that window room for the earlier turns, a long
 * thought (R1's can reach 32K) and the answer, and keeps one question near 2 US cents at DeepSeek's
 * cache-miss input price. Lower it for servers with small windows (Ollama's default is a few thousand).
 */
export const DEFAULT_CLOUD_CONTEXT_TOKENS = 32_000;

/**
 * Share of a local model's context window that one question's user message may take; the rest is
 * room for the thought and the answer (R1 thinks for thousands of tokens).
 */
export const LOCAL_CONTEXT_SHARE = 0.5;

/** The budget of a local question for a context window of `contextSize` tokens. */
export function localContextBudget(contextSize: number): number {
  return Math.max(0, Math.floor(contextSize * LOCAL_CONTEXT_SHARE));
}

/**
 * The budget of a local question sent after earlier turns: the window's share for the prompt less
 * what the earlier turns (and the template around the question) already take there, so the thought
 * and the answer keep their room. 0 when the history alone fills it (attachments are then cut to
 * their headers; the question still goes).
 */
export function localQuestionBudget(contextSize: number, historyTokens: number): number {
  return Math.max(0, localContextBudget(contextSize) - Math.max(0, historyTokens));
}

/**
 * Files larger than this are refused (not read at all). Anything this size is far beyond any
 * budget (10 MB is ~3 million tokens) and is trimmed to a small part anyway; above it a file is
 * almost always data, a log or a build output, and reading it would only cost time and memory.
 * Files below it (a 5 MB log, say) are read and trimmed, with the cut reported.
 */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** How much of a file is examined for NUL bytes and invalid UTF-8 to tell binary from text. */
export const BINARY_SNIFF_BYTES = 8 * 1024;
