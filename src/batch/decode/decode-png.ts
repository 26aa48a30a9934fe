import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';
import { TesseraError } from '../../core';
import type { ModelImage } from '../../inference';
import { highByte } from './high-byte';

/**
 * A PNG → 8-bit grey or RGB samples with fast-png (exact, in any JavaScript engine): palette images become
 * RGB, alpha is dropped, low bit depths are scaled to 0-255 and 16-bit keeps its high byte.
 */
export function decodePng(bytes: Uint8Array, name: string): ModelImage {
  let png: DecodedPng;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a PNG image: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const { width, height } = png;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png); // RGBA when the palette has transparency
    return dropAlpha(width, height, rgb, rgb.length === width * height * 4 ? 4 : 3, 'rgb', name);
  }
  const samples = eightBit(png, name);
  if (png.channels <= 2) return dropAlpha(width, height, samples, png.channels, 'grey', name);
  return dropAlpha(width, height, samples, png.channels, 'rgb', name);
}

function eightBit(png: DecodedPng, name: string): Uint8Array {
  const { width, height, channels, depth, data } = png;
  const count = width * height * channels;
  if (depth === 16) return highByte(data as Uint16Array);
  if (depth === 8) return data instanceof Uint8Array ? data : Uint8Array.from(data);
  // 1, 2 and 4 bits (grey only): rows are packed; scale to 0-255 as PIL and libvips do (e.g. 4 bits x 17).
  const out = new Uint8Array(count);
  const scale = 255 / ((1 << depth) - 1);
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  if (data.length < rowBytes * height) throw new TesseraError('corrupt-file', `Cannot read ${name} as a PNG image: its ${depth}-bit samples are incomplete.`);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) {
      const byte = data[y * rowBytes + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width * channels + x] = Math.round(((byte >> shift) & mask) * scale);
    }
  }
  return out;
}

function dropAlpha(width: number, height: number, samples: Uint8Array | Uint16Array, channels: number, format: 'grey' | 'rgb', name: string): ModelImage {
  const keep = format === 'grey' ? 1 : 3;
  if (samples.length !== width * height * channels) throw new TesseraError('corrupt-file', `Cannot read ${name} as a PNG image: it holds ${samples.length} samples where a ${width} x ${height} image has ${width * height * channels}.`);
  if (channels === keep) return { width, height, data: samples as Uint8Array, format };
  const out = new Uint8Array(width * height * keep);
  for (let p = 0, o = 0; o < out.length; p += channels, o += keep) for (let c = 0; c < keep; c++) out[o + c] = samples[p + c];
  return { width, height, data: out, format };
}
