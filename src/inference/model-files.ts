import { TesseraError } from '../core';
import { countText, modelLimits } from './limits';

/**
 * The files of one model folder, wherever they are: Files dropped or picked in the browser, a URL on the
 * app's own origin, a directory in Node (node/files-from-directory.ts), or bytes in memory (tests).
 * A model folder is flat: files are named by their base name.
 */
export interface ModelFiles {
  /** Where the files are, for messages: a folder name, a URL or a path. */
  readonly location: string;
  /** The file names, when the source can list them (folders, directories); undefined for URLs. */
  names(): string[] | undefined;
  /** The file's bytes, or null when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
}

/** A file the model needs, or a refusal naming it and where it was looked for. */
export async function readRequired(files: ModelFiles, name: string, why: string): Promise<Uint8Array> {
  const bytes = await files.read(name);
  if (!bytes) throw new TesseraError('corrupt-file', `${why} ${name}, which is not in ${files.location}.`);
  return bytes;
}

export async function readJson(files: ModelFiles, name: string): Promise<unknown | null> {
  const bytes = await files.read(name);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new TesseraError('corrupt-file', `${name} in ${files.location} is not valid JSON.`, e instanceof Error ? e.message : String(e));
  }
}

/** Files held in memory, e.g. a model written by a test. */
export function filesFromMap(map: Record<string, Uint8Array | ArrayBuffer | string>, location = 'memory'): ModelFiles {
  const bytes = new Map<string, Uint8Array>();
  for (const [name, v] of Object.entries(map)) {
    bytes.set(name, typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : new Uint8Array(v));
  }
  return {
    location,
    names: () => [...bytes.keys()],
    read: async (name) => bytes.get(name) ?? null,
  };
}

/**
 * Files of a folder the user dropped or picked (webkitdirectory). Files in subfolders are left out
 * (a model folder is flat); the location is the folder's name when the browser gives one.
 */
export function filesFromFileList(list: ArrayLike<File>, location?: string): ModelFiles {
  const byName = new Map<string, File>();
  let folder: string | undefined;
  for (const file of Array.from(list)) {
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    const parts = rel.split('/').filter(Boolean);
    if (parts.length > 2) continue;
    if (parts.length === 2) folder ??= parts[0];
    byName.set(file.name, file);
  }
  const where = location ?? (folder ? `the folder ${folder}` : 'the dropped files');
  return {
    location: where,
    names: () => [...byName.keys()],
    read: async (name) => {
      const file = byName.get(name);
      if (!file) return null;
      checkLength(name, where, file.size);
      return new Uint8Array(await file.arrayBuffer());
    },
  };
}

/**
 * Files under a URL base on the app's own origin (shipped models under /models/NAME/). The app makes no
 * request outside its origin (DESIGN.md, decision 8): other origins are refused here, before any fetch.
 */
export function filesFromUrl(base: string, fetchImpl: typeof fetch = fetch, origin = globalThis.location?.origin): ModelFiles {
  const root = new URL(base.endsWith('/') ? base : `${base}/`, origin ?? undefined);
  if (origin && root.origin !== origin) {
    throw new TesseraError('invalid-argument', `Models load from this app's own address only; ${root.href} is elsewhere.`);
  }
  return {
    location: root.href,
    names: () => undefined,
    read: async (name) => {
      const url = new URL(encodeURIComponent(name), root);
      let res: Response;
      try {
        res = await fetchImpl(url.href);
      } catch (e) {
        throw new TesseraError('network', `Could not fetch ${url.href}.`, e instanceof Error ? e.message : String(e));
      }
      if (res.status === 404) return null;
      if (!res.ok) throw new TesseraError('network', `Fetching ${url.href} failed: HTTP ${res.status}.`);
      const declared = Number(res.headers?.get?.('content-length') ?? NaN);
      if (Number.isFinite(declared)) checkLength(name, root.href, declared);
      const bytes = new Uint8Array(await res.arrayBuffer());
      checkLength(name, root.href, bytes.byteLength);
      return bytes;
    },
  };
}

/** The cap on one file of a model folder: JSON files (manifests, model.json) and weights have their own. */
export function fileLimit(name: string): { limit: number; key: 'maxJsonFileBytes' | 'maxWeightFileBytes' } {
  return /\.json$/i.test(name) ? { limit: modelLimits().maxJsonFileBytes, key: 'maxJsonFileBytes' } : { limit: modelLimits().maxWeightFileBytes, key: 'maxWeightFileBytes' };
}

/** Refuses a file over its cap, before it is read when its length is known. */
export function checkLength(name: string, location: string, bytes: number): void {
  const { limit, key } = fileLimit(name);
  if (bytes > limit) {
    throw new TesseraError('unsupported', `${name} in ${location} is ${countText(bytes)} bytes, over the limit of ${countText(limit)} (${key}): check that it is the right file, or raise the limit if the model really is that large.`);
  }
}
