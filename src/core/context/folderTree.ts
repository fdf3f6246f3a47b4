/**
 * `#folder`: a folder's contents as an indented tree listing, bounded: at most `maxEntries` lines;
 * a folder whose contents do not fit is shown with its file count instead of its files.
 */

export const FOLDER_MAX_ENTRIES = 300;

interface Node {
  readonly name: string;
  readonly children: Map<string, Node>;
  /** Files below it (all depths). */
  files: number;
  isFile: boolean;
}

/**
 * `paths`: files relative to the folder (`/`-separated). Folders come before files, each sorted by
 * name; a line per entry, two spaces per level, folders end with `/`.
 */
export function renderFolderTree(
  folderName: string,
  paths: readonly string[],
  maxEntries: number = FOLDER_MAX_ENTRIES,
): { readonly text: string; readonly files: number; readonly complete: boolean } {
  const root: Node = { name: folderName, children: new Map(), files: 0, isFile: false };
  for (const path of paths) {
    const parts = path.split('/').filter((part) => part !== '');
    let node = root;
    node.files++;
    parts.forEach((part, index) => {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, children: new Map(), files: 0, isFile: index === parts.length - 1 };
        node.children.set(part, child);
      }
      if (index < parts.length - 1) child.files++;
      node = child;
    });
  }
  const lines: string[] = [`${folderName.replace(/\/$/, '')}/`];
  let complete = true;
  // Breadth-first budget: each level is listed while it fits, deeper levels collapse first.
  const expanded = new Set<Node>([root]);
  let used = 1;
  let frontier: Node[] = [root];
  while (frontier.length) {
    const next: Node[] = [];
    for (const node of frontier) {
      const children = sortedChildren(node);
      if (used + children.length > maxEntries) {
        complete = false;
        continue;
      }
      used += children.length;
      expanded.add(node);
      for (const child of children) if (!child.isFile) next.push(child);
    }
    frontier = next;
  }
  expanded.delete(root);
  const walk = (node: Node, depth: number) => {
    for (const child of sortedChildren(node)) {
      const indent = '  '.repeat(depth);
      if (child.isFile) {
        lines.push(`${indent}${child.name}`);
      } else if (expanded.has(child)) {
        lines.push(`${indent}${child.name}/`);
        walk(child, depth + 1);
      } else {
        lines.push(`${indent}${child.name}/ (${child.files} ${child.files === 1 ? 'file' : 'files'} not listed)`);
      }
    }
  };
  const top = sortedChildren(root);
  if (top.length > maxEntries - 1) {
    // Even the top level does not fit: list its first entries only.
    const room = Math.max(1, maxEntries - 2);
    for (const child of top.slice(0, room)) lines.push(`  ${child.name}${child.isFile ? '' : '/'}`);
    lines.push(`  … ${top.length - room} more entries not listed`);
  } else walk(root, 1);
  return { text: lines.join('\n'), files: root.files, complete };
}

function sortedChildren(node: Node): Node[] {
  return [...node.children.values()].sort(
    (a, b) => Number(a.isFile) - Number(b.isFile) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
