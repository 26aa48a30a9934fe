// A throwaway worker for bench/profile.ts (loaded from a blob: URL, plain JS so no build step touches it).
// It repeats, step by step, what a Tessera slide worker does for one JPEG tile, and alternatives to each step.
/* eslint-disable */
let file = null;
let tables = null;
let canvas = null;
let ctx = null;
/** Tile bytes read ahead of a 'preloaded' run (by offset), so that run times decoding alone. */
const preloaded = new Map();
/** Decoded tiles kept as Tessera's worker cache keeps them (up to 192 MB), for the 'retain' variant. */
const retained = new Map();
let retainedBytes = 0;

function splice(tile) {
  if (!tables) return tile;
  let end = tables.length;
  if (tables[end - 2] === 0xff && tables[end - 1] === 0xd9) end -= 2;
  const inner = tables.subarray(2, end);
  const out = new Uint8Array(tile.length + inner.length);
  out.set(tile.subarray(0, 2), 0);
  out.set(inner, 2);
  out.set(tile.subarray(2), 2 + inner.length);
  return out;
}

async function readAsync(t) {
  return new Uint8Array(await file.slice(t.o, t.o + t.n).arrayBuffer());
}
function readSync(t) {
  return new Uint8Array(new FileReaderSync().readAsArrayBuffer(file.slice(t.o, t.o + t.n)));
}

function scratch(w, h) {
  if (!canvas) {
    canvas = new OffscreenCanvas(w, h);
    ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: true });
  }
  return ctx;
}

async function decodeCib(jpeg) {
  return createImageBitmap(new Blob([jpeg], { type: 'image/jpeg' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}
function bitmapToRgba(bmp) {
  const c = scratch(bmp.width, bmp.height);
  c.clearRect(0, 0, bmp.width, bmp.height);
  c.drawImage(bmp, 0, 0);
  return c.getImageData(0, 0, bmp.width, bmp.height).data;
}
async function decodeId(jpeg) {
  const dec = new ImageDecoder({ data: jpeg, type: 'image/jpeg', colorSpaceConversion: 'none', preferAnimation: false });
  try {
    const { image } = await dec.decode();
    return image;
  } finally {
    dec.close();
  }
}
async function frameToRgba(frame) {
  const out = new Uint8ClampedArray(frame.codedWidth * frame.codedHeight * 4);
  await frame.copyTo(out, { format: 'RGBA' });
  frame.close();
  return out;
}

/** The tile as a Blob made of the tables and a slice of the File: no bytes pass through JavaScript. */
function jpegBlob(t) {
  let end = tables.length;
  if (tables[end - 2] === 0xff && tables[end - 1] === 0xd9) end -= 2;
  return new Blob([tables.subarray(0, end), file.slice(t.o + 2, t.o + t.n)], { type: 'image/jpeg' });
}

/** One whole tile read, as a variant of the pipeline. */
async function pipeline(t, v) {
  if (v.read === 'blobparts') {
    const blob = jpegBlob(t);
    if (v.decode === 'imagedecoder') {
      const dec = new ImageDecoder({ data: blob.stream(), type: 'image/jpeg', colorSpaceConversion: 'none' });
      try {
        return await frameToRgba((await dec.decode()).image);
      } finally {
        dec.close();
      }
    }
    const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const px = bitmapToRgba(bmp);
    bmp.close();
    return px;
  }
  const bytes = v.read === 'sync' ? readSync(t) : v.read === 'preloaded' ? preloaded.get(t.o) : await readAsync(t);
  const jpeg = splice(bytes);
  let rgba;
  if (v.decode === 'imagedecoder') rgba = await frameToRgba(await decodeId(jpeg));
  else if (v.decode === 'imagedecoder-canvas') {
    const frame = await decodeId(jpeg);
    const c = scratch(frame.displayWidth, frame.displayHeight);
    c.drawImage(frame, 0, 0);
    frame.close();
    rgba = c.getImageData(0, 0, 256, 256).data;
  } else {
    const bmp = await decodeCib(jpeg);
    rgba = bitmapToRgba(bmp);
    bmp.close();
  }
  if (v.retain) {
    retained.delete(t.o);
    retained.set(t.o, rgba);
    retainedBytes += rgba.byteLength;
    for (const [k, px] of retained) {
      if (retainedBytes <= 192 * 1024 * 1024) break;
      retained.delete(k);
      retainedBytes -= px.byteLength;
    }
  }
  if (v.cacheCopy) rgba = rgba.slice();
  return rgba;
}

const now = () => performance.now();

const experiments = {
  init({ file: f, tables: tb }) {
    file = f;
    tables = tb ? new Uint8Array(tb) : null;
    return { imageDecoder: typeof ImageDecoder === 'function', fileReaderSync: typeof FileReaderSync === 'function' };
  },

  /** Each step of the current pipeline timed on its own, one tile at a time. */
  async steps({ tiles }) {
    const r = { readAsync: [], readSync: [], splice: [], cibDecode: [], drawGetImageData: [], copyForCache: [], idDecode: [], idCopyToRgba: [], idFormat: '' };
    for (const t of tiles) {
      let a = now();
      const bytes = await readAsync(t);
      r.readAsync.push(now() - a);
      a = now();
      readSync(t);
      r.readSync.push(now() - a);
      a = now();
      const jpeg = splice(bytes);
      r.splice.push(now() - a);
      a = now();
      const bmp = await decodeCib(jpeg);
      r.cibDecode.push(now() - a);
      a = now();
      const px = bitmapToRgba(bmp);
      r.drawGetImageData.push(now() - a);
      bmp.close();
      a = now();
      px.slice();
      r.copyForCache.push(now() - a);
      a = now();
      const frame = await decodeId(jpeg);
      r.idDecode.push(now() - a);
      r.idFormat = String(frame.format);
      a = now();
      await frameToRgba(frame);
      r.idCopyToRgba.push(now() - a);
    }
    return r;
  },

  /** File.slice().arrayBuffer() of bigger ranges: what one read costs as it covers more tiles. */
  async readSizes({ offsets, sizes }) {
    const out = {};
    for (const n of sizes) {
      const lat = [];
      for (const o of offsets) {
        const a = now();
        await file.slice(o, o + n).arrayBuffer();
        lat.push(now() - a);
      }
      lat.sort((x, y) => x - y);
      out[n] = lat[Math.floor(lat.length / 2)];
    }
    return out;
  },

  /** Pixels of createImageBitmap+getImageData against another decode variant on the same tiles. */
  async compare({ tiles, decode = 'imagedecoder' }) {
    let maxAbs = 0;
    let sumAbs = 0;
    let sumSigned = 0;
    let n = 0;
    for (const t of tiles) {
      const a = await pipeline(t, { read: 'async', decode: 'cib' });
      const b = await pipeline(t, { read: 'async', decode });
      for (let i = 0; i < a.length; i++) {
        if ((i & 3) === 3) continue;
        const d = b[i] - a[i];
        sumSigned += d;
        sumAbs += Math.abs(d);
        if (Math.abs(d) > maxAbs) maxAbs = Math.abs(d);
        n++;
      }
    }
    return { maxAbs, meanAbs: sumAbs / n, meanSigned: sumSigned / n };
  },

  /** Tiles/s of one worker running a pipeline variant with `inflight` tiles at once. */
  preload({ tiles }) {
    for (const t of tiles) if (!preloaded.has(t.o)) preloaded.set(t.o, readSync(t));
    return preloaded.size;
  },

  async throughput({ tiles, variant, inflight, transfer }) {
    let next = 0;
    const lane = async () => {
      while (next < tiles.length) {
        const t = tiles[next++];
        const px = await pipeline(t, variant);
        if (transfer) self.postMessage({ type: 'tile', data: px }, [px.buffer]);
      }
    };
    const a = now();
    await Promise.all(Array.from({ length: inflight }, lane));
    return { ms: now() - a, tiles: tiles.length };
  },

  /** Answers with a fresh 256 px RGBA tile (transferred or copied) or nothing, for round-trip timing. */
  echo({ bytes, transfer }) {
    const data = bytes ? new Uint8ClampedArray(bytes) : null;
    return { __reply: { data }, __transfer: data && transfer ? [data.buffer] : [] };
  },
};

self.onmessage = async (e) => {
  const { id, cmd, args } = e.data;
  try {
    const value = await experiments[cmd](args);
    if (value && value.__reply) self.postMessage({ id, ok: true, value: value.__reply }, value.__transfer);
    else self.postMessage({ id, ok: true, value });
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.stack ? err.stack : err) });
  }
};
