/** `#folder`: a folder's tree listing from the file index (so files.exclude, search.exclude, .gitignore apply). */

import { renderFolderTree } from '../../core/context/folderTree';
import type { GlobMatcher } from '../../core/context/glob';
import { excludedReason } from '../../core/context/screen';
import type { ContextOrigin } from '../../core/context/types';
import type { IndexedFile } from './fileIndex';
import type { GatheredContext } from './gathered';

/**
 * `folder`: workspace-relative path of the folder ('' for the workspace root). Files matching
 * r1Coder.context.exclude are left out of the listing too (a name can say enough).
 */
export function gatherFolder(
  folder: string,
  files: readonly IndexedFile[],
  exclude: GlobMatcher,
  origin: ContextOrigin,
): GatheredContext {
  const prefix = folder === '' ? '' : `${folder.replace(/\/$/, '')}/`;
  const inside = files
    .filter((file) => file.path.startsWith(prefix) && !excludedReason(file.path, exclude))
    .map((file) => file.path.slice(prefix.length));
  const name = folder === '' ? '.' : folder;
  if (inside.length === 0)
    return {
      items: [],
      refused: [],
      note: `${name} holds no files that are not excluded (files.exclude, search.exclude, .gitignore).`,
    };
  const tree = renderFolderTree(name, inside);
  return {
    items: [{ kind: 'folder', path: name, text: tree.text, origin, label: `${tree.files} files` }],
    refused: [],
  };
}

/** The folders that hold indexed files (every ancestor of each file), sorted; '' is the root. */
export function indexedFolders(files: readonly IndexedFile[]): string[] {
  const folders = new Set<string>();
  for (const file of files) {
    let slash = file.path.lastIndexOf('/');
    while (slash > 0) {
      const folder = file.path.slice(0, slash);
      if (folders.has(folder)) break;
      folders.add(folder);
      slash = folder.lastIndexOf('/');
    }
  }
  return [...folders].sort();
}
