import * as tf from '@tensorflow/tfjs';
import type { ChannelMode, StainMatrix } from '../manifest';
import { cmykToRgb } from './cmyk-to-rgb';
import { greyToThree } from './grey-to-three';
import type { ImageColour } from './pixels-to-tensor';
import { rgbToBgr } from './rgb-to-bgr';
import { rgbToCmyk } from './rgb-to-cmyk';
import { rgbToGrey } from './rgb-to-grey';
import { stainConcentrations } from './stain-concentrations';

/** RGB from any colour an image comes in (0-255, channels last), by PIL's conversions. */
export function toRgb<T extends tf.Tensor>(x: T, colour: ImageColour): T {
  if (colour === 'grey') return greyToThree(x);
  if (colour === 'cmyk') return cmykToRgb(x);
  return x;
}

/**
 * An image's 0-255 samples (channels last) in the model's channel mode. Conversions follow PIL, as the
 * PyTorch code that trained the model would have opened its images with PIL's convert(): grey input
 * stays grey for a grey model, CMYK input stays CMYK for a CMYK model, and everything else goes through
 * RGB. For he-macenko the result is the two stain concentrations (not 0-255).
 */
export function toChannelMode<T extends tf.Tensor>(x: T, colour: ImageColour, mode: ChannelMode, stain?: { matrix: StainMatrix; io: number }): T {
  return tf.tidy(() => {
    switch (mode) {
      case 'rgb':
        return toRgb(x, colour);
      case 'bgr':
        return rgbToBgr(toRgb(x, colour));
      case 'grey':
        return greyToThree(colour === 'grey' ? x : rgbToGrey(toRgb(x, colour)));
      case 'cmyk':
        return colour === 'cmyk' ? x : rgbToCmyk(toRgb(x, colour));
      case 'he-macenko':
        if (!stain) throw new Error('he-macenko needs a stain matrix');
        return stainConcentrations(toRgb(x, colour), stain.matrix, stain.io);
    }
  });
}
