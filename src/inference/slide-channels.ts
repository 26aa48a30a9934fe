import { TesseraError } from '../core';
import type { SlideInfo } from '../slide';
import type { Manifest } from './manifest';

/**
 * Which of the slide's channels a model takes, as indices into slide.info.channels in the model's order
 * (manifest input.slideChannels); null for a model that takes the RGB composite. Checked when the model
 * meets the slide, before any tile is read: a name the slide does not have, or a slide without separate
 * channels, is refused naming what the slide has. Names match exactly, else ignoring case.
 */
export function slideChannelIndices(manifest: Pick<Manifest, 'name' | 'input'>, info: Pick<SlideInfo, 'name' | 'channels'>): number[] | null {
  const wanted = manifest.input.slideChannels;
  if (!wanted) return null;
  const have = info.channels ?? [];
  if (have.length === 0) {
    throw new TesseraError('invalid-argument', `${manifest.name} takes the slide channels ${wanted.join(', ')}, but "${info.name}" has no separate channels (it is not a multi-channel fluorescence slide).`);
  }
  const names = have.map((c) => c.name);
  return wanted.map((name) => {
    let i = names.indexOf(name);
    if (i < 0) i = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (i < 0) {
      throw new TesseraError('invalid-argument', `${manifest.name} takes a channel named "${name}" (its manifest's input.slideChannels), but "${info.name}" has no such channel; its channels are ${names.map((n) => `"${n}"`).join(', ')}.`);
    }
    return i;
  });
}
