import type { SerializedError } from '../../core/errors';
import type { ModelImage } from '../../inference';

export interface DecodeRequest {
  id: number;
  file: Blob;
  name: string;
}

export type DecodeResponse = { id: number; ok: true; image: ModelImage & { data: Uint8Array } } | { id: number; ok: false; error: SerializedError };
