/**
 * Errors as data: a kind the UI can act on, a message that says what to do, and the actions
 * (buttons) that help. Providers translate transport failures into these; nothing above the
 * providers sees an SDK error class.
 */

export type R1ErrorKind =
  | 'auth' // 401: wrong or missing key
  | 'balance' // 402: no credit left
  | 'badRequest' // 400
  | 'invalidParams' // 422
  | 'notFound' // 404: wrong base URL or model name
  | 'rateLimit' // 429
  | 'server' // 500
  | 'overloaded' // 503
  | 'network' // could not connect
  | 'streamCut' // connection dropped after output started
  | 'stalled' // no bytes for longer than the inactivity timeout
  | 'malformed' // the server sent something that is not the protocol
  | 'modelFile' // local: missing, truncated or not a GGUF
  | 'memory' // local: the model does not fit
  | 'workerCrashed' // local: the inference process died
  | 'contextFull' // local: the conversation leaves no room in the context for the answer
  | 'unknown';

export type R1ErrorAction =
  | { readonly kind: 'setApiKey' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'openUrl'; readonly label: string; readonly url: string }
  | { readonly kind: 'openSettings'; readonly query: string }
  | { readonly kind: 'selectLocalModel' }
  /** Starts a fresh conversation (the current one no longer fits the local model's context). */
  | { readonly kind: 'newChat' };

export interface R1Error {
  readonly kind: R1ErrorKind;
  readonly message: string;
  readonly status?: number;
  /** Whether repeating the same request may succeed (used for automatic retries). */
  readonly transient: boolean;
  /** Seconds the server asked us to wait (retry-after), if any. */
  readonly retryAfterSeconds?: number;
  readonly actions: readonly R1ErrorAction[];
}

export interface ServerInfo {
  /** Human name of the server, e.g. "DeepSeek" or "127.0.0.1:8080". */
  readonly name: string;
  /** Where to buy credit, when known. */
  readonly topUpUrl?: string;
  /** False when the request carried no API key: a 401 then means "needs a key", not "wrong key". */
  readonly keySent?: boolean;
}

const RETRY: R1ErrorAction = { kind: 'retry' };

/** Maps an HTTP error status (and the server's own message) to an actionable error. */
export function errorFromStatus(
  status: number,
  serverMessage: string | undefined,
  server: ServerInfo,
  retryAfterSeconds?: number,
): R1Error {
  const detail = serverMessage ? ` (${server.name} said: ${truncate(serverMessage, 300)})` : '';
  const base = { status, retryAfterSeconds };
  switch (status) {
    case 401:
    case 403:
      return {
        ...base,
        kind: 'auth',
        transient: false,
        message:
          server.keySent === false
            ? `${server.name} needs an API key${detail}. Set one with "R1: Set API Key" (it is kept for this server only).`
            : `${server.name} rejected the API key${detail}. Set a valid key with "R1: Set API Key".`,
        actions: [{ kind: 'setApiKey' }],
      };
    case 402:
      return {
        ...base,
        kind: 'balance',
        transient: false,
        message: `Your ${server.name} account has insufficient balance${detail}. Top up your account, then retry.`,
        actions: server.topUpUrl ? [{ kind: 'openUrl', label: 'Top up', url: server.topUpUrl }, RETRY] : [RETRY],
      };
    case 400:
      return {
        ...base,
        kind: 'badRequest',
        transient: false,
        message: `${server.name} rejected the request as malformed${detail}.`,
        actions: [RETRY],
      };
    case 404:
      return {
        ...base,
        kind: 'notFound',
        transient: false,
        message: `${server.name} answered 404${detail}. Check r1Coder.cloud.baseUrl and r1Coder.cloud.model.`,
        actions: [{ kind: 'openSettings', query: 'r1Coder.cloud' }],
      };
    case 422:
      return {
        ...base,
        kind: 'invalidParams',
        transient: false,
        message: `${server.name} rejected a request parameter${detail}. Check the model and reasoning-effort settings.`,
        actions: [{ kind: 'openSettings', query: 'r1Coder.cloud' }],
      };
    case 429:
      return {
        ...base,
        kind: 'rateLimit',
        transient: true,
        message: `${server.name} is rate-limiting requests${detail}. Wait a moment and retry.`,
        actions: [RETRY],
      };
    case 503:
      return {
        ...base,
        kind: 'overloaded',
        transient: true,
        message: `${server.name} is overloaded right now${detail}. Retry in a little while.`,
        actions: [RETRY],
      };
    default:
      if (status >= 500) {
        return {
          ...base,
          kind: 'server',
          transient: true,
          message: `${server.name} had a server error (HTTP ${status})${detail}. Retry in a little while.`,
          actions: [RETRY],
        };
      }
      return {
        ...base,
        kind: 'unknown',
        transient: false,
        message: `${server.name} answered HTTP ${status}${detail}.`,
        actions: [RETRY],
      };
  }
}

export function networkError(server: ServerInfo, cause: string): R1Error {
  return {
    kind: 'network',
    transient: true,
    message: `Could not reach ${server.name} (${truncate(cause, 200)}). Check your connection and r1Coder.cloud.baseUrl.`,
    actions: [RETRY, { kind: 'openSettings', query: 'r1Coder.cloud.baseUrl' }],
  };
}

export function streamCutError(server: ServerInfo, cause: string): R1Error {
  return {
    kind: 'streamCut',
    transient: true,
    message: `The connection to ${server.name} dropped before the answer was complete (${truncate(cause, 200)}). What arrived is kept; retry for a full answer.`,
    actions: [RETRY],
  };
}

/**
 * The server ended the answer early by its own choice, with a finish_reason that says so: the text
 * is incomplete even though the stream closed cleanly (so it must never be applied as a fix).
 */
export function stoppedByServerError(
  server: ServerInfo,
  finishReason: 'insufficient_system_resource' | 'content_filter',
): R1Error {
  return finishReason === 'insufficient_system_resource'
    ? {
        kind: 'overloaded',
        transient: true,
        message: `${server.name} stopped the answer early: it ran out of resources (finish_reason "${finishReason}"). What arrived is kept; retry for a full answer.`,
        actions: [RETRY],
      }
    : {
        kind: 'streamCut',
        transient: false,
        message: `${server.name} stopped the answer: its content filter withheld the rest (finish_reason "${finishReason}"). What arrived is kept.`,
        actions: [RETRY],
      };
}

export function stalledError(server: ServerInfo, seconds: number): R1Error {
  return {
    kind: 'stalled',
    transient: true,
    message: `${server.name} sent nothing for ${seconds} s, so the request was stopped. What arrived is kept; retry, or raise r1Coder.cloud.inactivityTimeoutSeconds.`,
    actions: [RETRY, { kind: 'openSettings', query: 'r1Coder.cloud.inactivityTimeoutSeconds' }],
  };
}

export function malformedError(server: ServerInfo, cause: string): R1Error {
  return {
    kind: 'malformed',
    transient: true,
    message: `${server.name} sent a response that is not valid OpenAI-compatible streaming JSON (${truncate(cause, 200)}). Check r1Coder.cloud.baseUrl points at an OpenAI-compatible /v1 endpoint.`,
    actions: [RETRY, { kind: 'openSettings', query: 'r1Coder.cloud.baseUrl' }],
  };
}

export function unknownError(cause: string): R1Error {
  return { kind: 'unknown', transient: false, message: truncate(cause, 500), actions: [RETRY] };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * An action read from data this code did not just make (a webview message, saved history): the
 * action, rebuilt from its known fields only, or undefined unless it is well-formed.
 */
export function parseErrorAction(raw: unknown): R1ErrorAction | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const action = raw as Record<string, unknown>;
  const kind = action.kind as R1ErrorAction['kind'];
  switch (kind) {
    case 'setApiKey':
    case 'retry':
    case 'selectLocalModel':
    case 'newChat':
      return { kind };
    case 'openUrl':
      return typeof action.url === 'string' && typeof action.label === 'string'
        ? { kind, label: action.label, url: action.url }
        : undefined;
    case 'openSettings':
      return typeof action.query === 'string' ? { kind, query: action.query } : undefined;
    default:
      // `kind` is `never` here, so a new kind does not compile until it is handled above; at run
      // time this is where unknown kinds end.
      return unknownKind(kind);
  }
}

function unknownKind(_kind: never): undefined {
  return undefined;
}
