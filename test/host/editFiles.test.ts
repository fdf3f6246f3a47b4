import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { R1CoderTestApi } from '../../src/host/extension';
import type { FileReviewEntry, FileReviewView } from '../../src/shared/protocol';
import { REVIEW_SCHEME } from '../../src/host/commandIds';
import type { DeepSeekServer, RecordedRequest } from '../support/deepseekServer';
import {
  activateExtension,
  connectLoopbackServer,
  disconnectLoopbackServer,
  rejectProposalsAndCloseEditors,
  waitUntil,
} from './extension';

const KEY = 'sk-host-edit-0123456789';
/** Fixture files go in the opened workspace folder, so the paths in prompts and answers are workspace-relative. */
const DIR = 'r1-edit-tests';

/** LF, two-space indentation, final newline. */
const CART = [
  'export interface Item {',
  '  readonly name: string;',
  '  readonly price: number;',
  '}',
  '',
  'export function total(items: readonly Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  '',
].join('\n');
const CART_AFTER = [
  'export interface Item {',
  '  readonly name: string;',
  '  readonly price: number;',
  '  readonly quantity: number;',
  '}',
  '',
  'export function total(items: readonly Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) sum += item.price * item.quantity;',
  '  return sum;',
  '}',
  '',
].join('\n');
/** CRLF. */
const REPORT = [
  'from cart import total',
  '',
  '',
  'def report(items):',
  '    lines = [f"{item.name}: {item.price}" for item in items]',
  '    lines.append(f"Total: {total(items)}")',
  '    return "\\n".join(lines)',
  '',
].join('\r\n');
const REPORT_AFTER = REPORT.replace('{item.name}: {item.price}', '{item.name} x{item.quantity}: {item.price}');
/** Tabs, no final newline. */
const UTIL = [
  'package util',
  '',
  '// Sum adds the values.',
  'func Sum(values []int) int {',
  '\ttotal := 0',
  '\tfor _, v := range values {',
  '\t\ttotal += v',
  '\t}',
  '\treturn total',
  '}',
].join('\n');
const UTIL_AFTER = UTIL.replace('int {\n', 'int {\n\tif len(values) == 0 {\n\t\treturn 0\n\t}\n');

/** What R1 answers: one `File: path` block per file, whole files; the Go file re-indented with spaces. */
const ANSWER = [
  'Each item now has a quantity; the total and the report use it, and `Sum` returns early for no values.',
  '',
  `File: ${DIR}/cart.ts`,
  '```ts',
  CART_AFTER.trimEnd(),
  '```',
  '',
  `File: ${DIR}/report.py`,
  '```python',
  REPORT_AFTER.replace(/\r\n/g, '\n').trimEnd(),
  '```',
  '',
  `File: ${DIR}/util.go`,
  '```go',
  UTIL_AFTER.replace(/\t/g, '    '),
  '```',
  '',
].join('\n');
const REASONING =
  'The user wants quantities. cart.ts needs the field and the multiplication; report.py shows it; util.go gets the early return.';

function fileUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, DIR, name);
}

async function writeFile(name: string, text: string): Promise<vscode.Uri> {
  const uri = fileUri(name);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** The panel's attachments: the working set of the next Edit request, as `#` attaches them. */
function attach(api: R1CoderTestApi, documents: readonly vscode.TextDocument[]): void {
  api.attachContext({
    items: documents.map((document) => ({
      kind: 'file' as const,
      path: vscode.workspace.asRelativePath(document.uri, false),
      languageId: document.languageId,
      text: document.getText(),
      origin: 'picker' as const,
    })),
    refused: [],
  });
}

/** Opens each file in its own column and attaches it to the panel's next question: the working set. */
async function openAttached(api: R1CoderTestApi, uris: readonly vscode.Uri[]): Promise<vscode.TextDocument[]> {
  const documents: vscode.TextDocument[] = [];
  for (const [index, uri] of uris.entries()) {
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { viewColumn: index + 1, preview: false });
    documents.push(document);
  }
  attach(api, documents);
  return documents;
}

function lastUserMessage(request: RecordedRequest | undefined): string {
  assert.ok(request, 'the loopback server received a request');
  const user = [...(request.body?.messages ?? [])].reverse().find((message) => message.role === 'user');
  assert.ok(user && typeof user.content === 'string', 'the request has a user message');
  return user.content;
}

function entry(view: FileReviewView | undefined, name: string): FileReviewEntry {
  const found = view?.files.find((file) => file.path === `${DIR}/${name}`);
  assert.ok(found, `the review lists ${name}: ${JSON.stringify(view)}`);
  return found;
}

async function assertTextBecomes(document: vscode.TextDocument, expected: string, message: string): Promise<void> {
  await waitUntil(message, () => (document.getText() === expected ? true : undefined), 5_000).catch(() => undefined);
  assert.equal(document.getText(), expected, message);
}

/** The multi-file diff editor's tab (its input type is newer than the API this extension targets). */
function multiDiffTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .find((tab) => Array.isArray((tab.input as { textDiffs?: unknown } | undefined)?.textDiffs));
}

suite('Edit Files (multi-file review, loopback DeepSeek server, real files)', function () {
  // Each test streams an answer, plans several files and opens diffs: slow on a loaded machine.
  this.timeout(90_000);
  let api: R1CoderTestApi;
  let server: DeepSeekServer;

  suiteSetup(async () => {
    api = await activateExtension();
    server = await connectLoopbackServer(KEY);
    await vscode.workspace.fs.createDirectory(fileUri(''));
    await vscode.commands.executeCommand('r1Coder.focusChat');
  });

  setup(async () => {
    await vscode.commands.executeCommand('r1Coder.newChat');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  teardown(() => rejectProposalsAndCloseEditors());

  suiteTeardown(async () => {
    await disconnectLoopbackServer(server);
    await vscode.workspace.fs.delete(fileUri(''), { recursive: true, useTrash: false });
  });

  test('three files: the review lists them, Accept All writes the exact texts, one Undo restores all three', async () => {
    const uris = [
      await writeFile('cart.ts', CART),
      await writeFile('report.py', REPORT),
      await writeFile('util.go', UTIL),
    ];
    const documents = await openAttached(api, uris);
    server.enqueue({ reasoning: REASONING, answer: ANSWER });

    const view = await api.editFiles('Add a quantity to each item and use it');

    const prompt = lastUserMessage(server.requests.at(-1));
    for (const name of ['cart.ts', 'report.py', 'util.go']) assert.ok(prompt.includes(`${DIR}/${name}`), prompt);
    assert.ok(prompt.includes('File: path/to/file.ext'), 'the prompt asks for the File: label');
    const turn = api.conversation().turns.at(-1);
    assert.equal(turn?.title, 'Edit: Add a quantity to each item and use it');
    assert.equal(view?.files.length, 3, JSON.stringify(view));
    assert.deepEqual(
      ['cart.ts', 'report.py', 'util.go'].map((name) => {
        const file = entry(view, name);
        return [file.change, file.state, file.added, file.removed];
      }),
      [
        ['modify', 'pending', 2, 1],
        ['modify', 'pending', 1, 1],
        ['modify', 'pending', 3, 0],
      ],
    );
    // Review All opened the multi-file diff editor, whose right sides are the proposed files.
    const tab = await waitUntil('the multi-file diff editor', () => multiDiffTab());
    const sides = (tab.input as { textDiffs: { modified: vscode.Uri }[] }).textDiffs.map((diff) => diff.modified);
    assert.equal(sides.length, 3);
    assert.ok(sides.every((uri) => uri.scheme === REVIEW_SCHEME));
    assert.deepEqual(
      await Promise.all(sides.map(async (uri) => (await vscode.workspace.openTextDocument(uri)).getText())),
      [CART_AFTER, REPORT_AFTER, UTIL_AFTER],
    );
    assert.deepEqual(
      documents.map((document) => document.getText()),
      [CART, REPORT, UTIL],
      'proposing changes nothing',
    );

    const accepted = await api.reviewFiles(view?.id ?? '', 'accept');
    assert.deepEqual(
      accepted?.files.map((file) => file.state),
      ['applied', 'applied', 'applied'],
      JSON.stringify(accepted),
    );
    const [cart, report, util] = documents as [vscode.TextDocument, vscode.TextDocument, vscode.TextDocument];
    await assertTextBecomes(cart, CART_AFTER, 'cart.ts holds exactly the planned text');
    assert.equal(report.getText(), REPORT_AFTER, 'report.py: CRLF kept');
    assert.equal(util.getText(), UTIL_AFTER, 'util.go: tabs and the missing final newline kept');
    await waitUntil('the multi-file diff to close', () => (multiDiffTab() ? undefined : true), 5_000);

    await vscode.window.showTextDocument(cart, { viewColumn: vscode.ViewColumn.One, preview: false });
    await vscode.commands.executeCommand('undo');
    await assertTextBecomes(cart, CART, 'one undo restores cart.ts');
    await assertTextBecomes(report, REPORT, 'the same undo restores report.py byte for byte');
    await assertTextBecomes(util, UTIL, 'the same undo restores util.go byte for byte');
    // The dirty flags reach the extension host after the texts.
    await waitUntil(
      'every file clean again',
      () => (documents.some((document) => document.isDirty) ? undefined : true),
      5_000,
    ).catch(() => undefined);
    assert.deepEqual(
      documents.map((document) => document.isDirty),
      [false, false, false],
      'every file is back at its saved state',
    );
  });

  test('the working set is the attachments: an attached file is sent, a visible unattached one is not; sending spends them', async () => {
    const report = await vscode.workspace.openTextDocument(await writeFile('report.py', REPORT));
    attach(api, [report]);
    const util = await vscode.workspace.openTextDocument(await writeFile('util.go', UTIL));
    await vscode.window.showTextDocument(util, { viewColumn: vscode.ViewColumn.One, preview: false });
    const cart = await vscode.workspace.openTextDocument(await writeFile('cart.ts', CART));
    await vscode.window.showTextDocument(cart, { viewColumn: vscode.ViewColumn.Two, preview: false });
    const before = await api.attachmentChips();
    assert.equal(before.length, 2, `the active cart.ts and the attached report.py: ${JSON.stringify(before)}`);
    server.enqueue({ reasoning: REASONING, answer: ANSWER });

    const view = await api.editFiles('Add a quantity to each item and use it');

    const prompt = lastUserMessage(server.requests.at(-1));
    assert.ok(prompt.includes(`${DIR}/cart.ts`), 'the active file counts');
    assert.ok(prompt.includes(`${DIR}/report.py`), 'the attached file, open in no editor, is sent');
    assert.ok(prompt.includes(REPORT.split('\r\n')[3] ?? 'no line'), 'with its text');
    assert.ok(!prompt.includes(`${DIR}/util.go`), 'a visible editor that is not attached is not the working set');
    assert.ok(view, 'the review is shown');
    assert.equal(entry(view, 'cart.ts').state, 'pending');
    const after = await api.attachmentChips();
    assert.equal(after.length, 1, `the attachment is spent, the active file's chip is back: ${JSON.stringify(after)}`);
    assert.ok(after[0]?.label.startsWith('cart.ts'), JSON.stringify(after));
  });

  test('accept one file, reject another: only the accepted one changes, the third stays pending', async () => {
    const uris = [
      await writeFile('cart.ts', CART),
      await writeFile('report.py', REPORT),
      await writeFile('util.go', UTIL),
    ];
    const documents = await openAttached(api, uris);
    server.enqueue({ reasoning: REASONING, answer: ANSWER });
    const view = await api.editFiles('Add a quantity to each item and use it');
    assert.ok(view);

    const afterAccept = await api.reviewFiles(view.id, 'accept', entry(view, 'cart.ts').id);
    assert.equal(entry(afterAccept, 'cart.ts').state, 'applied');
    const afterReject = await api.reviewFiles(view.id, 'reject', entry(view, 'report.py').id);
    assert.deepEqual(
      afterReject?.files.map((file) => file.state),
      ['applied', 'rejected', 'pending'],
    );
    const [cart, report, util] = documents as [vscode.TextDocument, vscode.TextDocument, vscode.TextDocument];
    await assertTextBecomes(cart, CART_AFTER, 'the accepted file changed');
    assert.equal(report.getText(), REPORT, 'the rejected file did not');
    assert.equal(report.isDirty, false);
    assert.equal(util.getText(), UTIL, 'the pending file did not');
    const again = await api.reviewFiles(view.id, 'accept', entry(view, 'report.py').id);
    assert.equal(entry(again, 'report.py').state, 'rejected', 'a rejected file cannot be accepted afterwards');
    assert.equal(report.getText(), REPORT);
  });

  test('a file edited after planning: a region is planned again; a whole file is refused, never overwritten', async () => {
    const service = [
      'export class Service {',
      '  start(): void {',
      "    this.log('start');",
      '  }',
      '',
      '  stop(): void {',
      "    this.log('stop');",
      '  }',
      '',
      '  private log(message: string): void {',
      '    console.log(message);',
      '  }',
      '}',
      '',
    ].join('\n');
    const uris = [await writeFile('service.ts', service), await writeFile('cart.ts', CART)];
    const [serviceDocument, cartDocument] = (await openAttached(api, uris)) as [
      vscode.TextDocument,
      vscode.TextDocument,
    ];
    server.enqueue({
      reasoning: 'stop() should say why.',
      answer: [
        `File: ${DIR}/service.ts`,
        '```ts',
        '  // ... existing code ...',
        '  stop(reason: string): void {',
        '    this.log(`stop: ${reason}`);',
        '  }',
        '  // ... existing code ...',
        '```',
        '',
        `File: ${DIR}/cart.ts`,
        '```ts',
        CART_AFTER.trimEnd(),
        '```',
        '',
      ].join('\n'),
    });
    const view = await api.editFiles('Give stop a reason, and add a quantity');
    assert.deepEqual(
      view?.files.map((file) => [file.change, file.state]),
      [
        ['modify', 'pending'],
        ['modify', 'pending'],
      ],
      JSON.stringify(view),
    );

    // The user edits both files while the review waits.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(serviceDocument.uri, new vscode.Position(0, 0), '// Runs the background work.\n');
    // Inside the function the whole-file block restates: taking the block now would undo this.
    edit.insert(cartDocument.uri, new vscode.Position(6, '  let sum = 0;'.length), ' // cents');
    assert.ok(await vscode.workspace.applyEdit(edit));

    const accepted = await api.reviewFiles(view?.id ?? '', 'accept');
    assert.equal(entry(accepted, 'service.ts').state, 'applied', entry(accepted, 'service.ts').message);
    await assertTextBecomes(
      serviceDocument,
      `// Runs the background work.\n${service.replace("stop(): void {\n    this.log('stop');", 'stop(reason: string): void {\n    this.log(`stop: ${reason}`);')}`,
      "the region was placed again in the file as it is now, the user's line kept",
    );
    const cart = entry(accepted, 'cart.ts');
    assert.equal(cart.state, 'refused');
    assert.match(cart.message ?? '', /changed since the edit was planned/);
    assert.equal(
      cartDocument.getText(),
      CART.replace('let sum = 0;', 'let sum = 0; // cents'),
      "the user's edit is not overwritten",
    );
  });

  test('an answer cut off by the token limit inside a block proposes nothing', async () => {
    const uris = [await writeFile('cart.ts', CART), await writeFile('util.go', UTIL)];
    const documents = await openAttached(api, uris);
    const cut = [
      `File: ${DIR}/cart.ts`,
      '```ts',
      CART_AFTER.trimEnd(),
      '```',
      '',
      `File: ${DIR}/util.go`,
      '```go',
      'package util',
      '',
      'func Sum(values []int) int {',
      '    if len(values) == 0 {',
    ].join('\n');
    server.enqueue({ reasoning: REASONING, answer: cut, finishReason: 'length' });
    const view = await api.editFiles('Add a quantity, and return early for no values');

    assert.equal(api.conversation().turns.at(-1)?.finishReason, 'length');
    assert.ok(view && view.files.length > 0, JSON.stringify(view));
    assert.ok(
      view.files.every((file) => file.state === 'refused' && file.change === 'refused'),
      JSON.stringify(view),
    );
    assert.match(entry(view, 'util.go').message ?? '', /cut|truncated|limit/i);
    assert.equal(multiDiffTab(), undefined, 'no diff opens for a cut answer');
    assert.deepEqual(
      documents.map((document) => document.getText()),
      [CART, UTIL],
    );
  });

  test('Apply to file on a chat answer block that names its file: planned against that file, reviewed, accepted', async () => {
    const uri = await writeFile('cart.ts', CART);
    const [document] = (await openAttached(api, [uri])) as [vscode.TextDocument];
    server.enqueue({
      reasoning: 'Show the changed function.',
      answer: [
        'Multiply by the quantity:',
        '',
        `\`\`\`ts ${DIR}/cart.ts`,
        'export function total(items: readonly Item[]): number {',
        '  let sum = 0;',
        '  for (const item of items) sum += item.price * item.quantity;',
        '  return sum;',
        '}',
        '```',
        '',
        'Then run:',
        '',
        '```sh',
        'npm test',
        '```',
        '',
      ].join('\n'),
    });
    const turn = await api.ask('How do I count quantities in total()?');
    assert.equal(turn.status, 'done');

    const view = await api.applyToFile(turn.id, 0);
    assert.equal(view?.files.length, 1, JSON.stringify(view));
    assert.deepEqual([entry(view, 'cart.ts').change, entry(view, 'cart.ts').state], ['modify', 'pending']);
    const diff = await waitUntil('the diff of cart.ts', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === REVIEW_SCHEME),
    );
    assert.equal((diff.input as vscode.TabInputTextDiff).original.toString(), uri.toString());
    assert.equal(await api.applyToFile(turn.id, 1), undefined, 'the shell block names no file');

    const accepted = await api.reviewFiles(view?.id ?? '', 'accept');
    assert.equal(entry(accepted, 'cart.ts').state, 'applied');
    await assertTextBecomes(
      document,
      CART.replace('sum += item.price;', 'sum += item.price * item.quantity;'),
      'the block replaced the function it restates',
    );
  });
});
