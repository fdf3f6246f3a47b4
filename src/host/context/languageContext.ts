/**
 * Language-server context for Explain/Fix, the host half: asks the language server for the
 * document's symbols and the definitions of the selection's identifiers, and hands the answers to
 * the pure planner (src/core/languageContext.ts). Every request races one deadline, so a slow or
 * missing language server costs at most LANGUAGE_CONTEXT_TIMEOUT_MS; with no answer at all the
 * prompt keeps its few lines of context around the selection.
 */

import * as vscode from 'vscode';
import { excludedReason } from '../../core/context/screen';
import { estimateTokens } from '../../core/context/tokens';
import {
  definitionSymbol,
  enclosingSymbol,
  LANGUAGE_CONTEXT_TIMEOUT_MS,
  nestSymbols,
  planDefinitions,
  selectionIdentifiers,
  type DefinitionCandidate,
  type PromptLanguageContext,
  type SymbolSpan,
} from '../../core/languageContext';
import { contextExcludeMatcher, workspacePath } from './readFile';

/** Most definition locations followed per identifier (overloads, declaration merging). */
const LOCATIONS_PER_IDENTIFIER = 2;

export async function gatherLanguageContext(
  document: vscode.TextDocument,
  range: vscode.Range,
  timeoutMs: number = LANGUAGE_CONTEXT_TIMEOUT_MS,
): Promise<PromptLanguageContext | undefined> {
  const deadline = Date.now() + timeoutMs;
  const symbolsOf = symbolCache(deadline);
  const lastLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  const ownSymbols = symbolsOf(document.uri);
  const identifiers = selectionIdentifiers(document.getText(range));
  const startOffset = document.offsetAt(range.start);
  const exclude = contextExcludeMatcher();
  const candidateLists = await Promise.all(
    identifiers.map(async (identifier, identifierIndex) => {
      const position = document.positionAt(startOffset + identifier.offset);
      const answer = await beforeDeadline(
        vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>(
          'vscode.executeDefinitionProvider',
          document.uri,
          position,
        ),
        deadline,
      );
      const locations = (answer ?? []).slice(0, LOCATIONS_PER_IDENTIFIER).map(targetOf);
      const candidates: DefinitionCandidate[] = [];
      for (const location of locations) {
        const candidate = await candidateAt(location, identifier.name, identifierIndex, symbolsOf, deadline);
        if (candidate && !excludedReason(candidate.path, exclude)) candidates.push(candidate);
      }
      return candidates;
    }),
  );
  const symbols = (await ownSymbols) ?? [];
  const enclosing = enclosingSymbol(symbols, range.start.line, lastLine);
  const { definitions } = planDefinitions(
    candidateLists.flat(),
    {
      path: workspacePath(document.uri),
      selectionFirst: range.start.line,
      selectionLast: lastLine,
      ...(enclosing ? { shown: enclosing } : {}),
    },
    estimateTokens,
  );
  if (!enclosing && definitions.length === 0) return undefined;
  return { ...(enclosing ? { enclosing } : {}), definitions };
}

interface Target {
  readonly uri: vscode.Uri;
  readonly line: number;
  /** The provider's own span of the declaration, when it gave one (LocationLink.targetRange). */
  readonly span?: vscode.Range;
}

function targetOf(location: vscode.Location | vscode.LocationLink): Target {
  if ('targetUri' in location)
    return {
      uri: location.targetUri,
      line: (location.targetSelectionRange ?? location.targetRange).start.line,
      span: location.targetRange,
    };
  return { uri: location.uri, line: location.range.start.line };
}

async function candidateAt(
  target: Target,
  identifier: string,
  identifierIndex: number,
  symbolsOf: (uri: vscode.Uri) => Promise<SymbolSpan[] | undefined>,
  deadline: number,
): Promise<DefinitionCandidate | undefined> {
  const inWorkspace = vscode.workspace.getWorkspaceFolder(target.uri) !== undefined;
  const path = workspacePath(target.uri);
  // Libraries and files outside the workspace are never read.
  if (!inWorkspace || /(^|\/)node_modules\//.test(path)) return undefined;
  const document = await beforeDeadline(Promise.resolve(vscode.workspace.openTextDocument(target.uri)), deadline);
  if (!document) return undefined;
  const symbol = definitionSymbol((await symbolsOf(target.uri)) ?? [], target.line);
  const firstLine = symbol?.firstLine ?? target.span?.start.line ?? target.line;
  const lastLine = symbol?.lastLine ?? target.span?.end.line ?? target.line;
  const lines: string[] = [];
  for (let line = firstLine; line <= Math.min(lastLine, document.lineCount - 1); line++)
    lines.push(document.lineAt(line).text);
  return {
    identifierIndex,
    name: symbol?.name ?? identifier,
    kind: symbol?.kind ?? 'symbol',
    path,
    languageId: document.languageId,
    inWorkspace,
    firstLine,
    lastLine: firstLine + lines.length - 1,
    lines,
  };
}

/** Each document's symbols, asked once (and only before the deadline). */
function symbolCache(deadline: number): (uri: vscode.Uri) => Promise<SymbolSpan[] | undefined> {
  const cache = new Map<string, Promise<SymbolSpan[] | undefined>>();
  return (uri) => {
    const key = uri.toString();
    let symbols = cache.get(key);
    if (!symbols) {
      symbols = beforeDeadline(
        vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
          'vscode.executeDocumentSymbolProvider',
          uri,
        ),
        deadline,
      ).then((answer) => (answer ? toSpans(answer) : undefined));
      cache.set(key, symbols);
    }
    return symbols;
  };
}

function toSpans(symbols: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[]): SymbolSpan[] {
  const tree = (symbol: vscode.DocumentSymbol): SymbolSpan => ({
    name: symbol.name,
    kind: kindName(symbol.kind),
    firstLine: symbol.range.start.line,
    lastLine: symbol.range.end.line,
    nameLine: symbol.selectionRange.start.line,
    children: symbol.children.map(tree),
  });
  if (symbols.every((symbol): symbol is vscode.DocumentSymbol => 'children' in symbol)) return symbols.map(tree);
  return nestSymbols(
    symbols
      .filter((symbol): symbol is vscode.SymbolInformation => 'location' in symbol)
      .map((symbol) => ({
        name: symbol.name,
        kind: kindName(symbol.kind),
        firstLine: symbol.location.range.start.line,
        lastLine: symbol.location.range.end.line,
        nameLine: symbol.location.range.start.line,
      })),
  );
}

function kindName(kind: vscode.SymbolKind): string {
  return (vscode.SymbolKind[kind] ?? 'symbol').toLowerCase();
}

/** The promise's value, or undefined when it rejects or the deadline passes first. */
async function beforeDeadline<T>(promise: Thenable<T>, deadline: number): Promise<T | undefined> {
  const left = deadline - Date.now();
  if (left <= 0) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), left);
  });
  try {
    return await Promise.race([Promise.resolve(promise).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
