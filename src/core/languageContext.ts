/**
 * Language-server context for Explain/Fix, the pure part: which identifiers of a selection to look
 * up, which symbol encloses the selection, which symbol a definition location stands for, and which
 * definitions to send (nearest first, within a token budget). The host asks the language server
 * (document symbols, definitions) and hands the answers here as plain data.
 */

/** A document symbol as plain data: 0-based inclusive lines. */
export interface SymbolSpan {
  readonly name: string;
  /** Lower-case kind name: `function`, `method`, `class`, `constant`, … (vscode.SymbolKind's names). */
  readonly kind: string;
  readonly firstLine: number;
  readonly lastLine: number;
  /** Line of the symbol's name. */
  readonly nameLine: number;
  readonly children: readonly SymbolSpan[];
}

/** The enclosing symbol as the prompt names it. */
export interface EnclosingSymbol {
  readonly name: string;
  readonly kind: string;
  readonly firstLine: number;
  readonly lastLine: number;
}

/** A definition sent as context (signature and body). */
export interface PromptDefinition {
  readonly name: string;
  readonly kind: string;
  /** Workspace-relative path. */
  readonly path: string;
  readonly languageId: string;
  /** 0-based lines of `text` in its file. */
  readonly firstLine: number;
  readonly lastLine: number;
  /** The symbol's lines; a long one is cut, with a marker line saying so. */
  readonly text: string;
}

export interface PromptLanguageContext {
  readonly enclosing?: EnclosingSymbol;
  readonly definitions: readonly PromptDefinition[];
}

/** Symbols whose whole text is a meaningful unit to show around a selection. */
const ENCLOSING_KINDS = new Set([
  'function',
  'method',
  'constructor',
  'class',
  'interface',
  'enum',
  'struct',
  'module',
  'namespace',
  'object',
  'operator',
]);
/** `const f = () => {…}` and class fields holding functions are variables/properties to the language server. */
const VALUE_KINDS = new Set(['variable', 'constant', 'property', 'field']);

/** Most identifiers looked up for one selection (each is one definition request). */
export const MAX_IDENTIFIERS = 30;
/** Token budget of the definitions together. */
export const DEFINITION_BUDGET_TOKENS = 3_000;
/** A definition longer than this is cut to its first lines (the signature and the start of the body). */
export const MAX_DEFINITION_LINES = 80;
/** Lines of the enclosing symbol shown on each side of the selection, at most. */
export const MAX_ENCLOSING_LINES = 60;
/** How long the language server may take, all requests together, before the command goes on without it. */
export const LANGUAGE_CONTEXT_TIMEOUT_MS = 4_000;

const KEYWORDS = new Set(
  // JavaScript/TypeScript
  (
    'abstract any as async await boolean break case catch class const constructor continue debugger declare default delete do else enum export extends false finally for from function get if implements import in infer instanceof interface is keyof let module namespace never new null number object of package private protected public readonly require return set static string super switch symbol this throw true try type typeof undefined unique unknown var void while with yield ' +
    // Python, Go, Rust, Java, C-family and others (the common ones)
    'and def del elif except global lambda nonlocal not or pass raise None True False self cls print ' +
    'chan defer fallthrough func go goto map range select struct ' +
    'crate dyn fn impl loop match mod move mut pub ref Self trait unsafe use where ' +
    'char double final float int long native short synchronized throws transient volatile ' +
    'auto extern register signed sizeof typedef union unsigned inline nullptr template typename virtual ' +
    'begin end then elsif unless until nil'
  ).split(' '),
);

/** An identifier of the selection to look up, and where it first occurs (offset in the selection text). */
export interface SelectionIdentifier {
  readonly name: string;
  readonly offset: number;
  /** Used as a call (`name(` or `name<…>(`): calls are looked up first. */
  readonly call: boolean;
}

/**
 * The identifiers of `text` worth a definition request: outside comments and string literals, not
 * keywords, each once (its first occurrence); calls first, then the rest, each in order of
 * appearance; at most `max`.
 */
export function selectionIdentifiers(text: string, max: number = MAX_IDENTIFIERS): SelectionIdentifier[] {
  const code = blankCommentsAndStrings(text);
  const seen = new Map<string, SelectionIdentifier>();
  const pattern = /[A-Za-z_$][\w$]*/g;
  for (let match = pattern.exec(code); match; match = pattern.exec(code)) {
    const name = match[0];
    const before = code[match.index - 1];
    // Part of a number (1e5, 0x1f) or a decorator/attribute name is no identifier to look up.
    if (before !== undefined && /[0-9]/.test(before)) continue;
    if (KEYWORDS.has(name) || name.length < 2 || /^[$_]+$/.test(name)) continue;
    const after = code.slice(match.index + name.length);
    const call = /^\s*(?:<[^<>()]*>\s*)?\(/.test(after);
    const known = seen.get(name);
    if (!known) seen.set(name, { name, offset: match.index, call });
    else if (call && !known.call) seen.set(name, { ...known, call: true });
  }
  const all = [...seen.values()];
  return [...all.filter((each) => each.call), ...all.filter((each) => !each.call)].slice(0, max);
}

/** Comments (`//`, `/* *\/`, `#` at a line start or after space) and quoted strings become spaces, offsets kept. */
export function blankCommentsAndStrings(text: string): string {
  return text.replace(
    /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|(?<=^|\s)#[^\n]*|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?|`(?:\\.|[^`\\])*`?/g,
    (match) => match.replace(/[^\n]/g, ' '),
  );
}

/** The innermost function/method/class-like symbol containing lines first..last, or undefined. */
export function enclosingSymbol(
  symbols: readonly SymbolSpan[],
  first: number,
  last: number,
): EnclosingSymbol | undefined {
  let found: SymbolSpan | undefined;
  let level: readonly SymbolSpan[] = symbols;
  for (;;) {
    const container = level.find((symbol) => symbol.firstLine <= first && symbol.lastLine >= last);
    if (!container) break;
    const multiLineValue = VALUE_KINDS.has(container.kind) && container.lastLine > container.firstLine;
    if (ENCLOSING_KINDS.has(container.kind) || multiLineValue) found = container;
    level = container.children;
  }
  return found && { name: found.name, kind: found.kind, firstLine: found.firstLine, lastLine: found.lastLine };
}

/**
 * The symbol a definition location (0-based line of the name) stands for: the innermost symbol
 * whose name is on that line, else the innermost symbol containing it; undefined when none does.
 */
export function definitionSymbol(symbols: readonly SymbolSpan[], line: number): SymbolSpan | undefined {
  let named: SymbolSpan | undefined;
  let containing: SymbolSpan | undefined;
  let level: readonly SymbolSpan[] = symbols;
  for (;;) {
    const container = level.find((symbol) => symbol.firstLine <= line && symbol.lastLine >= line);
    if (!container) break;
    containing = container;
    if (container.nameLine === line) named = container;
    level = container.children;
  }
  return named ?? containing;
}

/** A definition the language server pointed at, expanded to its symbol's lines. */
export interface DefinitionCandidate {
  /** Index of the identifier (in selectionIdentifiers' order) that led here: earlier = used sooner. */
  readonly identifierIndex: number;
  readonly name: string;
  readonly kind: string;
  readonly path: string;
  readonly languageId: string;
  /** The file is in the workspace (not a library, not outside every workspace folder). */
  readonly inWorkspace: boolean;
  readonly firstLine: number;
  readonly lastLine: number;
  /** The file's lines firstLine..lastLine. */
  readonly lines: readonly string[];
}

export interface DefinitionTarget {
  readonly path: string;
  readonly selectionFirst: number;
  readonly selectionLast: number;
  /** Lines of the target file already shown as context (the enclosing symbol). */
  readonly shown?: { readonly firstLine: number; readonly lastLine: number };
}

export interface PlannedDefinitions {
  readonly definitions: readonly PromptDefinition[];
  /** Left out for the budget (names), so the host can log or say so. */
  readonly overBudget: readonly string[];
}

/**
 * Which definitions to send and in what order. Left out: libraries (`node_modules`) and files
 * outside the workspace, definitions overlapping the selection (it defines them itself) or inside
 * the context already shown, and duplicates. Nearest first: the selection's own file (by distance
 * from the selection), then its folder, then the rest, each in the order the selection uses them.
 * Within `budgetTokens` (greedy: one that does not fit is skipped, smaller ones after it may still
 * go); a long definition is cut to MAX_DEFINITION_LINES.
 */
export function planDefinitions(
  candidates: readonly DefinitionCandidate[],
  target: DefinitionTarget,
  countTokens: (text: string) => number,
  budgetTokens: number = DEFINITION_BUDGET_TOKENS,
): PlannedDefinitions {
  const seen = new Set<string>();
  const usable = candidates.filter((candidate) => {
    if (!candidate.inWorkspace || /(^|\/)node_modules\//.test(candidate.path)) return false;
    if (candidate.path === target.path) {
      if (overlaps(candidate, target.selectionFirst, target.selectionLast)) return false;
      if (target.shown && candidate.firstLine >= target.shown.firstLine && candidate.lastLine <= target.shown.lastLine)
        return false;
    }
    const key = `${candidate.path}:${candidate.firstLine}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const folder = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);
  const rank = (candidate: DefinitionCandidate) =>
    candidate.path === target.path ? 0 : folder(candidate.path) === folder(target.path) ? 1 : 2;
  const distance = (candidate: DefinitionCandidate) =>
    candidate.lastLine < target.selectionFirst
      ? target.selectionFirst - candidate.lastLine
      : candidate.firstLine - target.selectionLast;
  const ordered = [...usable].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (rank(a) === 0 ? distance(a) - distance(b) : 0) ||
      a.identifierIndex - b.identifierIndex ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.firstLine - b.firstLine,
  );
  const definitions: PromptDefinition[] = [];
  const overBudget: string[] = [];
  let left = budgetTokens;
  for (const candidate of ordered) {
    const kept = candidate.lines.slice(0, MAX_DEFINITION_LINES);
    const cut = candidate.lines.length - kept.length;
    const text = cut > 0 ? `${kept.join('\n')}\n… ${cut} more lines of ${candidate.name} left out …` : kept.join('\n');
    // The section's header and fence cost a little too.
    const cost =
      countTokens(text) + countTokens(`${candidate.kind} ${candidate.name} — ${candidate.path}, lines 0000–0000:`) + 4;
    if (cost > left) {
      overBudget.push(candidate.name);
      continue;
    }
    left -= cost;
    definitions.push({
      name: candidate.name,
      kind: candidate.kind,
      path: candidate.path,
      languageId: candidate.languageId,
      firstLine: candidate.firstLine,
      lastLine: candidate.firstLine + kept.length - 1,
      text,
    });
  }
  return { definitions, overBudget };
}

function overlaps(candidate: { firstLine: number; lastLine: number }, first: number, last: number): boolean {
  return candidate.firstLine <= last && candidate.lastLine >= first;
}

/**
 * A flat symbol list (SymbolInformation: no children) nested by containment, so enclosingSymbol
 * and definitionSymbol can descend it like DocumentSymbol trees.
 */
export function nestSymbols(flat: readonly Omit<SymbolSpan, 'children'>[]): SymbolSpan[] {
  const sorted = [...flat].sort((a, b) => a.firstLine - b.firstLine || b.lastLine - a.lastLine);
  const roots: { span: Omit<SymbolSpan, 'children'>; children: SymbolSpan[] }[] = [];
  const stack: { span: Omit<SymbolSpan, 'children'>; children: SymbolSpan[] }[] = [];
  for (const span of sorted) {
    while (stack.length && (stack.at(-1)?.span.lastLine ?? -1) < span.lastLine) stack.pop();
    const node = { span, children: [] as SymbolSpan[] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node as unknown as SymbolSpan);
    else roots.push(node);
    stack.push(node);
  }
  const finish = (node: { span: Omit<SymbolSpan, 'children'>; children: SymbolSpan[] }): SymbolSpan => ({
    ...node.span,
    children: (node.children as unknown as { span: Omit<SymbolSpan, 'children'>; children: SymbolSpan[] }[]).map(
      finish,
    ),
  });
  return roots.map(finish);
}
