// pako comes with geotiff (its Deflate decoder); it ships no types of its own. Only what bounded-decode uses.
declare module 'pako' {
  export class Inflate {
    constructor(options?: { chunkSize?: number });
    push(data: Uint8Array, flush?: boolean | number): boolean;
    onData(chunk: Uint8Array): void;
    err: number;
    msg: string;
  }
}
