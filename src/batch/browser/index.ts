// The browser's side of batch/: dropped and picked folders, and decoding patches in a worker.
export { browserEntry, inFolderOrder, type BrowserEntry } from './browser-entry';
export { folderFromDrop, folderFromFileList, folderFromHandle, type DroppedFolder } from './dropped-folders';
export { PatchDecoder } from './patch-decoder';
