/** DICOM Part 10 files: a 128-byte preamble, then "DICM". PACS exports often have no file extension. */
const DICOM_EXT = /\.dcm$/i;
const MAGIC = [0x44, 0x49, 0x43, 0x4d]; // "DICM"

/** How many files' first bytes are looked at: a slide's instances are all DICOM, a patch folder may hold thousands. */
export const DICOM_SNIFFED = 8;

export function hasDicomName(name: string): boolean {
  return DICOM_EXT.test(name);
}

/** Whether a file is DICOM: by its .dcm name, else by the four bytes after the preamble (nothing more is read). */
export async function isDicomFile(file: File): Promise<boolean> {
  if (hasDicomName(file.name)) return true;
  if (file.size < 132) return false;
  try {
    const bytes = new Uint8Array(await file.slice(128, 132).arrayBuffer());
    return MAGIC.every((b, i) => bytes[i] === b);
  } catch {
    return false; // unreadable here: the slide engine says why if it is opened anyway
  }
}

/**
 * Whether files chosen or dropped together hold a DICOM slide: one is named .dcm, or one of the first few
 * starts as DICOM does. All of them are then opened as one slide, so the engine can name the ones it
 * leaves out (a stray text file, say).
 */
export async function holdsDicom(files: readonly File[]): Promise<boolean> {
  if (files.some((f) => hasDicomName(f.name))) return true;
  const checks = await Promise.all(files.slice(0, DICOM_SNIFFED).map(isDicomFile));
  return checks.some(Boolean);
}
