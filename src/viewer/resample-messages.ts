/** Messages between the viewer and its resampling worker. */
export interface ResampleRequest {
  id: number;
  data: Uint8ClampedArray;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
}

export type ResampleResponse = { id: number; ok: true; bitmap: ImageBitmap } | { id: number; ok: false; message: string };
