import { useRef } from 'react';
import { folderFromFileList, folderFromHandle, type DroppedFolder } from '../../batch/browser';

type DirectoryPicker = (options?: { mode?: 'read' }) => Promise<FileSystemDirectoryHandle>;

/** Pick a folder of patches (directory picker where the browser has one, else <input webkitdirectory>), or drop one on the page. */
export function FolderPicker({ onFolder, disabled }: { onFolder: (f: DroppedFolder) => void; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const picker = (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  const choose = async () => {
    if (!picker) return input.current?.click();
    try {
      onFolder(await folderFromHandle(await picker({ mode: 'read' })));
    } catch (e) {
      if ((e as Error).name !== 'AbortError') input.current?.click(); // not allowed here: fall back to the input
    }
  };
  return (
    <div className="row">
      <button type="button" className="primary" disabled={disabled} onClick={() => void choose()}>
        Choose a folder of patches…
      </button>
      <span className="muted">or drop one or more folders anywhere on the page (PNG, JPEG, TIFF; subfolders such as yes/ and no/ are the true classes)</span>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="batch-folder-input"
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          onFolder(folderFromFileList(files)); // an empty folder gives no files: said so on screen
        }}
      />
    </div>
  );
}
