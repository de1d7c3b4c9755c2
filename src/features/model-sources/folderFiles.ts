/**
 * The files of a picked or dropped folder, with their paths inside it. A folder picker (`webkitdirectory`)
 * gives a flat FileList whose `webkitRelativePath` holds the path; a drop gives directory entries to walk.
 */
import type { FolderFile } from '../../models/bundle/folderSource';

export interface PickedFolder {
  readonly name: string;
  readonly files: FolderFile[];
}

export function filesFromInput(list: FileList | readonly File[]): PickedFolder {
  const files = Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  const name = files[0]?.path.split('/')[0] ?? 'folder';
  return { name, files };
}

/** Walks every dropped directory (and takes dropped files as they are). */
export async function filesFromDrop(transfer: DataTransfer): Promise<PickedFolder> {
  const entries = Array.from(transfer.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  const files: FolderFile[] = [];
  for (const entry of entries) await walk(entry, '', files);
  if (entries.length === 0) for (const file of Array.from(transfer.files)) files.push({ path: file.name, file });
  return { name: entries.length === 1 ? entries[0].name : 'dropped files', files };
}

async function walk(entry: FileSystemEntry, prefix: string, out: FolderFile[]): Promise<void> {
  const path = `${prefix}${entry.name}`;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, `${path}/`, out);
  }
}
