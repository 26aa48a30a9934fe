// Patch folders, in a browser, a worker and Node alike: entries and ImageFolder labels.
export { isImageName, type BatchEntry, type SkippedEntry } from './batch-entry';
export { classFolderOf, folderLabels, labelOf, type FolderLabels } from './labels';
