import * as tf from '@tensorflow/tfjs';

/**
 * Resizes images (channels last) to [height, width] by bilinear interpolation with half-pixel centres
 * and no antialiasing: the same numbers as torchvision's Resize on tensors with antialias=False, i.e.
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False). (torchvision's PIL path and
 * antialias=True average more source pixels when shrinking; nothing in TF.js does that.)
 * An image already at the size is returned as it is, so tiles at the model's size go in unresized.
 */
export function resizeBilinear<T extends tf.Tensor3D | tf.Tensor4D>(images: T, size: [number, number]): T {
  const [h, w] = images.rank === 4 ? images.shape.slice(1, 3) : images.shape.slice(0, 2);
  if (h === size[0] && w === size[1]) return images;
  return tf.image.resizeBilinear(images, size, false, true) as T;
}
