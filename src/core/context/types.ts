/**
 * What a question carries besides its text: the attachments (context items) the host or the command
 * line gathers, and what the builder reports about each. Plain data only, so the panel, the host,
 * the worker and the command line can all hold it.
 */

/** What an attachment is. */
export type ContextItemKind =
  /** The file in the active editor (sent by default). */
  | 'activeFile'
  /** A workspace file attached with `#`, the context menu or `--file`. */
  | 'file'
  /** The editor's selection. */
  | 'selection'
  /** The workspace's diagnostics, already formatted (errors first). */
  | 'problems'
  /** Uncommitted changes as a unified diff. */
  | 'changes'
  /** The active terminal's selection, or its last command and output. */
  | 'terminal'
  /** A folder's tree listing. */
  | 'folder'
  /** A symbol's definition (signature and body) found by the language server. */
  | 'definition';

/** Who attached an item: decides nothing in the builder, but is kept in what a question carried. */
export type ContextOrigin = 'activeEditor' | 'picker' | 'menu' | 'commandLine' | 'languageServer';

/** Lines of a file, 0-based and inclusive. */
export interface LineSpan {
  readonly first: number;
  readonly last: number;
}

export interface ContextItem {
  readonly kind: ContextItemKind;
  /** Workspace-relative path with `/` separators; absent for items that are no file (problems, terminal). */
  readonly path?: string;
  /** VS Code language ID (`typescript`, `python`, …); decides the fence tag and the language named. */
  readonly languageId?: string;
  /** The content (a file's whole text; an excerpt for selection and definition). */
  readonly text: string;
  /** 0-based line in the file where `text` starts (selection, definition); 0 when absent. */
  readonly firstLine?: number;
  /** Active file: the cursor or visible range (0-based file lines) kept when the file must be trimmed. */
  readonly focus?: LineSpan;
  readonly origin: ContextOrigin;
  /** A short description for the section header: `function total`, `bash: npm test`. */
  readonly label?: string;
}

/** A file a turn carried in full: follow-ups in the same conversation do not send it again while unchanged. */
export interface CarriedFile {
  readonly path: string;
  /** contentHash() of the file's text. */
  readonly hash: string;
}

/** An attachment that was not sent, and why (shown to the user as is). */
export interface ContextRefusal {
  readonly path: string;
  readonly reason: string;
}

/** What the message carries for one input item. */
export interface ContextItemReport {
  /** Index of the item in the builder's input. */
  readonly index: number;
  readonly kind: ContextItemKind;
  readonly path?: string;
  /** Tokens its section takes in the message (by the caller's counter). */
  readonly tokens: number;
  /** Part of the content was left out to fit the budget. */
  readonly trimmed: boolean;
  /** What is shown, in the file's terms: `lines 1–40`, `lines 1–120 and 361–480`, `no lines`. */
  readonly shown: string;
  /** What was left out, when trimmed: `lines 121–360 left out`. */
  readonly leftOut?: string;
  /** Not sent again: unchanged since an earlier turn carried it, or attached twice in this one. */
  readonly repeated?: 'earlierTurn' | 'thisTurn';
}

/** Counts tokens of a text: the model's own tokenizer, or estimateTokens for cloud models. */
export type TokenCounter = (text: string) => number;

export interface ContextBuildInput {
  readonly question: string;
  readonly items: readonly ContextItem[];
  /** Most tokens the whole user message (attachments and question) may take. */
  readonly budgetTokens: number;
  readonly countTokens: TokenCounter;
  /** Glob patterns never attached (r1Coder.context.exclude); DEFAULT_CONTEXT_EXCLUDE when absent. */
  readonly exclude?: readonly string[];
  /**
   * Files carried in full by earlier turns whose user messages are still sent as history (a turn
   * the history drops must not be listed: its file would then be missing).
   */
  readonly earlier?: readonly CarriedFile[];
  /** Refusals from reading the files (binary, too large), reported together with the builder's own. */
  readonly refused?: readonly ContextRefusal[];
}

export interface ContextBuildResult {
  /** The one user message: marked sections, then the question, last. */
  readonly message: string;
  /** Tokens of `message` by the caller's counter. */
  readonly tokens: number;
  /** One report per input item that was not refused, in input order. */
  readonly items: readonly ContextItemReport[];
  readonly refused: readonly ContextRefusal[];
  /** Files this turn carried in full, to record with the turn for later dedup. */
  readonly carried: readonly CarriedFile[];
  /** Even with every attachment cut to its header the message exceeds the budget (the question alone is too long). */
  readonly overBudget: boolean;
}
