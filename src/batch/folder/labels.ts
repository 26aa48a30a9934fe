/**
 * Ground truth from an ImageFolder layout (issue 5): when every image lies in a subfolder of the dropped
 * folder, the first path segment is the image's class folder (`yes/Y1.jpg`, `yes/more/Y2.jpg` → `yes`).
 * Folder names are matched to the model's classes ignoring case. Folders that match no class are listed
 * in `unmatched` (their images are scored without a label), so a caller can ask the user to map them.
 */
export interface FolderLabels {
  /** True when at least one class folder matches one of the model's classes. */
  labelled: boolean;
  /** Class folder name (as on disk) → index into the model's classes. */
  classOfFolder: Map<string, number>;
  /** Class folder names that match no class, sorted. */
  unmatched: string[];
}

const UNLABELLED: () => FolderLabels = () => ({ labelled: false, classOfFolder: new Map(), unmatched: [] });

/** The class folder of a '/'-separated relative path, or undefined when the file lies directly in the folder. */
export function classFolderOf(path: string): string | undefined {
  const slash = path.indexOf('/');
  return slash > 0 ? path.slice(0, slash) : undefined;
}

/** Labels from the images' relative paths and the model's class names (in the model's order). */
export function folderLabels(imagePaths: Iterable<string>, classes: readonly string[]): FolderLabels {
  const folders = new Set<string>();
  for (const p of imagePaths) {
    const folder = classFolderOf(p);
    if (folder === undefined) return UNLABELLED();
    folders.add(folder);
  }
  if (folders.size === 0) return UNLABELLED();
  const byName = classIndexByName(classes);
  const classOfFolder = new Map<string, number>();
  const unmatched: string[] = [];
  for (const folder of [...folders].sort()) {
    const index = byName.get(normalise(folder));
    if (index === undefined) unmatched.push(folder);
    else classOfFolder.set(folder, index);
  }
  if (classOfFolder.size === 0) return { labelled: false, classOfFolder, unmatched };
  return { labelled: true, classOfFolder, unmatched };
}

/** The class index of one image's path, or undefined when unlabelled or its folder matches no class. */
export function labelOf(path: string, labels: FolderLabels): number | undefined {
  if (!labels.labelled) return undefined;
  const folder = classFolderOf(path);
  return folder === undefined ? undefined : labels.classOfFolder.get(folder);
}

function classIndexByName(classes: readonly string[]): Map<string, number> {
  const byName = new Map<string, number>();
  classes.forEach((c, i) => {
    const key = normalise(c);
    if (!byName.has(key)) byName.set(key, i);
  });
  return byName;
}

function normalise(name: string): string {
  return name.trim().toLowerCase();
}
