import { useRef, type ChangeEvent } from 'react';
import { holdsDicom } from '../hooks/dicom-files';

const SLIDE_FILE = /\.(svs|ndpi|tiff?|bif|scn)$/i;

/**
 * What was chosen: one file is a slide; several files, or a folder's, are one slide when they hold DICOM
 * (a DICOM WSI keeps each level in its own file); otherwise the first slide file among them is opened.
 */
async function slideOf(files: File[]): Promise<File | File[] | null> {
  if (files.length <= 1) return files[0] ?? null;
  return (await holdsDicom(files)) ? files : (files.find((f) => SLIDE_FILE.test(f.name)) ?? files[0]);
}

/**
 * "Open file…": the system file picker, for one slide (or the several files of a DICOM slide); "Open
 * folder…": a folder holding a DICOM slide's instances.
 */
export function OpenFileButton({ onFile }: { onFile: (input: File | File[]) => void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const chosen = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = ''; // the same file can be chosen again
    void slideOf(files).then((input) => input && onFile(input));
  };
  return (
    <>
      <button type="button" className="primary" onClick={() => fileInput.current?.click()}>
        Open file…
      </button>
      <button type="button" onClick={() => folderInput.current?.click()}>
        Open folder…
      </button>
      <input
        ref={fileInput}
        type="file"
        aria-label="Slide file"
        accept=".svs,.ndpi,.tif,.tiff,.ome.tif,.ome.tiff,.bif,.scn,.dcm"
        multiple
        hidden
        onChange={chosen}
      />
      <input
        ref={folderInput}
        type="file"
        aria-label="Slide folder"
        data-testid="slide-folder-input"
        hidden
        // webkitdirectory is not in React's typings; set as a plain attribute.
        {...{ webkitdirectory: '', directory: '' }}
        onChange={chosen}
      />
    </>
  );
}
