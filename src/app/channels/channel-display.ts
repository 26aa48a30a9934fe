import type { ChannelDisplay, ChannelInfo, SampleType, SlideInfo } from '../../slide';

/** The range a channel's samples can take, by their type: the contrast inputs' bounds. */
export function sampleRange(type: SampleType): { lo: number; hi: number } {
  switch (type) {
    case 'uint8':
      return { lo: 0, hi: 255 };
    case 'int8':
      return { lo: -128, hi: 127 };
    case 'uint16':
      return { lo: 0, hi: 65535 };
    case 'int16':
      return { lo: -32768, hi: 32767 };
  }
}

/**
 * How the slide was shown when it opened: the engine's display (auto contrast from a low level's
 * histogram), else every channel visible in its colour over its type's whole range.
 */
export function initialDisplay(info: Pick<SlideInfo, 'channels' | 'display'>): ChannelDisplay[] {
  const channels = info.channels ?? [];
  if (info.display && info.display.length === channels.length) return info.display.map((d) => ({ ...d, color: [...d.color] as [number, number, number] }));
  return channels.map((c) => {
    const { lo, hi } = sampleRange(c.sampleType);
    return { visible: true, color: [...c.color] as [number, number, number], min: lo, max: hi };
  });
}

export function rgbToHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}

export function hexToRgb(hex: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
}

/**
 * Why a channel's contrast limits cannot be used, or null: both whole numbers within the channel's type,
 * min below max (the composite divides by max - min).
 */
export function limitsProblem(channel: ChannelInfo, min: number, max: number): string | null {
  const { lo, hi } = sampleRange(channel.sampleType);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return `${channel.name}: min and max must be numbers.`;
  if (min < lo || max > hi) return `${channel.name}: min and max must lie within ${lo} to ${hi} (${channel.sampleType} samples).`;
  if (min >= max) return `${channel.name}: min (${min}) must be below max (${max}).`;
  return null;
}
