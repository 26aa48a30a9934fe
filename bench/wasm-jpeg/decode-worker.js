// A throwaway worker for bench/wasm-jpeg/compare.ts (loaded from a blob: URL, plain JS): decodes JPEG tiles
// held in memory, either with the browser's ImageDecoder + VideoFrame.copyTo(RGBA) (what the slide worker does)
// or with libjpeg-turbo built to WebAssembly (@cwasm/jpeg-turbo's tjDecompress2 straight to RGBA).
/* eslint-disable */
let wasm = null;
let tiles = [];

async function initWasm(bytes) {
  // The module's only imports: setjmp/longjmp for libjpeg's error exit, and WASI stubs it never calls here.
  const env = { setjmp() { return 0; }, longjmp() { throw new Error('libjpeg error'); } };
  const fail = () => { throw new Error('not available'); };
  const wasi = { environ_sizes_get() { return 0; }, environ_get: fail, proc_exit: fail, fd_close: fail, fd_seek: fail, fd_write: fail };
  const { instance } = await WebAssembly.instantiate(bytes, { env, wasi_snapshot_preview1: wasi });
  wasm = instance.exports;
}

function wasmDecode(input) {
  const x = wasm;
  const inp = x.malloc(input.byteLength);
  new Uint8Array(x.memory.buffer, inp, input.byteLength).set(input);
  const d = x.tjInitDecompress();
  const meta = x.malloc(16);
  x.tjDecompressHeader3(d, inp, input.byteLength, meta, meta + 4, meta + 8, meta + 12);
  const [w, h] = new Uint32Array(x.memory.buffer, meta, 2);
  x.free(meta);
  const out = x.malloc(w * h * 4);
  const status = x.tjDecompress2(d, inp, input.byteLength, out, w, w * 4, h, 7 /* TJPF_RGBA */, 0);
  x.free(inp);
  x.tjDestroy(d);
  const px = new Uint8ClampedArray(x.memory.buffer, out, w * h * 4).slice();
  x.free(out);
  if (status !== 0) throw new Error('tjDecompress2 failed');
  return px;
}

async function imageDecoderDecode(jpeg) {
  const dec = new ImageDecoder({ data: jpeg, type: 'image/jpeg', colorSpaceConversion: 'none' });
  try {
    const { image } = await dec.decode();
    const out = new Uint8ClampedArray(image.displayWidth * image.displayHeight * 4);
    await image.copyTo(out, { format: 'RGBA' });
    image.close();
    return out;
  } finally {
    dec.close();
  }
}

onmessage = async (e) => {
  const d = e.data;
  if (d.cmd === 'init') {
    await initWasm(d.wasm);
    tiles = d.tiles;
    postMessage({});
    return;
  }
  const decode = d.cmd === 'wasm' ? wasmDecode : imageDecoderDecode;
  const times = [];
  const kept = [];
  const t0 = performance.now();
  for (const t of tiles) {
    const a = performance.now();
    const px = await decode(t);
    times.push(performance.now() - a);
    if (d.keep) kept.push(px);
  }
  postMessage({ times, wallMs: performance.now() - t0, pixels: kept }, kept.map((p) => p.buffer));
};
