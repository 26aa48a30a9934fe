import { filesFromFileList, filesFromMap, filesFromUrl, type ModelFiles } from '../model-files';
import type { ModelFilesSpec } from './protocol';

/** The files a spec names, readable on either side of the worker boundary. */
export function filesOfSpec(spec: ModelFilesSpec): ModelFiles {
  if (spec.kind === 'url') return filesFromUrl(spec.base);
  if (spec.kind === 'files') return filesFromFileList(spec.files, spec.location);
  return filesFromMap(spec.entries, spec.location);
}
