import { useRef } from 'react';

/** "Open file…": the system file picker, for one slide. */
export function OpenFileButton({ onFile }: { onFile: (file: File) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="primary" onClick={() => input.current?.click()}>
        Open file…
      </button>
      <input
        ref={input}
        type="file"
        aria-label="Slide file"
        accept=".svs,.ndpi,.tif,.tiff,.ome.tif,.ome.tiff,.bif,.scn"
        hidden
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file can be chosen again
          if (file) onFile(file);
        }}
      />
    </>
  );
}
