import { TesseraError } from '../core';
import { inputChannelCount, type Manifest } from './manifest';
import type { Dim } from './model';

/**
 * Refuses, at load, a manifest that disagrees with its model's input: size and channel count. Free
 * dimensions (null) agree with anything.
 */
export function checkModelInput(manifest: Manifest, input: [Dim, Dim, Dim]): void {
  const [h, w] = manifest.input.size;
  const c = inputChannelCount(manifest.input);
  const [mh, mw, mc] = input;
  if ((mh !== null && mh !== h) || (mw !== null && mw !== w)) {
    throw new TesseraError('invalid-argument', `${manifest.name}: the manifest says input.size [${h}, ${w}] (height, width), but the model takes ${mh ?? 'any'} x ${mw ?? 'any'} pixels.`);
  }
  if (mc !== null && mc !== c) {
    const said = manifest.input.slideChannels ? `input.slideChannels (${manifest.input.slideChannels.join(', ')}) names` : `input.channels "${manifest.input.channels}" gives`;
    throw new TesseraError('invalid-argument', `${manifest.name}: the manifest's ${said} ${c} channel${c === 1 ? '' : 's'}, but the model takes ${mc}.`);
  }
}

/**
 * Refuses a manifest that disagrees with its model's output (without the batch axis, classes last):
 * a class list that does not match the number of outputs, or a task that does not match the output's rank.
 */
export function checkModelOutput(manifest: Manifest, output: Dim[]): void {
  const { classes, activation } = manifest.output;
  const described = output.map((d) => d ?? '?').join(' x ');
  if (manifest.task === 'classification' && output.length !== 1) {
    throw new TesseraError('invalid-argument', `${manifest.name}: the manifest says task "classification", but the model gives a ${described} output per image${output.length === 3 ? ' (a segmentation map?)' : ''}.`);
  }
  if ((manifest.task === 'segmentation' || manifest.task === 'detection') && output.length !== 3) {
    throw new TesseraError('invalid-argument', `${manifest.name}: the manifest says task "${manifest.task}", but the model gives a ${described} output per image, not a height x width x classes map.`);
  }
  const k = output[output.length - 1];
  if (k === null) return;
  const binary = activation === 'sigmoid' && k === 1 && classes.length === 2;
  if (k !== classes.length && !binary) {
    throw new TesseraError(
      'invalid-argument',
      `${manifest.name}: the manifest lists ${classes.length} class${classes.length === 1 ? '' : 'es'} (${classes.map((x) => x.name).join(', ')}), but the model gives ${k} output${k === 1 ? '' : 's'} per ${manifest.task === 'classification' ? 'image' : 'pixel'}.`,
    );
  }
}
